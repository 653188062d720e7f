import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { query, queryJson, rows } from './helpers.js';
import { useQueryEmulator, withoutTime, Y2025 } from './query-fixture.js';

const q = useQueryEmulator();

describe('query paging', () => {
  it('pages a year of invoices exactly: 1-based positions, maxResults = rows returned, nothing skipped or repeated', async () => {
    const expected = await q.truth('Invoice', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    assert.ok(expected.count > 200, `a year holds hundreds of invoices (${expected.count})`);
    const seen: string[] = [];
    const pageSize = 37;
    for (let start = 1; ; start += pageSize) {
      const body = await queryJson(
        q.em,
        q.token,
        `SELECT * FROM Invoice WHERE ${Y2025} ORDERBY MetaData.LastUpdatedTime STARTPOSITION ${start} MAXRESULTS ${pageSize}`,
      );
      const page = rows(body, 'Invoice');
      if (page.length === 0) {
        assert.deepEqual(body.QueryResponse, {});
        break;
      }
      assert.equal(body.QueryResponse.startPosition, start);
      assert.equal(body.QueryResponse.maxResults, page.length);
      seen.push(...page.map((r) => r.Id));
      if (page.length < pageSize) break;
    }
    assert.equal(seen.length, expected.count);
    assert.equal(new Set(seen).size, seen.length);
    assert.deepEqual([...seen].sort(), [...expected.ids].sort());
  });

  it('reads STARTPOSITION 0 as 1', async () => {
    const statement = `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 5`;
    const zero = await query(
      q.em,
      q.token,
      `${statement.replace('MAXRESULTS', 'STARTPOSITION 0 MAXRESULTS')}`,
    );
    const one = await query(
      q.em,
      q.token,
      `${statement.replace('MAXRESULTS', 'STARTPOSITION 1 MAXRESULTS')}`,
    );
    assert.equal(zero.status, 200);
    assert.equal(withoutTime(zero.text), withoutTime(one.text));
    assert.equal(
      (JSON.parse(zero.text) as { QueryResponse: { startPosition: number } }).QueryResponse.startPosition,
      1,
    );
  });

  it('answers an exact multiple with a full page and then an empty page without the entity key', async () => {
    const { count } = await q.truth('Invoice', '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z');
    const where =
      "MetaData.LastUpdatedTime >= '2025-03-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2025-04-01T00:00:00Z'";
    const full = await queryJson(
      q.em,
      q.token,
      `SELECT * FROM Invoice WHERE ${where} STARTPOSITION 1 MAXRESULTS ${count}`,
    );
    assert.equal(rows(full, 'Invoice').length, count);
    assert.equal(full.QueryResponse.maxResults, count);
    const next = await query(
      q.em,
      q.token,
      `SELECT * FROM Invoice WHERE ${where} STARTPOSITION ${count + 1} MAXRESULTS ${count}`,
    );
    assert.equal(next.status, 200);
    assert.match(
      next.text,
      /^\{"QueryResponse":\{\},"time":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?-0[78]:00"\}$/,
    );
  });

  it('defaults MAXRESULTS to 100 and allows 1000', async () => {
    assert.equal(rows(await queryJson(q.em, q.token, 'SELECT * FROM Invoice'), 'Invoice').length, 100);
    assert.equal(
      rows(await queryJson(q.em, q.token, 'SELECT * FROM Invoice MAXRESULTS 1000'), 'Invoice').length,
      1000,
    );
  });

  it("refuses MAXRESULTS over 1000 with QBO's validation message", async () => {
    const res = await query(q.em, q.token, 'SELECT * FROM Invoice MAXRESULTS 1500');
    assert.equal(res.status, 400);
    const body = JSON.parse(res.text) as {
      Fault: { Error: { Message: string; Detail: string; code: string }[]; type: string };
    };
    assert.deepEqual(body.Fault.Error[0], {
      Message: 'Error parsing query',
      Detail: 'QueryValidationError: value 1500 is too large. Max allowed value is 1000',
      code: '4000',
    });
    assert.equal(body.Fault.type, 'ValidationFault');
  });

  it('accepts MAXRESULTS before STARTPOSITION too', async () => {
    const a = await query(
      q.em,
      q.token,
      `SELECT * FROM Invoice WHERE ${Y2025} STARTPOSITION 11 MAXRESULTS 10`,
    );
    const b = await query(
      q.em,
      q.token,
      `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 10 STARTPOSITION 11`,
    );
    assert.equal(withoutTime(a.text), withoutTime(b.text));
  });
});
