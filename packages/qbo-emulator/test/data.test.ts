import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pacificOffsetMinutes, formatPacific, formatEnvelopeTime } from '../src/pacific-time.js';
import type { RunningEmulator } from '../src/index.js';
import {
  accessToken,
  getJson,
  manualClock,
  pageAll,
  postJson,
  query,
  queryJson,
  rows,
  start,
} from './helpers.js';
import { withoutTime } from './query-fixture.js';

const STATEMENTS = [
  "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2025-01-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2025-07-01T00:00:00Z' ORDERBY MetaData.LastUpdatedTime MAXRESULTS 1000",
  'SELECT * FROM Customer WHERE Active IN (true, false) MAXRESULTS 1000',
  'SELECT * FROM Item WHERE Active IN (true, false) ORDER BY Name MAXRESULTS 1000',
  "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2026-10-01T00:00:00Z' MAXRESULTS 1000",
];

async function bodies(em: RunningEmulator, statements: string[]): Promise<string[]> {
  const token = await accessToken(em);
  const out: string[] = [];
  for (const s of statements) {
    const res = await query(em, token, s);
    assert.equal(res.status, 200, res.text);
    out.push(withoutTime(res.text));
  }
  return out;
}

describe('generated data', () => {
  it('is byte-identical for the same seed, whatever order days are generated in, and differs for another seed', async () => {
    const a = await start({ seed: 42 });
    const b = await start({ seed: 42 });
    const c = await start({ seed: 43 });
    try {
      const fromA = await bodies(a, STATEMENTS);
      const fromB = await bodies(b, [...STATEMENTS].reverse());
      assert.deepEqual(fromA, fromB.reverse());
      const fromC = await bodies(c, STATEMENTS);
      for (let i = 0; i < STATEMENTS.length; i++) assert.notEqual(fromA[i], fromC[i]);
      assert.ok((fromA[0] as string).length > 100_000);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('counts truth by UTC day exactly as the records paged out by queries', async () => {
    const em = await start();
    try {
      const token = await accessToken(em);
      for (const entity of ['Invoice', 'Customer', 'Item']) {
        const from = '2024-11-01T00:00:00Z';
        const to = '2025-02-01T00:00:00Z';
        const active = entity === 'Invoice' ? '' : ' AND Active IN (true, false)';
        const paged = await pageAll(
          em,
          token,
          entity,
          `SELECT * FROM ${entity} WHERE MetaData.LastUpdatedTime >= '${from}' AND MetaData.LastUpdatedTime < '${to}'${active}`,
          25,
        );
        const byDay: Record<string, number> = {};
        for (const r of paged) {
          const day = new Date(r.MetaData.LastUpdatedTime).toISOString().slice(0, 10);
          byDay[day] = (byDay[day] ?? 0) + 1;
        }
        const truth = await getJson<{ count: number; byDay: Record<string, number> }>(
          `${em.url}/__emulator/truth?realmId=${em.realmIds[0]}&entity=${entity}&from=${from}&to=${to}`,
        );
        assert.equal(truth.count, paged.length, entity);
        assert.deepEqual(truth.byDay, Object.fromEntries(Object.entries(byDay).sort()));
        assert.deepEqual(em.truth(em.realmIds[0] as string, entity, new Date(from), new Date(to)), truth);
        const months = 3;
        const perMonth = paged.length / months;
        const [min, max] = { Invoice: [20, 60], Customer: [12, 32], Item: [10, 26] }[entity] as [
          number,
          number,
        ];
        assert.ok(perMonth >= min && perMonth <= max, `${entity}: ${perMonth} a month`);
      }
      const bad = await getJson(
        `${em.url}/__emulator/truth?realmId=${em.realmIds[0]}&entity=Invoice&from=2025-01-01&to=2025-01-02`,
      ).catch((e: Error) => e);
      assert.ok(!(bad instanceof Error));
      const unknown = await postJson(`${em.url}/__emulator/truth?realmId=x`, {});
      assert.equal(unknown.status, 404);
    } finally {
      await em.close();
    }
  });

  it('changes a record at the source with touch: SyncToken + 1, new LastUpdatedTime, a visible edit', async () => {
    const clock = manualClock();
    const em = await start({ clock });
    try {
      const token = await accessToken(em);
      const realm = em.realmIds[0] as string;
      const before = rows(
        await queryJson(em, token, "SELECT * FROM Customer WHERE Id = '5' AND Active IN (true, false)"),
        'Customer',
      )[0];
      assert.ok(before);
      const res = await postJson(`${em.url}/__emulator/records/touch`, {
        realmId: realm,
        entity: 'Customer',
        id: '5',
        lastUpdatedTime: '2026-07-04T12:00:00Z',
      });
      assert.equal(res.status, 200);
      const touched = JSON.parse(res.text) as Record<string, unknown> & {
        MetaData: { LastUpdatedTime: string; CreateTime: string };
      };
      assert.equal(touched.SyncToken, String(Number(before.SyncToken) + 1));
      assert.equal(touched.MetaData.LastUpdatedTime, '2026-07-04T05:00:00-07:00');
      assert.equal(touched.MetaData.CreateTime, before.MetaData.CreateTime);
      assert.notEqual(
        JSON.stringify({ ...touched, SyncToken: 0, MetaData: 0 }),
        JSON.stringify({ ...before, SyncToken: 0, MetaData: 0 }),
      );
      assert.equal(touched.DisplayName, before.DisplayName);

      const oldDay = before.MetaData.LastUpdatedTime;
      const around = (t: string) =>
        `MetaData.LastUpdatedTime >= '${new Date(Date.parse(t) - 1000).toISOString()}' AND MetaData.LastUpdatedTime <= '${new Date(Date.parse(t) + 1000).toISOString()}' AND Active IN (true, false)`;
      assert.equal(
        rows(await queryJson(em, token, `SELECT * FROM Customer WHERE ${around(oldDay)}`), 'Customer').some(
          (r) => r.Id === '5',
        ),
        false,
      );
      const now = rows(
        await queryJson(em, token, `SELECT * FROM Customer WHERE ${around('2026-07-04T12:00:00Z')}`),
        'Customer',
      );
      assert.deepEqual(
        now.map((r) => r.Id),
        ['5'],
      );
      assert.deepEqual(
        em
          .truth(realm, 'Customer', new Date('2026-07-04T00:00:00Z'), new Date('2026-07-05T00:00:00Z'), {
            ids: true,
          })
          .ids?.includes('5'),
        true,
      );

      // Default time is the emulator's now (to the second); unknown records and bad times are refused.
      clock.advance(30 * 86_400_000 + 1_234); // 2026-07-15T12:00:01.234Z
      const again = em.touchRecord({ realmId: realm, entity: 'customer', id: '5' });
      assert.equal(again.SyncToken, String(Number(before.SyncToken) + 2));
      assert.equal(
        (again.MetaData as { LastUpdatedTime: string }).LastUpdatedTime,
        '2026-07-15T05:00:01-07:00',
      );
      assert.equal(
        (
          await postJson(`${em.url}/__emulator/records/touch`, {
            realmId: realm,
            entity: 'Customer',
            id: '99999999',
          })
        ).status,
        404,
      );
      assert.equal(
        (
          await postJson(`${em.url}/__emulator/records/touch`, {
            realmId: realm,
            entity: 'Customer',
            id: '5',
            lastUpdatedTime: '2026-07-04',
          })
        ).status,
        400,
      );
      assert.equal(
        (await postJson(`${em.url}/__emulator/records/touch`, { realmId: realm, entity: 'Nope', id: '5' }))
          .status,
        400,
      );
    } finally {
      await em.close();
    }
  });

  it('drifts exactly the records due at driftPerMinute by the emulator clock, looked at or not', async () => {
    const clock = manualClock();
    const em = await start({ clock });
    // The same company without drift: the generated versions the drifted ones are counted against.
    const twin = await start({ clock: manualClock() });
    try {
      const realm = em.realmIds[0] as string;
      const from = new Date(clock.now());
      const kinds = ['Invoice', 'Customer', 'Item'];
      const movedIds = () =>
        kinds.map((e) => em.truth(realm, e, from, new Date(clock.now() + 1000), { ids: true }).ids ?? []);
      const moved = () => movedIds().flat().length;
      const syncToken = (source: RunningEmulator, entity: string, id: string) =>
        Number((source.getRecord(realm, entity, id) as { SyncToken: string }).SyncToken);
      /** New versions made since generation: SyncToken increments of the records moved to now. */
      const versions = () =>
        movedIds().reduce(
          (n, ids, k) =>
            n +
            ids.reduce(
              (m, id) => m + syncToken(em, kinds[k] as string, id) - syncToken(twin, kinds[k] as string, id),
              0,
            ),
          0,
        );
      const baseline = moved();

      em.setConfig({ driftPerMinute: 12_000 }); // one change per realm every 5 ms
      clock.advance(4);
      assert.equal(moved(), baseline, 'nothing is due before the first 5 ms');
      clock.advance(1);
      assert.equal(moved(), baseline + 1, 'the first change, at 5 ms');
      clock.advance(495);
      // Nobody looks meanwhile: the changes due by now are made when the rate changes.
      em.setConfig({ driftPerMinute: 0 });
      assert.equal(versions(), 100, '200 a second for 500 ms');
      assert.equal(moved(), baseline + 97, 'three of the hundred changes hit a record changed before');
      clock.advance(600_000);
      assert.equal(moved(), baseline + 97, 'no drift once the rate is 0');
      assert.equal(versions(), 100);

      // A drifted record has a newer SyncToken and LastUpdatedTime at the second it changed.
      const id = movedIds()[0]?.[0] as string;
      const record = em.getRecord(realm, 'Invoice', id) as {
        SyncToken: string;
        MetaData: { LastUpdatedTime: string };
      };
      assert.ok(Number(record.SyncToken) > syncToken(twin, 'Invoice', id));
      assert.equal(Date.parse(record.MetaData.LastUpdatedTime), from.getTime());
    } finally {
      await Promise.all([em.close(), twin.close()]);
    }
  });

  it('computes Pacific offsets exactly as Intl does, hour by hour over 2024-2027', () => {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: 'America/Los_Angeles',
      timeZoneName: 'longOffset',
    });
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2027, 1, 1); t += 1_800_000) {
      const name = fmt.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value;
      assert.equal(
        name,
        pacificOffsetMinutes(t) === -420 ? 'GMT-07:00' : 'GMT-08:00',
        new Date(t).toISOString(),
      );
    }
    assert.equal(formatPacific(Date.UTC(2026, 2, 8, 9, 59, 59)), '2026-03-08T01:59:59-08:00');
    assert.equal(formatPacific(Date.UTC(2026, 2, 8, 10, 0, 0)), '2026-03-08T03:00:00-07:00');
    assert.equal(formatPacific(Date.UTC(2026, 10, 1, 8, 59, 59)), '2026-11-01T01:59:59-07:00');
    assert.equal(formatPacific(Date.UTC(2026, 10, 1, 9, 0, 0)), '2026-11-01T01:00:00-08:00');
    assert.equal(formatPacific(Date.UTC(2026, 0, 16, 4, 0, 0)), '2026-01-15T20:00:00-08:00');
    assert.equal(formatEnvelopeTime(Date.UTC(2026, 0, 15, 18, 38, 50, 10)), '2026-01-15T10:38:50.01-08:00');
    assert.equal(formatEnvelopeTime(Date.UTC(2026, 0, 15, 18, 38, 50, 123)), '2026-01-15T10:38:50.123-08:00');
    assert.equal(formatEnvelopeTime(Date.UTC(2026, 6, 15, 18, 38, 50, 0)), '2026-07-15T11:38:50-07:00');
  });
});
