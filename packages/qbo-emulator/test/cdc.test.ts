import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEmulator } from '../src/index.js';
import { accessToken, http, manualClock, postJson, query, rows, start } from './helpers.js';

interface CdcBody {
  CDCResponse: { QueryResponse: Record<string, unknown>[] }[];
  time: string;
}

describe('change data capture', () => {
  let em: RunningEmulator;
  let token: string;
  let realm: string;
  const cdc = (params: string) =>
    http(`${em.url}/v3/company/${realm}/cdc?${params}&minorversion=75`, {
      headers: { authorization: `Bearer ${token}` },
    });

  before(async () => {
    em = await start();
    token = await accessToken(em);
    realm = em.realmIds[0] as string;
  });
  after(() => em.close());

  it('returns changes since an instant, with deleted invoices as stubs, and hides deleted ones from queries', async () => {
    const since = new Date(Date.now() - 5 * 86_400_000);
    // Pick a live invoice and delete it at the source.
    const recent = rows(
      JSON.parse(
        (
          await query(
            em,
            token,
            `SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime < '${new Date().toISOString()}' ORDERBY MetaData.LastUpdatedTime DESC MAXRESULTS 1`,
          )
        ).text,
      ) as never,
      'Invoice',
    );
    const victim = recent[0]?.Id as string;
    assert.ok(victim);
    const del = await postJson(`${em.url}/__emulator/records/delete`, {
      realmId: realm,
      entity: 'Invoice',
      id: victim,
    });
    assert.equal(del.status, 200);

    const res = await cdc(
      `entities=Invoice,Customer&changedSince=${encodeURIComponent(since.toISOString())}`,
    );
    assert.equal(res.status, 200);
    const body = JSON.parse(res.text) as CdcBody;
    assert.equal(body.CDCResponse.length, 1);
    const [invoices, customers] = body.CDCResponse[0]?.QueryResponse ?? [];
    const invoiceRows = (invoices?.Invoice ?? []) as Record<string, unknown>[];
    const stub = invoiceRows.find((r) => r.Id === victim);
    assert.ok(stub, 'the deleted invoice is reported');
    assert.deepEqual(Object.keys(stub).sort(), ['Id', 'MetaData', 'domain', 'status']);
    assert.equal(stub.status, 'Deleted');
    assert.equal(stub.domain, 'QBO');
    assert.ok(customers !== undefined);
    for (const r of invoiceRows) {
      const t = Date.parse((r.MetaData as { LastUpdatedTime: string }).LastUpdatedTime);
      assert.ok(
        t >= Math.floor(since.getTime() / 1000) * 1000 && t <= Date.now(),
        'changes fall in [changedSince, now]',
      );
    }
    assert.equal(invoices?.maxResults, invoiceRows.length);

    const gone = await query(em, token, `SELECT * FROM Invoice WHERE Id = '${victim}'`);
    assert.match(gone.text, /^\{"QueryResponse":\{\},"time"/);
    assert.equal(
      em
        .truth(realm, 'Invoice', new Date(0), new Date(Date.now() + 86_400_000), { ids: true })
        .ids?.includes(victim),
      false,
    );
  });

  it('includes inactive customers and caps the answer at 1000 objects', async () => {
    const since = new Date(Date.now() - 29 * 86_400_000).toISOString();
    const customer = em.touchRecord({ realmId: realm, entity: 'Customer', id: '3', active: false });
    assert.equal(customer.Active, false);
    const body = JSON.parse(
      (await cdc(`entities=Customer&changedSince=${encodeURIComponent(since)}`)).text,
    ) as CdcBody;
    const list = (body.CDCResponse[0]?.QueryResponse[0]?.Customer ?? []) as Record<string, unknown>[];
    assert.ok(list.some((c) => c.Id === '3' && c.Active === false));

    // Many changes right now (drift at a high rate): the answer stops at 1000.
    const clock = manualClock();
    const busy = await start({ clock, realmIds: ['777'] });
    try {
      const t = await accessToken(busy);
      const from = new Date(clock.now() - 1000).toISOString();
      busy.setConfig({ driftPerMinute: 900_000 });
      clock.advance(300); // 4,500 changes
      const res = await http(
        `${busy.url}/v3/company/777/cdc?entities=Invoice,Customer,Item&changedSince=${encodeURIComponent(from)}`,
        {
          headers: { authorization: `Bearer ${t}` },
        },
      );
      busy.setConfig({ driftPerMinute: 0 });
      const parts = (JSON.parse(res.text) as CdcBody).CDCResponse[0]?.QueryResponse ?? [];
      assert.equal(parts.length, 3);
      const total = parts.reduce(
        (n, p) => n + ((Object.values(p).find(Array.isArray) as unknown[] | undefined)?.length ?? 0),
        0,
      );
      assert.equal(total, 1000);
    } finally {
      await busy.close();
    }
  });

  it('refuses a look-back over 30 days, a missing offset and unknown entities with 400 faults', async () => {
    const old = await cdc(
      `entities=Invoice&changedSince=${encodeURIComponent(new Date(Date.now() - 31 * 86_400_000).toISOString())}`,
    );
    assert.equal(old.status, 400);
    assert.match(
      old.text,
      /"Fault":\{"Error":\[\{"Message":"Request has invalid or unsupported property","Detail":"[^"]*30 days/,
    );
    assert.equal((await cdc('entities=Invoice&changedSince=2026-11-01T00:00:00')).status, 400);
    assert.equal(
      (await cdc(`entities=Nope&changedSince=${encodeURIComponent(new Date().toISOString())}`)).status,
      400,
    );
    assert.equal((await cdc(`changedSince=${encodeURIComponent(new Date().toISOString())}`)).status, 400);
  });
});
