import { shortDuration, utcInstant } from '../../infra/time-format.js';

/**
 * How long a realm's connection has left, from what Intuit reported: the refresh token's rolling
 * expiry (`x_refresh_token_expires_in`: 100 days without a refresh) and the connection's hard
 * expiry (`x_refresh_token_hard_expires_in`: 5 years from the consent, since November 2025).
 * Past either one the realm needs a person to connect it again, so the warning comes early
 * enough for that person to be found.
 */

/** A realm is `expiring` once either expiry is this close. @defaultValue 14 days */
export const EXPIRY_WARNING_SECONDS = 14 * 86_400;

export type ExpiryKind = 'rolling' | 'hard';
export type TokenHealthState = 'ok' | 'expiring' | 'expired';

export interface TokenHealth {
  state: TokenHealthState;
  /** The expiry that comes first; null while Intuit has reported none (a token stored by `auth set`, not yet refreshed). */
  next: { kind: ExpiryKind; at: Date; secondsLeft: number } | null;
  /** One line for a person, when the state is not `ok`. */
  warning: string | null;
}

export interface Expiries {
  realmId: string;
  refreshTokenExpiresAt: Date | null;
  refreshTokenHardExpiresAt: Date | null;
}

const secondsBetween = (from: Date, to: Date) => Math.floor((to.getTime() - from.getTime()) / 1000);

/** Seconds left until each known expiry (negative once past), for the metrics. */
export function secondsLeft(e: Expiries, now: Date): { kind: ExpiryKind; seconds: number }[] {
  const out: { kind: ExpiryKind; seconds: number }[] = [];
  if (e.refreshTokenExpiresAt)
    out.push({ kind: 'rolling', seconds: secondsBetween(now, e.refreshTokenExpiresAt) });
  if (e.refreshTokenHardExpiresAt)
    out.push({ kind: 'hard', seconds: secondsBetween(now, e.refreshTokenHardExpiresAt) });
  return out;
}

export function tokenHealth(e: Expiries, now: Date): TokenHealth {
  const candidates = [
    { kind: 'rolling' as const, at: e.refreshTokenExpiresAt },
    { kind: 'hard' as const, at: e.refreshTokenHardExpiresAt },
  ].filter((c): c is { kind: ExpiryKind; at: Date } => c.at !== null);
  if (candidates.length === 0) return { state: 'ok', next: null, warning: null };
  // On a tie the hard expiry is the one to name: a refresh cannot move it (the rolling one is capped by it).
  const first = candidates.reduce((a, b) => (b.at.getTime() <= a.at.getTime() ? b : a));
  const next = { ...first, secondsLeft: secondsBetween(now, first.at) };
  const at = utcInstant(first.at);
  const realm = `realm ${e.realmId}`;
  if (next.secondsLeft <= 0) {
    return {
      state: 'expired',
      next,
      warning:
        first.kind === 'hard'
          ? `${realm}: the connection reached Intuit's 5-year limit at ${at}: connect the company again with qbo-backfill auth connect`
          : `${realm}: the refresh token expired at ${at} (unused for 100 days, or refused by Intuit): connect the company again with qbo-backfill auth connect`,
    };
  }
  if (next.secondsLeft > EXPIRY_WARNING_SECONDS) return { state: 'ok', next, warning: null };
  const left = shortDuration(next.secondsLeft);
  return {
    state: 'expiring',
    next,
    warning:
      first.kind === 'hard'
        ? `${realm}: the connection reaches Intuit's 5-year limit at ${at} (in ${left}): connect the company again with qbo-backfill auth connect before then`
        : `${realm}: the refresh token expires at ${at} (in ${left}) unless it is refreshed before then: any run for the realm refreshes it, or connect the company again with qbo-backfill auth connect`,
  };
}
