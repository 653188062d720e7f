import type { CommandIo } from '../command.js';
import { checkRealmFlag, EXIT, parseFlags } from '../command.js';
import { listDisconnections, realmLabel } from '../../qbo/auth/connections.js';
import { textTable } from '../../infra/text-table.js';
import { shortDuration, utcInstant } from '../../infra/time-format.js';
import { getTokenStatus, type TokenStatus } from '../../qbo/auth/token-store.js';
import { tokenHealth, type TokenHealth } from '../../qbo/auth/token-health.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { withDb } from './auth-common.js';

export const STATUS_USAGE = 'qbo-backfill auth status [--realm ID] [--json]';

const iso = (date: Date | null) => (date === null ? '-' : utcInstant(date));

function toJson(s: TokenStatus, health: TokenHealth) {
  return {
    realmId: s.realmId,
    companyName: s.companyName,
    connectedAt: s.connectedAt.toISOString(),
    refreshTokenObtainedAt: s.refreshTokenObtainedAt.toISOString(),
    refreshTokenAgeSeconds: s.refreshTokenAgeSeconds,
    refreshTokenExpiresAt: s.refreshTokenExpiresAt?.toISOString() ?? null,
    refreshTokenHardExpiresAt: s.refreshTokenHardExpiresAt?.toISOString() ?? null,
    accessTokenExpiresAt: s.accessTokenExpiresAt?.toISOString() ?? null,
    accessTokenExpiresInSeconds: s.accessTokenExpiresInSeconds,
    lastRefreshAt: s.refreshedAt?.toISOString() ?? null,
    refreshCount: s.refreshCount,
    health: health.state,
    expiresInSeconds: health.next?.secondsLeft ?? null,
    warning: health.warning,
  };
}

/** `auth status`: per realm, how old its token is and how long its connection has left; never a token value. */
export async function runStatus(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { realm: { type: 'string' }, json: { type: 'boolean' } },
    STATUS_USAGE,
    true,
  );
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${quoteInput(positionals[0] as string)}`);
  if (values.realm !== undefined) checkRealmFlag(values.realm);
  const config = io.config();
  const now = io.now();
  const { rows, disconnected } = await withDb(config, async (db) => ({
    rows: await getTokenStatus(db, { now, ...(values.realm !== undefined ? { realmId: values.realm } : {}) }),
    disconnected: (await listDisconnections(db)).filter(
      (d) => values.realm === undefined || d.realmId === values.realm,
    ),
  }));
  const health = rows.map((s) => tokenHealth(s, now));

  if (values.json) {
    io.out(
      JSON.stringify({
        realms: rows.map((s, i) => toJson(s, health[i] as TokenHealth)),
        disconnected: disconnected.map((d) => ({
          realmId: d.realmId,
          companyName: d.companyName,
          connectedAt: d.connectedAt.toISOString(),
          disconnectedAt: d.disconnectedAt.toISOString(),
        })),
      }),
    );
    return EXIT.ok;
  }
  if (rows.length === 0) {
    io.out(
      'no company connected; connect one with: qbo-backfill auth connect (or store a token with: qbo-backfill auth set --realm ID)',
    );
  } else {
    const header = [
      'realm',
      'company',
      'connected since (UTC)',
      'last refresh (UTC)',
      'refresh token age',
      'rolling expiry (UTC)',
      'hard expiry (UTC)',
      'access token expires in',
      'health',
    ];
    const table = rows.map((s, i) => [
      s.realmId,
      s.companyName ?? '-',
      iso(s.connectedAt),
      iso(s.refreshedAt),
      shortDuration(s.refreshTokenAgeSeconds),
      iso(s.refreshTokenExpiresAt),
      iso(s.refreshTokenHardExpiresAt),
      s.accessTokenExpiresInSeconds === null
        ? 'none'
        : s.accessTokenExpiresInSeconds <= 0
          ? 'expired'
          : shortDuration(s.accessTokenExpiresInSeconds),
      (health[i] as TokenHealth).state,
    ]);
    io.out(textTable(header, table));
  }
  for (const h of health) if (h.warning) io.out(`warning: ${h.warning}`);
  for (const d of disconnected) {
    io.out(
      `disconnected: realm ${realmLabel(d.realmId, d.companyName)} at ${utcInstant(d.disconnectedAt)}; its runs are refused`,
    );
  }
  return EXIT.ok;
}
