import { sql } from 'kysely';
import type { Db } from '../../src/infra/db.js';
import { getEntity } from '../../src/model/entities.js';
import { EMULATOR_DEFAULTS } from '@qbo-backfill/emulator';

export interface Truth {
  count: number;
  byDay: Record<string, number>;
  ids: string[];
}

/** The emulator's ground truth for one entity and range, over HTTP. */
export async function fetchTruth(
  emulatorUrl: string,
  realmId: string,
  entity: string,
  from: Date,
  to: Date,
): Promise<Truth> {
  const qboName = getEntity(entity).qboName;
  const url = `${emulatorUrl}/__emulator/truth?realmId=${realmId}&entity=${qboName}&from=${from.toISOString()}&to=${to.toISOString()}&ids=true`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`truth ${res.status}: ${await res.text()}`);
  return (await res.json()) as Truth;
}

export async function emulatorConfig(emulatorUrl: string, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${emulatorUrl}/__emulator/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });
  if (!res.ok) throw new Error(`config ${res.status}: ${await res.text()}`);
}

export interface RealmStats {
  requests: Record<string, number>;
  maxConcurrentSeen: number;
}

export async function emulatorStats(
  emulatorUrl: string,
): Promise<{ realms: Record<string, RealmStats>; token?: { requests: Record<string, number> } }> {
  const res = await fetch(`${emulatorUrl}/__emulator/stats`);
  return (await res.json()) as {
    realms: Record<string, RealmStats>;
    token?: { requests: Record<string, number> };
  };
}

/** Ids stored for one realm with LastUpdatedTime in [from, to), and a count of all rows. */
export async function rawIds(
  db: Db,
  entity: string,
  realmId: string,
  from: Date,
  to: Date,
): Promise<string[]> {
  const table = `raw.${getEntity(entity).table}` as 'raw.qb_invoices';
  const rows = await db
    .selectFrom(table)
    .select('id')
    .where('realm_id', '=', realmId)
    .where('source_last_updated_utc', '>=', from)
    .where('source_last_updated_utc', '<', to)
    .execute();
  return rows.map((r) => r.id).sort();
}

/** Rows stored outside the window their LastUpdatedTime belongs to (must be none). */
export async function misplacedRows(db: Db, entity: string): Promise<number> {
  const table = getEntity(entity).table;
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM raw.${sql.raw(table)}
    WHERE NOT (source_last_updated_utc >= extract_window_start_utc AND source_last_updated_utc < extract_window_end_utc)`.execute(
    db,
  );
  return r.rows[0]?.n ?? -1;
}

export { waitForRunEnd } from '../../src/backfill/state/index.js';

/** Environment for CLI processes talking to an in-process emulator. */
export function emulatorEnv(
  emulatorUrl: string,
  dbUrl: string,
  redisUrl: string,
  prefix: string,
  realmId: string,
): Record<string, string> {
  return {
    DATABASE_URL: dbUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    QBO_ENVIRONMENT: 'emulator',
    QBO_BASE_URL: emulatorUrl,
    QBO_TOKEN_URL: `${emulatorUrl}${EMULATOR_DEFAULTS.tokenPath}`,
    QBO_REALM_ID: realmId,
  };
}
