import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../model/db-types.js';
import { decryptToken, encryptToken } from './token-crypto.js';

/**
 * The per-realm OAuth token store (`ops.tokens`): the newest refresh token and the current access
 * token, both encrypted. It is the cluster's single source of truth: Intuit may rotate the refresh
 * token at any refresh, and only the newest one is guaranteed to keep working.
 *
 * Every function takes a `Kysely<Database>`, so it runs as well on a pool as inside a transaction.
 */
type Executor = Kysely<Database>;

/** A realm's tokens, decrypted. Only the access-token provider should ever hold this. */
export interface StoredTokens {
  realmId: string;
  refreshToken: string;
  refreshTokenObtainedAt: Date;
  refreshTokenExpiresAt: Date | null;
  accessToken: string | null;
  accessTokenExpiresAt: Date | null;
  refreshedAt: Date | null;
  refreshCount: number;
}

/** What a successful refresh gives back, to be stored before anyone uses it. */
export interface RefreshedTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  /** Null when the token endpoint did not say (`x_refresh_token_expires_in` absent). */
  refreshTokenExpiresAt: Date | null;
  /** Absent or null when the token endpoint did not say (`x_refresh_token_hard_expires_in` absent). */
  refreshTokenHardExpiresAt?: Date | null;
  /** True when Intuit returned a refresh token different from the one used. */
  rotated: boolean;
  refreshedAt: Date;
}

/** A realm's token state without any token value: safe to print, log and serve. */
export interface TokenStatus {
  realmId: string;
  /** CompanyInfo's CompanyName when connected through OAuth; null for tokens stored by `auth set`. */
  companyName: string | null;
  connectedAt: Date;
  refreshTokenObtainedAt: Date;
  refreshTokenAgeSeconds: number;
  /** The rolling expiry (100 days unused), as Intuit last reported it. */
  refreshTokenExpiresAt: Date | null;
  /** Intuit's 5-year limit of the connection, once Intuit has reported it. */
  refreshTokenHardExpiresAt: Date | null;
  accessTokenExpiresAt: Date | null;
  /** Seconds until the access token expires; negative once expired; null when there is none. */
  accessTokenExpiresInSeconds: number | null;
  refreshedAt: Date | null;
  refreshCount: number;
}

const COLUMNS = [
  'realm_id',
  'refresh_token_enc',
  'refresh_token_obtained_at',
  'refresh_token_expires_at',
  'access_token_enc',
  'access_token_expires_at',
  'refreshed_at',
  'refresh_count',
] as const;

/** What status shows besides the token columns. */
const STATUS_COLUMNS = ['connected_at', 'company_name', 'refresh_token_hard_expires_at'] as const;

type Row = Pick<Selectable<Database['ops.tokens']>, (typeof COLUMNS)[number]>;

function decode(row: Row, key: Buffer): StoredTokens {
  return {
    realmId: row.realm_id,
    refreshToken: decryptToken(row.refresh_token_enc, key),
    refreshTokenObtainedAt: row.refresh_token_obtained_at,
    refreshTokenExpiresAt: row.refresh_token_expires_at,
    accessToken: row.access_token_enc === null ? null : decryptToken(row.access_token_enc, key),
    accessTokenExpiresAt: row.access_token_expires_at,
    refreshedAt: row.refreshed_at,
    refreshCount: row.refresh_count,
  };
}

/**
 * Stores an operator-supplied refresh token (`auth set`), replacing whatever the realm had: a new
 * connection as far as the store can tell, whose hard expiry Intuit reports at its first refresh.
 * The access token is cleared: it was minted from the old grant, and the next worker to need one
 * refreshes with the new refresh token.
 */
export async function setRefreshToken(
  db: Executor,
  key: Buffer,
  realmId: string,
  refreshToken: string,
  options: { now?: Date; expiresAt?: Date | null } = {},
): Promise<void> {
  await setRefreshTokens(db, key, [{ realmId, refreshToken }], options);
}

/** Rows per statement when many tokens are stored at once (9 parameters a row, under PostgreSQL's 65,535). */
const ROWS_PER_INSERT = 1000;

/** {@link setRefreshToken} for many realms (`auth import`), a thousand rows a statement. */
export async function setRefreshTokens(
  db: Executor,
  key: Buffer,
  tokens: readonly { realmId: string; refreshToken: string }[],
  options: { now?: Date; expiresAt?: Date | null } = {},
): Promise<void> {
  const now = options.now ?? new Date();
  for (let i = 0; i < tokens.length; i += ROWS_PER_INSERT) {
    const rows = tokens.slice(i, i + ROWS_PER_INSERT).map((t) => ({
      realm_id: t.realmId,
      refresh_token_enc: encryptToken(t.refreshToken, key),
      refresh_token_obtained_at: now,
      refresh_token_expires_at: options.expiresAt ?? null,
      refresh_token_hard_expires_at: null,
      connected_at: now,
      access_token_enc: null,
      access_token_expires_at: null,
      updated_at: now,
    }));
    await db
      .insertInto('ops.tokens')
      .values(rows)
      .onConflict((oc) =>
        oc.column('realm_id').doUpdateSet((eb) => ({
          refresh_token_enc: eb.ref('excluded.refresh_token_enc'),
          refresh_token_obtained_at: eb.ref('excluded.refresh_token_obtained_at'),
          refresh_token_expires_at: eb.ref('excluded.refresh_token_expires_at'),
          refresh_token_hard_expires_at: eb.ref('excluded.refresh_token_hard_expires_at'),
          connected_at: eb.ref('excluded.connected_at'),
          access_token_enc: eb.ref('excluded.access_token_enc'),
          access_token_expires_at: eb.ref('excluded.access_token_expires_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
}

/**
 * The bootstrap rule: `QBO_REFRESH_TOKEN` is stored only when the realm has no row yet. Once a row
 * exists the store's (newer, possibly rotated) token always wins, so a stale environment variable
 * can never overwrite it. Safe under races: concurrent inserts of one key leave exactly one row.
 * Resolves to whether this call inserted it.
 */
export async function insertRefreshTokenIfMissing(
  db: Executor,
  key: Buffer,
  realmId: string,
  refreshToken: string,
  now: Date = new Date(),
): Promise<boolean> {
  const result = await db
    .insertInto('ops.tokens')
    .values({
      realm_id: realmId,
      refresh_token_enc: encryptToken(refreshToken, key),
      refresh_token_obtained_at: now,
      connected_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('realm_id').doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** The query both reads below share; one locks the row, the other does not. */
function tokenRow(db: Executor, realmId: string) {
  return db.selectFrom('ops.tokens').select(COLUMNS).where('realm_id', '=', realmId);
}

/** Reads a realm's tokens without locking (the fast path: is the stored access token still good?). */
export async function readTokens(
  db: Executor,
  key: Buffer,
  realmId: string,
): Promise<StoredTokens | undefined> {
  const row = await tokenRow(db, realmId).executeTakeFirst();
  return row && decode(row, key);
}

/**
 * Reads a realm's tokens with `SELECT ... FOR UPDATE`. Must run inside a transaction: the row lock
 * is what serializes refreshes across every worker process of the cluster, and it is held until
 * that transaction ends. A caller that waited for the lock sees the row as the holder committed it.
 */
export async function lockTokens(
  trx: Executor,
  key: Buffer,
  realmId: string,
): Promise<StoredTokens | undefined> {
  const row = await tokenRow(trx, realmId).forUpdate().executeTakeFirst();
  return row && decode(row, key);
}

/** Stores the result of a refresh (call it inside the transaction that holds the row lock). */
export async function saveRefreshedTokens(
  trx: Executor,
  key: Buffer,
  realmId: string,
  tokens: RefreshedTokens,
): Promise<void> {
  await trx
    .updateTable('ops.tokens')
    .set((eb) => ({
      access_token_enc: encryptToken(tokens.accessToken, key),
      access_token_expires_at: tokens.accessTokenExpiresAt,
      refreshed_at: tokens.refreshedAt,
      refresh_count: eb('refresh_count', '+', 1),
      updated_at: tokens.refreshedAt,
      // Rewritten even when unchanged: a fresh IV costs nothing and the expiry may have moved.
      refresh_token_enc: encryptToken(tokens.refreshToken, key),
      ...(tokens.rotated ? { refresh_token_obtained_at: tokens.refreshedAt } : {}),
      ...(tokens.refreshTokenExpiresAt ? { refresh_token_expires_at: tokens.refreshTokenExpiresAt } : {}),
      ...(tokens.refreshTokenHardExpiresAt
        ? { refresh_token_hard_expires_at: tokens.refreshTokenHardExpiresAt }
        : {}),
    }))
    .where('realm_id', '=', realmId)
    .execute();
}

/**
 * Records that QBO refused the stored refresh token (invalid_grant) as its expiry: the token is
 * dead from now on. Call it inside the transaction holding the row lock, and commit: the processes
 * waiting for the lock must see it (see {@link isRefreshTokenDead}). `auth set` stores a new token
 * and its own expiry, which clears it.
 */
export async function markRefreshRejected(
  trx: Executor,
  realmId: string,
  at: Date = new Date(),
): Promise<void> {
  await trx
    .updateTable('ops.tokens')
    .set({
      refresh_token_expires_at: at,
      access_token_enc: null,
      access_token_expires_at: null,
      updated_at: at,
    })
    .where('realm_id', '=', realmId)
    .execute();
}

/** A refresh token past its expiry (or refused, see markRefreshRejected) gets invalid_grant: never send it. */
export function isRefreshTokenDead(tokens: StoredTokens, now: Date = new Date()): boolean {
  return tokens.refreshTokenExpiresAt !== null && tokens.refreshTokenExpiresAt.getTime() <= now.getTime();
}

/** Token ages and expiries per realm (all realms, or one), never a token value. */
export async function getTokenStatus(
  db: Executor,
  options: { realmId?: string; now?: Date } = {},
): Promise<TokenStatus[]> {
  const now = (options.now ?? new Date()).getTime();
  let query = db
    .selectFrom('ops.tokens')
    // Everything but the refresh token itself: status never needs to decrypt it.
    .select([...COLUMNS.filter((c) => c !== 'refresh_token_enc'), ...STATUS_COLUMNS])
    .orderBy('realm_id');
  if (options.realmId !== undefined) query = query.where('realm_id', '=', options.realmId);
  const rows = await query.execute();
  return rows.map((row) => {
    const accessExpiry = row.access_token_enc === null ? null : row.access_token_expires_at;
    return {
      realmId: row.realm_id,
      companyName: row.company_name,
      connectedAt: row.connected_at,
      refreshTokenObtainedAt: row.refresh_token_obtained_at,
      refreshTokenAgeSeconds: Math.floor((now - row.refresh_token_obtained_at.getTime()) / 1000),
      refreshTokenExpiresAt: row.refresh_token_expires_at,
      refreshTokenHardExpiresAt: row.refresh_token_hard_expires_at,
      accessTokenExpiresAt: accessExpiry,
      accessTokenExpiresInSeconds:
        accessExpiry === null ? null : Math.floor((accessExpiry.getTime() - now) / 1000),
      refreshedAt: row.refreshed_at,
      refreshCount: row.refresh_count,
    };
  });
}
