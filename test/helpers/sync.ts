import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Db } from '../../src/infra/db.js';
import { getEntity } from '../../src/model/entities.js';
import { fetchTruth } from './backfill.js';
import { runCli } from './cli.js';

export interface SyncJson {
  realmId: string;
  entities: Record<string, { upserted: number; deleted: number }>;
  requests: number;
}

/** `sync --once --json` of one realm, which must succeed. */
export async function syncOnce(env: Record<string, string>, realmId: string): Promise<SyncJson> {
  const r = await runCli(['sync', '--realm', realmId, '--once', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SyncJson;
}

/** The entities of a cycle that changed something (a cycle that changes nothing gives []). */
export function changed(result: SyncJson): [string, { upserted: number; deleted: number }][] {
  return Object.entries(result.entities).filter(([, c]) => c.upserted + c.deleted > 0);
}

/** Every instant the emulator's data can have. */
const EVER = { from: new Date('2000-01-01T00:00:00Z'), to: new Date('2100-01-01T00:00:00Z') };

/** Every id the emulator holds now for the entity (deleted transactions excluded). */
export async function truthIds(emulatorUrl: string, realmId: string, entity: string): Promise<string[]> {
  const truth = await fetchTruth(emulatorUrl, realmId, entity, EVER.from, EVER.to);
  return truth.ids.sort();
}

export interface RawRow {
  id: string;
  deleted: Date | null;
  ingested: Date;
  active: boolean | null;
}

export async function rawRows(db: Db, realmId: string, entity: string): Promise<RawRow[]> {
  const rows = await sql<RawRow>`
    SELECT id, deleted_at_utc AS deleted, ingested_at_utc AS ingested, (payload->>'Active')::boolean AS active
    FROM raw.${sql.raw(getEntity(entity).table)} WHERE realm_id = ${realmId} ORDER BY id`.execute(db);
  return rows.rows;
}

/** Ids in raw not marked deleted: what raw says exists at the source. */
export async function liveIds(db: Db, realmId: string, entity: string): Promise<string[]> {
  return (await rawRows(db, realmId, entity))
    .filter((r) => r.deleted === null)
    .map((r) => r.id)
    .sort();
}

/** Changes the emulator's company: `path` is `/__emulator/records/touch` or `/__emulator/records/delete`. */
export async function emulatorChange(
  emulatorUrl: string,
  path: '/__emulator/records/touch' | '/__emulator/records/delete',
  body: { realmId: string; entity: string; id: string },
): Promise<void> {
  const res = await fetch(`${emulatorUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A sync mark an hour old for one entity, as a backfill's hand-over would leave it (tests without a backfill). */
export async function seedSyncMark(
  db: Db,
  realmId: string,
  entity: string,
  agoMs = 3_600_000,
): Promise<void> {
  await db
    .insertInto('ops.sync_marks')
    .values({ realm_id: realmId, entity, mark_utc: new Date(Date.now() - agoMs), basis: 'cdc' })
    .execute();
}
