import { refreshTokenOpensRealm, type Config } from '../config/config.js';
import type { Db } from '../infra/db.js';
import { connectedRealms, disconnectedMessage, findDisconnections } from '../qbo/auth/connections.js';
import { UsageError } from '../model/usage-error.js';
import type { RealmsFlag } from './command.js';

/** The realms `--realm` names: its ids, or every connected realm for `all` (at least one). */
export async function resolveRealms(db: Db, flag: RealmsFlag): Promise<string[]> {
  if (!flag.all) return flag.ids;
  const realms = await connectedRealms(db);
  if (realms.length === 0)
    throw new UsageError(
      '--realm all: no realm is connected (a stored token, not disconnected); connect companies with qbo-backfill auth import, auth set or auth connect',
    );
  return realms;
}

/**
 * Every realm must have a refresh token in the token store (or one QBO_REFRESH_TOKEN opens) before
 * any run is recorded: a bad realm among good ones changes nothing.
 */
export async function checkRefreshTokens(db: Db, config: Config, realmIds: string[]): Promise<void> {
  // A company disconnected with `auth disconnect` takes no run until it is connected again: the
  // first such realm in the order given is named.
  const disconnected = new Map((await findDisconnections(db, realmIds)).map((d) => [d.realmId, d]));
  const first = realmIds.map((r) => disconnected.get(r)).find((d) => d !== undefined);
  if (first) throw new UsageError(disconnectedMessage(first));
  const stored = await db
    .selectFrom('ops.tokens')
    .select('realm_id')
    .where('realm_id', 'in', realmIds)
    .execute();
  const known = new Set(stored.map((r) => r.realm_id));
  const missing = realmIds.filter((r) => !known.has(r) && !refreshTokenOpensRealm(config, r));
  if (missing.length === 1) {
    throw new UsageError(
      `realm ${missing[0]} has no refresh token in the token store; store one with: qbo-backfill auth set --realm ${missing[0]}`,
    );
  }
  if (missing.length > 1) {
    const named =
      missing.length > 3
        ? `${missing.slice(0, 3).join(', ')} and ${missing.length - 3} more`
        : missing.join(', ');
    throw new UsageError(
      `realms ${named} have no refresh token in the token store; store one for each with: qbo-backfill auth set --realm ID`,
    );
  }
}
