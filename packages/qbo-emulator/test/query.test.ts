import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { http, pageAll, query, queryJson, queryUrl, rows, type Row } from './helpers.js';
import { useQueryEmulator, withoutTime, Y2025 } from './query-fixture.js';

const q = useQueryEmulator();

function pacificOffset(instant: Date): string {
  const part = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    timeZoneName: 'longOffset',
  })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName');
  return (part?.value ?? '').replace('GMT', '');
}

describe('query results', () => {
  /** The answer to a statement QBO refuses as a bad query: HTTP 400. */
  const refused = async (statement: string) => {
    const res = await query(q.em, q.token, statement);
    assert.equal(res.status, 400, statement);
    return res;
  };

  it("counts with COUNT(*) in QBO's shape", async () => {
    const expected = await q.truth('Invoice', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    const res = await query(q.em, q.token, `SELECT COUNT(*) FROM Invoice WHERE ${Y2025}`);
    assert.match(
      res.text,
      new RegExp(`^\\{"QueryResponse":\\{"totalCount":${expected.count}\\},"time":"[^"]+"\\}$`),
    );
  });

  it('hides inactive customers and items unless the query names Active', async () => {
    for (const entity of ['Customer', 'Item']) {
      const count = async (extra: string) =>
        (await queryJson(q.em, q.token, `SELECT COUNT(*) FROM ${entity}${extra}`)).QueryResponse
          .totalCount as number;
      const active = await count('');
      const inactive = await count(' WHERE Active = false');
      const all = await count(' WHERE Active IN (true, false)');
      assert.ok(inactive > 0, `${entity}: some inactive`);
      assert.ok(inactive / all > 0.05 && inactive / all < 0.25, `${entity}: ${inactive} of ${all} inactive`);
      assert.equal(active + inactive, all);
      assert.equal(await count(' WHERE Active = true'), active);
      const page = rows(await queryJson(q.em, q.token, `SELECT * FROM ${entity} MAXRESULTS 1000`), entity);
      assert.ok(page.length > 0 && page.every((r) => r.Active === true));
    }
  });

  it('matches truth (inactive included) when paging customers with Active IN (true,false)', async () => {
    const expected = await q.truth('Customer', '2024-06-01T00:00:00Z', '2025-06-01T00:00:00Z');
    const got = await pageAll(
      q.em,
      q.token,
      'Customer',
      "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2024-06-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2025-06-01T00:00:00Z' AND Active IN (true, false) ORDER BY MetaData.LastUpdatedTime",
      50,
    );
    assert.deepEqual(got.map((r) => r.Id).sort(), [...expected.ids].sort());
    assert.ok(got.some((r) => r.Active === false));
  });

  it('writes MetaData times with the Pacific offset of each instant across the DST changes', async () => {
    for (const [from, to] of [
      ['2026-03-06T00:00:00Z', '2026-03-11T00:00:00Z'],
      ['2026-10-30T00:00:00Z', '2026-11-04T00:00:00Z'],
    ] as const) {
      const page = rows(
        await queryJson(
          q.em,
          q.token,
          `SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '${from}' AND MetaData.LastUpdatedTime < '${to}' MAXRESULTS 1000`,
        ),
        'Invoice',
      );
      const offsets = new Set<string>();
      for (const r of page) {
        const text = r.MetaData.LastUpdatedTime;
        assert.match(text, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[78]:00$/);
        const instant = new Date(text);
        assert.equal(text.slice(-6), pacificOffset(instant), text);
        offsets.add(text.slice(-6));
      }
      assert.deepEqual([...offsets].sort(), ['-07:00', '-08:00'], `${from}: both offsets appear`);
    }
  });

  it('has records whose Pacific date differs from their UTC date, counted on the UTC day', async () => {
    const page = rows(
      await queryJson(
        q.em,
        q.token,
        "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-01-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2026-02-01T00:00:00Z' MAXRESULTS 1000",
      ),
      'Invoice',
    );
    const crossing = page.filter(
      (r) =>
        new Date(r.MetaData.LastUpdatedTime).toISOString().slice(0, 10) !==
        r.MetaData.LastUpdatedTime.slice(0, 10),
    );
    assert.ok(crossing.length > 0);
    const sample = crossing[0] as Row;
    const utcDay = new Date(sample.MetaData.LastUpdatedTime).toISOString().slice(0, 10);
    const dayTruth = await q.truth(
      'Invoice',
      `${utcDay}T00:00:00Z`,
      new Date(Date.parse(`${utcDay}T00:00:00Z`) + 86_400_000).toISOString(),
    );
    assert.ok(dayTruth.ids.includes(sample.Id));
  });

  it('compares time literals as instants, whatever their offset', async () => {
    const z = await query(
      q.em,
      q.token,
      "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-03-08T08:00:00Z' AND MetaData.LastUpdatedTime < '2026-03-10T07:00:00Z'",
    );
    const pacific = await query(
      q.em,
      q.token,
      "SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime >= '2026-03-08T00:00:00-08:00' AND MetaData.LastUpdatedTime < '2026-03-10T00:00:00-07:00'",
    );
    assert.equal(z.status, 200);
    assert.ok(rows(JSON.parse(z.text) as never, 'Invoice').length > 0);
    assert.equal(withoutTime(z.text), withoutTime(pacific.text));
  });

  it('orders with ORDERBY and ORDER BY alike, ties by Id, DESC reversed', async () => {
    const asc1 = await query(
      q.em,
      q.token,
      `SELECT * FROM Invoice WHERE ${Y2025} ORDERBY MetaData.LastUpdatedTime MAXRESULTS 300`,
    );
    const asc2 = await query(
      q.em,
      q.token,
      `select * from invoice where ${Y2025.toLowerCase()} order by metadata.lastupdatedtime asc maxresults 300`,
    );
    assert.equal(withoutTime(asc1.text), withoutTime(asc2.text));
    const list = rows(JSON.parse(asc1.text) as never, 'Invoice');
    assert.equal(list.length, 300);
    for (let i = 1; i < list.length; i++) {
      const a = Date.parse((list[i - 1] as Row).MetaData.LastUpdatedTime);
      const b = Date.parse((list[i] as Row).MetaData.LastUpdatedTime);
      assert.ok(a < b || (a === b && Number((list[i - 1] as Row).Id) < Number((list[i] as Row).Id)));
    }
    const desc = rows(
      await queryJson(
        q.em,
        q.token,
        `SELECT * FROM Invoice WHERE ${Y2025} ORDER BY MetaData.LastUpdatedTime DESC MAXRESULTS 1000`,
      ),
      'Invoice',
    );
    for (let i = 1; i < desc.length; i++) {
      assert.ok(
        Date.parse((desc[i - 1] as Row).MetaData.LastUpdatedTime) >=
          Date.parse((desc[i] as Row).MetaData.LastUpdatedTime),
      );
    }
    const names = rows(
      await queryJson(q.em, q.token, 'SELECT * FROM Customer ORDERBY DisplayName MAXRESULTS 1000'),
      'Customer',
    ).map((r) => r.DisplayName as string);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  it('defaults to Id order, so pages without ORDERBY are stable', async () => {
    const ids = rows(await queryJson(q.em, q.token, 'SELECT * FROM Invoice MAXRESULTS 50'), 'Invoice').map(
      (r) => Number(r.Id),
    );
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.equal(ids[0], 1);
  });

  it('supports Id IN, LIKE with %, and POST with application/text', async () => {
    const byId = rows(
      await queryJson(q.em, q.token, "SELECT * FROM Invoice WHERE Id IN ('7', '3', '5')"),
      'Invoice',
    ).map((r) => r.Id);
    const live = ['3', '5', '7'].filter((id) => q.em.getRecord(q.realm, 'Invoice', id)?.status !== 'Deleted');
    assert.ok(live.length >= 2);
    assert.deepEqual(byId.sort(), live);
    const first = rows(
      await queryJson(q.em, q.token, 'SELECT * FROM Customer MAXRESULTS 1'),
      'Customer',
    )[0] as Row;
    const prefix = (first.DisplayName as string).split(' ')[0] as string;
    const like = rows(
      await queryJson(
        q.em,
        q.token,
        `SELECT * FROM Customer WHERE DisplayName LIKE '${prefix.toLowerCase().replace(/'/g, "''")}%'`,
      ),
      'Customer',
    );
    assert.ok(like.length > 0 && like.every((r) => (r.DisplayName as string).startsWith(prefix)));
    const statement = `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 20`;
    const get = await query(q.em, q.token, statement);
    const post = await http(`${q.em.url}/v3/company/${q.realm}/query?minorversion=75`, {
      method: 'POST',
      headers: { authorization: `Bearer ${q.token}`, 'content-type': 'application/text' },
      body: statement,
    });
    assert.equal(post.status, 200);
    assert.equal(withoutTime(post.text), withoutTime(get.text));
  });

  it('answers syntax errors with 400, code 4000, QueryParserError', async () => {
    for (const bad of [
      'SELEC * FROM Invoice',
      'SELECT Id FROM Invoice',
      'SELECT * FROM Invoice WHERE',
      "SELECT * FROM Invoice WHERE Id = '1' OR Id = '2'",
      'SELECT * FROM Invoice ORDER MetaData.LastUpdatedTime',
      "SELECT * FROM Invoice WHERE DocNumber = 'open",
      'SELECT * FROM Invoice MAXRESULTS ten',
      'SELECT * FROM Invoice GROUP BY Id',
      'SELECT * FROM NoSuchEntity',
    ]) {
      const error = (
        JSON.parse((await refused(bad)).text) as {
          Fault: { Error: { Message: string; Detail: string; code: string }[] };
        }
      ).Fault.Error[0];
      assert.equal(error?.code, '4000', bad);
      assert.equal(error?.Message, 'Error parsing query', bad);
      assert.match(error?.Detail ?? '', /^QueryParserError: /, bad);
    }
  });

  it('answers bad values with QueryValidationError (time literals need an offset)', async () => {
    for (const [bad, why] of Object.entries({
      "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-01-01T00:00:00'":
        'a time without an offset',
      "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= 'yesterday'": 'not a time',
      "SELECT * FROM Invoice WHERE NoSuchField = '1'": 'no such field',
      'SELECT * FROM Invoice WHERE Active = true': 'invoices have no Active',
    })) {
      assert.match((await refused(bad)).text, /"Detail":"QueryValidationError: /, `${bad}: ${why}`);
    }
  });

  it('refuses an unknown realm with 403 and an empty query with 400', async () => {
    const res = await query(q.em, q.token, 'SELECT * FROM Invoice', '123');
    assert.equal(res.status, 403);
    assert.match(res.text, /"code":"3100"/);
    const empty = await http(queryUrl(q.em, q.realm, '').replace('query=&', ''), {
      headers: { authorization: `Bearer ${q.token}` },
    });
    assert.equal(empty.status, 400);
  });

  it('gives every realm its own company', async () => {
    const a = await query(q.em, q.token, 'SELECT * FROM Customer MAXRESULTS 3', q.em.realmIds[0]);
    const b = await query(q.em, q.token, 'SELECT * FROM Customer MAXRESULTS 3', q.em.realmIds[1]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.notEqual(withoutTime(a.text), withoutTime(b.text));
  });

  it('serves realistic invoice payloads', async () => {
    const list = rows(
      await queryJson(q.em, q.token, `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 200`),
      'Invoice',
    );
    for (const inv of list) {
      assert.match(inv.Id, /^\d+$/);
      assert.equal(inv.domain, 'QBO');
      assert.equal(inv.sparse, false);
      assert.match(inv.SyncToken as string, /^\d+$/);
      const lines = inv.Line as { DetailType: string; Amount: number }[];
      assert.ok(lines.some((l) => l.DetailType === 'SalesItemLineDetail'));
      const subtotal = lines.find((l) => l.DetailType === 'SubTotalLineDetail');
      const sum = lines
        .filter((l) => l.DetailType === 'SalesItemLineDetail')
        .reduce((s, l) => s + l.Amount, 0);
      assert.equal(Math.round((subtotal?.Amount ?? 0) * 100), Math.round(sum * 100));
      assert.ok(
        typeof inv.TotalAmt === 'number' && typeof inv.Balance === 'number' && inv.Balance <= inv.TotalAmt,
      );
      assert.match((inv.CustomerRef as { value: string }).value, /^\d+$/);
      assert.ok(Array.isArray(inv.CustomField));
      assert.ok(Date.parse(inv.MetaData.CreateTime) <= Date.parse(inv.MetaData.LastUpdatedTime));
    }
    assert.ok(
      list.some((r) => !('BillEmail' in r)) && list.some((r) => 'BillEmail' in r),
      'optional fields are sometimes absent',
    );
  });
});
