/**
 * Which realms a webhook may start a cycle for. Intuit notifies for every company connected to the
 * app, and a company connected to it elsewhere (another tool, an old connection) is not one the
 * product syncs: its cycle could read nothing (no token) and would only fill the queue and the
 * cycle history. A realm is known when a worker could read it: it has a token in the store, or
 * `QBO_REFRESH_TOKEN` opens it (always with the emulator), and it was not disconnected.
 */
import type { Config } from '../config/config.js';
import { refreshTokenOpensRealm } from '../config/config.js';
import { findDisconnections } from '../qbo/auth/connections.js';
import type { Db } from '../infra/db.js';

export interface RealmPartition {
  known: string[];
  unknown: string[];
}

/** Splits `realmIds` (kept in their order) into known and unknown, in two small queries. */
export async function partitionRealms(db: Db, config: Config, realmIds: string[]): Promise<RealmPartition> {
  if (realmIds.length === 0) return { known: [], unknown: [] };
  const [tokens, disconnections] = await Promise.all([
    db.selectFrom('ops.tokens').select('realm_id').where('realm_id', 'in', realmIds).execute(),
    findDisconnections(db, realmIds),
  ]);
  const withToken = new Set(tokens.map((t) => t.realm_id));
  const disconnected = new Set(disconnections.map((d) => d.realmId));
  const known = realmIds.filter(
    (r) => !disconnected.has(r) && (withToken.has(r) || refreshTokenOpensRealm(config, r)),
  );
  return { known, unknown: realmIds.filter((r) => !known.includes(r)) };
}
