import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ACCOUNTING_SCOPE } from '../../config/qbo-environments.js';

/**
 * The first leg of the authorization code flow: the URL a person opens to connect a company, with
 * a fresh `state` that the callback must bring back.
 *
 * No PKCE: Intuit's discovery document (developer.api.intuit.com/.well-known/openid_configuration)
 * advertises no `code_challenge_methods_supported`, its authorize request documents only
 * client_id, scope, redirect_uri, response_type and state, and Intuit's own OAuth SDKs send no
 * code_challenge. The product is a confidential client anyway: the code is worthless without the
 * client secret, which the exchange sends, and `state` ties the callback to the attempt.
 */

/** 256 random bits: unguessable, so a callback carrying it comes from this attempt's URL. */
export function newState(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares two states without the time taken revealing how much of one matched. */
export function sameState(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Intuit's authorize URL for the Accounting scope. */
export function authorizeUrlFor(
  app: { authorizeUrl: string; endpoint: { clientId: string } },
  redirectUri: string,
  state: string,
): string {
  const url = new URL(app.authorizeUrl);
  url.search = new URLSearchParams({
    client_id: app.endpoint.clientId,
    response_type: 'code',
    scope: ACCOUNTING_SCOPE,
    redirect_uri: redirectUri,
    state,
  }).toString();
  return url.toString();
}

/** Defaults of the attempts kept by {@link PendingAuthorizations}, declared once. */
export const PENDING_AUTHORIZATION_DEFAULTS = Object.freeze({
  /** How long an attempt is kept (a person signing in at Intuit takes minutes). @defaultValue 30 minutes */
  ttlMs: 30 * 60_000,
  /** Attempts kept at most, the oldest dropped first. @defaultValue 100 */
  max: 100,
});

/**
 * Attempts begun from the dashboard and not yet called back, by state. Each state is taken once:
 * a second callback with it (a replay, or a link from an older attempt) is refused. Attempts are
 * forgotten after `ttlMs` (a person signing in at Intuit takes minutes, not hours), and at most
 * `max` are kept, the oldest dropped first.
 */
export class PendingAuthorizations {
  private readonly pending = new Map<string, { redirectUri: string; createdAtMs: number }>();

  constructor(
    private readonly ttlMs: number = PENDING_AUTHORIZATION_DEFAULTS.ttlMs,
    private readonly max: number = PENDING_AUTHORIZATION_DEFAULTS.max,
  ) {}

  begin(redirectUri: string, nowMs: number): string {
    this.prune(nowMs);
    const state = newState();
    this.pending.set(state, { redirectUri, createdAtMs: nowMs });
    while (this.pending.size > this.max) this.pending.delete(this.pending.keys().next().value as string);
    return state;
  }

  /** The attempt of `state`, removed; undefined when unknown, taken already or expired. */
  take(state: string, nowMs: number): { redirectUri: string } | undefined {
    this.prune(nowMs);
    const attempt = this.pending.get(state);
    this.pending.delete(state);
    return attempt && { redirectUri: attempt.redirectUri };
  }

  private prune(nowMs: number): void {
    for (const [state, attempt] of this.pending) {
      if (nowMs - attempt.createdAtMs > this.ttlMs) this.pending.delete(state);
    }
  }
}
