import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENTITIES } from '../../src/model/entities.js';
import { runCli } from '../helpers/cli.js';
import { changed, emulatorChange, rawRows, syncOnce, truthIds } from '../helpers/sync.js';
import { useBackfilledCompany } from '../helpers/backfilled-company-hooks.js';

/**
 * The hand-over from a backfill to sync, against the emulator's truth: a company backfilled whole,
 * then changed at the source (invoices hard-deleted, customers inactivated, items edited, time
 * activities deleted). One `sync --once` makes raw equal the source; a second changes nothing.
 */
describe('sync --once after a backfill', () => {
  const company = useBackfilledCompany({
    label: 'sync-once',
    seed: 1902,
    concurrency: 4,
  });

  it('refuses a realm with nothing to start from (exit 2), and changes nothing', async () => {
    const r = await runCli(['sync', '--realm', '4620999', '--once'], company.env);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr.trim(),
      'qbo-backfill sync: realm 4620999 has nothing to sync from (never backfilled, nothing in raw): backfill it first: qbo-backfill enqueue --realm 4620999 --entities ENTITIES --from DATE --to DATE',
    );
    const marks = await company.tdb.db.selectFrom('ops.sync_marks').selectAll().execute();
    assert.equal(marks.length, 0);
  });

  it('one cycle makes raw equal the source, deletions marked, untouched rows not rewritten; a second changes nothing', async () => {
    const url = company.emulator.url;
    const before = new Map<string, Map<string, number>>();
    for (const e of ENTITIES) {
      const rows = await rawRows(company.tdb.db, company.realmId, e.name);
      before.set(e.name, new Map(rows.map((r) => [r.id, r.ingested.getTime()])));
    }
    const pick = async (entity: string, n: number) =>
      (await truthIds(url, company.realmId, entity)).slice(3, 3 + n);
    const changes = {
      invoices: { ids: await pick('invoices', 4), path: '/__emulator/records/delete', qbo: 'Invoice' },
      customers: { ids: await pick('customers', 3), path: '/__emulator/records/delete', qbo: 'Customer' },
      items: { ids: await pick('items', 2), path: '/__emulator/records/touch', qbo: 'Item' },
      time_activities: {
        ids: await pick('time_activities', 2),
        path: '/__emulator/records/delete',
        qbo: 'TimeActivity',
      },
    } as const;
    for (const c of Object.values(changes)) {
      for (const id of c.ids)
        await emulatorChange(url, c.path, { realmId: company.realmId, entity: c.qbo, id });
    }

    const first = await syncOnce(company.env, company.realmId);
    assert.equal(first.realmId, company.realmId);
    assert.deepEqual(changed(first), [
      ['customers', { upserted: 3, deleted: 0 }],
      ['invoices', { upserted: 0, deleted: 4 }],
      ['items', { upserted: 2, deleted: 0 }],
      ['time_activities', { upserted: 0, deleted: 2 }],
    ]);
    // Every entity is in the answer, changed or not.
    assert.deepEqual(Object.keys(first.entities).sort(), ENTITIES.map((e) => e.name).sort());

    // Per entity, the ids whose row must change: upserted (rewritten) or marked deleted.
    const upserted: Record<string, readonly string[]> = {
      customers: changes.customers.ids,
      items: changes.items.ids,
    };
    const deletedIds: Record<string, readonly string[]> = {
      invoices: changes.invoices.ids,
      time_activities: changes.time_activities.ids,
    };
    for (const e of ENTITIES) {
      const rows = await rawRows(company.tdb.db, company.realmId, e.name);
      const live = rows.filter((r) => r.deleted === null).map((r) => r.id);
      assert.deepEqual(live, await truthIds(url, company.realmId, e.name), `${e.name}: raw = truth`);
      const rewritten = rows.filter((r) => before.get(e.name)?.get(r.id) !== r.ingested.getTime());
      assert.deepEqual(
        rewritten.map((r) => r.id),
        [...(upserted[e.name] ?? [])].sort(),
        `${e.name}: only the changed rows are rewritten`,
      );
      const deleted = rows.filter((r) => r.deleted !== null).map((r) => r.id);
      assert.deepEqual(deleted, [...(deletedIds[e.name] ?? [])].sort(), `${e.name}: deletions`);
    }
    const customers = await rawRows(company.tdb.db, company.realmId, 'customers');
    for (const id of changes.customers.ids) assert.equal(customers.find((r) => r.id === id)?.active, false);

    assert.deepEqual(
      changed(await syncOnce(company.env, company.realmId)),
      [],
      'a second cycle changes nothing',
    );
  });
});
