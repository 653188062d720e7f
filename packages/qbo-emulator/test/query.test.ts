import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEmulator } from '../src/index.js';
import {
  accessToken,
  getJson,
  http,
  pageAll,
  query,
  queryJson,
  queryUrl,
  rows,
  start,
  type Row,
} from './helpers.js';

let em: RunningEmulator;
let token: string;
let realm: string;

const Y2025 =
  "MetaData.LastUpdatedTime >= '2025-01-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2026-01-01T00:00:00Z'";

/** The body without the envelope time, for comparing two answers. */
function withoutTime(text: string): string {
  return text.replace(/,"time":"[^"]+"\}$/, '}');
}

interface Truth {
  count: number;
  byDay: Record<string, number>;
  ids: string[];
}

function truth(entity: string, from: string, to: string): Promise<Truth> {
  return getJson<Truth>(
    `${em.url}/__emulator/truth?realmId=${realm}&entity=${entity}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&ids=true`,
  );
}

function pacificOffset(instant: Date): string {
  const part = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    timeZoneName: 'longOffset',
  })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName');
  return (part?.value ?? '').replace('GMT', '');
}

before(async () => {
  em = await start();
  realm = em.realmIds[0] as string;
  token = await accessToken(em);
});
after(() => em.close());

describe('query paging', () => {
  it('pages a year of invoices exactly: 1-based positions, maxResults = rows returned, nothing skipped or repeated', async () => {
    const expected = await truth('Invoice', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    assert.ok(expected.count > 200, `a year holds hundreds of invoices (${expected.count})`);
    const seen: string[] = [];
    const pageSize = 37;
    for (let start = 1; ; start += pageSize) {
      const body = await queryJson(
        em,
        token,
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
    const q = `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 5`;
    const zero = await query(em, token, `${q.replace('MAXRESULTS', 'STARTPOSITION 0 MAXRESULTS')}`);
    const one = await query(em, token, `${q.replace('MAXRESULTS', 'STARTPOSITION 1 MAXRESULTS')}`);
    assert.equal(zero.status, 200);
    assert.equal(withoutTime(zero.text), withoutTime(one.text));
    assert.equal(
      (JSON.parse(zero.text) as { QueryResponse: { startPosition: number } }).QueryResponse.startPosition,
      1,
    );
  });

  it('answers an exact multiple with a full page and then an empty page without the entity key', async () => {
    const { count } = await truth('Invoice', '2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z');
    const where =
      "MetaData.LastUpdatedTime >= '2025-03-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2025-04-01T00:00:00Z'";
    const full = await queryJson(
      em,
      token,
      `SELECT * FROM Invoice WHERE ${where} STARTPOSITION 1 MAXRESULTS ${count}`,
    );
    assert.equal(rows(full, 'Invoice').length, count);
    assert.equal(full.QueryResponse.maxResults, count);
    const next = await query(
      em,
      token,
      `SELECT * FROM Invoice WHERE ${where} STARTPOSITION ${count + 1} MAXRESULTS ${count}`,
    );
    assert.equal(next.status, 200);
    assert.match(
      next.text,
      /^\{"QueryResponse":\{\},"time":"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?-0[78]:00"\}$/,
    );
  });

  it('defaults MAXRESULTS to 100 and allows 1000', async () => {
    assert.equal(rows(await queryJson(em, token, 'SELECT * FROM Invoice'), 'Invoice').length, 100);
    assert.equal(
      rows(await queryJson(em, token, 'SELECT * FROM Invoice MAXRESULTS 1000'), 'Invoice').length,
      1000,
    );
  });

  it("refuses MAXRESULTS over 1000 with QBO's validation message", async () => {
    const res = await query(em, token, 'SELECT * FROM Invoice MAXRESULTS 1500');
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
    const a = await query(em, token, `SELECT * FROM Invoice WHERE ${Y2025} STARTPOSITION 11 MAXRESULTS 10`);
    const b = await query(em, token, `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 10 STARTPOSITION 11`);
    assert.equal(withoutTime(a.text), withoutTime(b.text));
  });
});

describe('query results', () => {
  it("counts with COUNT(*) in QBO's shape", async () => {
    const expected = await truth('Invoice', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    const res = await query(em, token, `SELECT COUNT(*) FROM Invoice WHERE ${Y2025}`);
    assert.match(
      res.text,
      new RegExp(`^\\{"QueryResponse":\\{"totalCount":${expected.count}\\},"time":"[^"]+"\\}$`),
    );
  });

  it('hides inactive customers and items unless the query names Active', async () => {
    for (const entity of ['Customer', 'Item']) {
      const count = async (extra: string) =>
        (await queryJson(em, token, `SELECT COUNT(*) FROM ${entity}${extra}`)).QueryResponse
          .totalCount as number;
      const active = await count('');
      const inactive = await count(' WHERE Active = false');
      const all = await count(' WHERE Active IN (true, false)');
      assert.ok(inactive > 0, `${entity}: some inactive`);
      assert.ok(inactive / all > 0.05 && inactive / all < 0.25, `${entity}: ${inactive} of ${all} inactive`);
      assert.equal(active + inactive, all);
      assert.equal(await count(' WHERE Active = true'), active);
      const page = rows(await queryJson(em, token, `SELECT * FROM ${entity} MAXRESULTS 1000`), entity);
      assert.ok(page.length > 0 && page.every((r) => r.Active === true));
    }
  });

  it('matches truth (inactive included) when paging customers with Active IN (true,false)', async () => {
    const expected = await truth('Customer', '2024-06-01T00:00:00Z', '2025-06-01T00:00:00Z');
    const got = await pageAll(
      em,
      token,
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
          em,
          token,
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
        em,
        token,
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
    const dayTruth = await truth(
      'Invoice',
      `${utcDay}T00:00:00Z`,
      new Date(Date.parse(`${utcDay}T00:00:00Z`) + 86_400_000).toISOString(),
    );
    assert.ok(dayTruth.ids.includes(sample.Id));
  });

  it('compares time literals as instants, whatever their offset', async () => {
    const z = await query(
      em,
      token,
      "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-03-08T08:00:00Z' AND MetaData.LastUpdatedTime < '2026-03-10T07:00:00Z'",
    );
    const pacific = await query(
      em,
      token,
      "SELECT * FROM Invoice WHERE Metadata.LastUpdatedTime >= '2026-03-08T00:00:00-08:00' AND MetaData.LastUpdatedTime < '2026-03-10T00:00:00-07:00'",
    );
    assert.equal(z.status, 200);
    assert.ok(rows(JSON.parse(z.text) as never, 'Invoice').length > 0);
    assert.equal(withoutTime(z.text), withoutTime(pacific.text));
  });

  it('orders with ORDERBY and ORDER BY alike, ties by Id, DESC reversed', async () => {
    const asc1 = await query(
      em,
      token,
      `SELECT * FROM Invoice WHERE ${Y2025} ORDERBY MetaData.LastUpdatedTime MAXRESULTS 300`,
    );
    const asc2 = await query(
      em,
      token,
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
        em,
        token,
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
      await queryJson(em, token, 'SELECT * FROM Customer ORDERBY DisplayName MAXRESULTS 1000'),
      'Customer',
    ).map((r) => r.DisplayName as string);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  it('defaults to Id order, so pages without ORDERBY are stable', async () => {
    const ids = rows(await queryJson(em, token, 'SELECT * FROM Invoice MAXRESULTS 50'), 'Invoice').map((r) =>
      Number(r.Id),
    );
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.equal(ids[0], 1);
  });

  it('supports Id IN, LIKE with %, and POST with application/text', async () => {
    const byId = rows(
      await queryJson(em, token, "SELECT * FROM Invoice WHERE Id IN ('7', '3', '5')"),
      'Invoice',
    ).map((r) => r.Id);
    const live = ['3', '5', '7'].filter((id) => em.getRecord(realm, 'Invoice', id)?.status !== 'Deleted');
    assert.ok(live.length >= 2);
    assert.deepEqual(byId.sort(), live);
    const first = rows(
      await queryJson(em, token, 'SELECT * FROM Customer MAXRESULTS 1'),
      'Customer',
    )[0] as Row;
    const prefix = (first.DisplayName as string).split(' ')[0] as string;
    const like = rows(
      await queryJson(
        em,
        token,
        `SELECT * FROM Customer WHERE DisplayName LIKE '${prefix.toLowerCase().replace(/'/g, "''")}%'`,
      ),
      'Customer',
    );
    assert.ok(like.length > 0 && like.every((r) => (r.DisplayName as string).startsWith(prefix)));
    const statement = `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 20`;
    const get = await query(em, token, statement);
    const post = await http(`${em.url}/v3/company/${realm}/query?minorversion=75`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/text' },
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
      const res = await query(em, token, bad);
      assert.equal(res.status, 400, bad);
      const error = (
        JSON.parse(res.text) as { Fault: { Error: { Message: string; Detail: string; code: string }[] } }
      ).Fault.Error[0];
      assert.equal(error?.code, '4000', bad);
      assert.equal(error?.Message, 'Error parsing query', bad);
      assert.match(error?.Detail ?? '', /^QueryParserError: /, bad);
    }
  });

  it('answers bad values with QueryValidationError (time literals need an offset)', async () => {
    for (const bad of [
      "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-01-01T00:00:00'",
      "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= 'yesterday'",
      "SELECT * FROM Invoice WHERE NoSuchField = '1'",
      'SELECT * FROM Invoice WHERE Active = true',
    ]) {
      const res = await query(em, token, bad);
      assert.equal(res.status, 400, bad);
      assert.match(res.text, /"Detail":"QueryValidationError: /, bad);
    }
  });

  it('refuses an unknown realm with 403 and an empty query with 400', async () => {
    const res = await query(em, token, 'SELECT * FROM Invoice', '123');
    assert.equal(res.status, 403);
    assert.match(res.text, /"code":"3100"/);
    const empty = await http(queryUrl(em, realm, '').replace('query=&', ''), {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(empty.status, 400);
  });

  it('gives every realm its own company', async () => {
    const a = await query(em, token, 'SELECT * FROM Customer MAXRESULTS 3', em.realmIds[0]);
    const b = await query(em, token, 'SELECT * FROM Customer MAXRESULTS 3', em.realmIds[1]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.notEqual(withoutTime(a.text), withoutTime(b.text));
  });

  it('serves realistic invoice payloads', async () => {
    const list = rows(
      await queryJson(em, token, `SELECT * FROM Invoice WHERE ${Y2025} MAXRESULTS 200`),
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
