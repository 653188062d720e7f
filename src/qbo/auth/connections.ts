import type { Kysely } from 'kysely';
import type { Database } from '../../model/db-types.js';
import { utcInstant } from '../../infra/time-format.js';
import { encryptToken } from './token-crypto.js';

/**
 * Connections of companies (realms) as a whole: a new one from the OAuth authorization code flow,
 * and the end of one (`auth disconnect`). A disconnected realm is remembered in
 * `ops.disconnected_realms`, apart from the token store, because the store alone cannot say
 * "no": a realm without a token row is bootstrapped from `QBO_REFRESH_TOKEN` where that opens it
 * (always with the emulator), so deleting the row would not stop the next run. Connecting the
 * realm again (OAuth or `auth set`) forgets the disconnection in the same transaction.
 */
type Executor = Kysely<Database>;

/** A company connected through OAuth: its first tokens, straight from the code exchange. */
export interface NewConnection {
  realmId: string;
  companyName: string | null;
  refreshToken: string;
  refreshTokenExpiresAt: Date | null;
  refreshTokenHardExpiresAt: Date | null;
  accessToken: string;
  accessTokenExpiresAt: Date;
  connectedAt: Date;
}

export interface Disconnection {
  realmId: string;
  companyName: string | null;
  connectedAt: Date;
  disconnectedAt: Date;
  revocation: 'revoked' | 'already-invalid';
}

/** Stores a new connection, replacing whatever the realm had, and forgets an earlier disconnection. */
export async function saveConnection(db: Executor, key: Buffer, c: NewConnection): Promise<void> {
  const values = {
    refresh_token_enc: encryptToken(c.refreshToken, key),
    refresh_token_obtained_at: c.connectedAt,
    refresh_token_expires_at: c.refreshTokenExpiresAt,
    refresh_token_hard_expires_at: c.refreshTokenHardExpiresAt,
    access_token_enc: encryptToken(c.accessToken, key),
    access_token_expires_at: c.accessTokenExpiresAt,
    // The exchange issued the access token: workers read its lifetime from this and its expiry.
    refreshed_at: c.connectedAt,
    refresh_count: 0,
    connected_at: c.connectedAt,
    company_name: c.companyName,
    updated_at: c.connectedAt,
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('ops.tokens')
      .values({ realm_id: c.realmId, ...values })
      .onConflict((oc) => oc.column('realm_id').doUpdateSet(values))
      .execute();
    await forgetDisconnection(trx, c.realmId);
  });
}

/** A realm connected again is no longer refused. */
export async function forgetDisconnection(db: Executor, realmId: string): Promise<void> {
  await forgetDisconnections(db, [realmId]);
}

/** {@link forgetDisconnection} for many realms at once (`auth import`). */
export async function forgetDisconnections(db: Executor, realmIds: readonly string[]): Promise<void> {
  if (realmIds.length === 0) return;
  await db.deleteFrom('ops.disconnected_realms').where('realm_id', 'in', realmIds).execute();
}

/**
 * Every connected realm, in id order: a stored token, and not disconnected since (what
 * `--realm all` means). A realm opened only by `QBO_REFRESH_TOKEN`, with nothing stored yet, is
 * not among them.
 */
export async function connectedRealms(db: Executor): Promise<string[]> {
  const rows = await db
    .selectFrom('ops.tokens')
    .select('realm_id')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('ops.disconnected_realms as d')
            .select('d.realm_id')
            .whereRef('d.realm_id', '=', 'ops.tokens.realm_id'),
        ),
      ),
    )
    .orderBy('realm_id')
    .execute();
  return rows.map((r) => r.realm_id);
}

function toDisconnection(row: {
  realm_id: string;
  company_name: string | null;
  connected_at: Date;
  disconnected_at: Date;
  revocation: 'revoked' | 'already-invalid';
}): Disconnection {
  return {
    realmId: row.realm_id,
    companyName: row.company_name,
    connectedAt: row.connected_at,
    disconnectedAt: row.disconnected_at,
    revocation: row.revocation,
  };
}

/** The realm's disconnection, when it was disconnected and not connected since. */
export async function findDisconnection(db: Executor, realmId: string): Promise<Disconnection | undefined> {
  const row = await db
    .selectFrom('ops.disconnected_realms')
    .selectAll()
    .where('realm_id', '=', realmId)
    .executeTakeFirst();
  return row && toDisconnection(row);
}

/** The disconnections of those of `realmIds` that are disconnected, in one query. */
export async function findDisconnections(db: Executor, realmIds: string[]): Promise<Disconnection[]> {
  if (realmIds.length === 0) return [];
  const rows = await db
    .selectFrom('ops.disconnected_realms')
    .selectAll()
    .where('realm_id', 'in', realmIds)
    .execute();
  return rows.map(toDisconnection);
}

/** Every disconnected realm, most recent first. */
export async function listDisconnections(db: Executor): Promise<Disconnection[]> {
  const rows = await db
    .selectFrom('ops.disconnected_realms')
    .selectAll()
    .orderBy('disconnected_at', 'desc')
    .execute();
  return rows.map(toDisconnection);
}

/**
 * Deletes the realm's tokens and remembers the disconnection. Call it inside the transaction that
 * holds the token row's lock (lockTokens), after Intuit revoked the token: no worker can have
 * refreshed it meanwhile. Undefined when the realm had no token row.
 */
export async function recordDisconnection(
  trx: Executor,
  realmId: string,
  revocation: Disconnection['revocation'],
  at: Date,
): Promise<Disconnection | undefined> {
  const deleted = await trx
    .deleteFrom('ops.tokens')
    .where('realm_id', '=', realmId)
    .returning(['company_name', 'connected_at'])
    .executeTakeFirst();
  if (!deleted) return undefined;
  const row = {
    realm_id: realmId,
    company_name: deleted.company_name,
    connected_at: deleted.connected_at,
    disconnected_at: at,
    revocation,
  };
  await trx
    .insertInto('ops.disconnected_realms')
    .values(row)
    .onConflict((oc) => oc.column('realm_id').doUpdateSet(row))
    .execute();
  return toDisconnection(row);
}

/** `9341453000000001 (Sandbox Company_US_1)`, or the bare id when the name is not known. */
export function realmLabel(realmId: string, companyName: string | null): string {
  return companyName ? `${realmId} (${companyName})` : realmId;
}

/** Why a run for a disconnected realm is refused, and what to do about it. */
export function disconnectedMessage(d: Disconnection): string {
  return `realm ${realmLabel(d.realmId, d.companyName)} was disconnected at ${utcInstant(d.disconnectedAt)} (qbo-backfill auth disconnect): connect it again with qbo-backfill auth connect before running it`;
}
