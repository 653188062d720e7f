/**
 * OAuth state of one emulator: grants (one per consent), their refresh tokens and access tokens.
 *
 * Rotation follows Intuit: a refresh returns a new refresh token once the one used is older than
 * `rotateRefreshTokenAfterSeconds` (0: every time). The superseded token keeps working for
 * `refreshTokenGraceSeconds` (it then returns the newest token of its chain without rotating again)
 * and after that fails with `invalid_grant`, like an unknown or expired one.
 *
 * A grant is what a person's consent created: the initial refresh token's grant opens every realm
 * of the emulator (its development shortcut), a grant made through the authorize page and
 * `grant_type=authorization_code` opens the one company consented to, as at Intuit. Revoking any
 * token of a grant revokes all of it, and no grant outlives Intuit's 5-year hard limit.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorConfig } from '../config.js';

/** Intuit's refresh-token lifetime (101 days), reported as `x_refresh_token_expires_in`. */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 8_726_400;

/**
 * Intuit's hard limit on a connection since November 2025: 5 years from the consent whatever the
 * refreshes, reported as `x_refresh_token_hard_expires_in` to clients that send the request header
 * `x-include-refresh-token-hard-expires-in: true` (Intuit's SDKs opt in the same way).
 */
export const REFRESH_TOKEN_HARD_LIFETIME_SECONDS = 5 * 365 * 86_400;

/** One consent. */
interface Grant {
  /** The one company it opens; undefined: every realm (the initial token's grant). */
  readonly realmId: string | undefined;
  readonly connectedAt: number;
  revoked: boolean;
}

interface RefreshTokenState {
  readonly issuedAt: number;
  readonly grant: Grant;
  supersededAt?: number;
  successor?: string;
}

interface AccessTokenState {
  readonly expiresAt: number;
  readonly grant: Grant;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: 400; readonly body: Record<string, unknown> };

/** What an API request's bearer token is worth for the realm it asks for. */
export type AccessCheck = 'ok' | 'expired' | 'unknown' | 'other-realm';

const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' };

const newRefreshToken = () => `RT1-${randomBytes(24).toString('hex')}`;

export class TokenAuthority {
  private readonly refreshTokens = new Map<string, RefreshTokenState>();
  private readonly accessTokens = new Map<string, AccessTokenState>();

  constructor(initialRefreshToken: string, now: number) {
    this.refreshTokens.set(initialRefreshToken, {
      issuedAt: now,
      grant: { realmId: undefined, connectedAt: now, revoked: false },
    });
  }

  /** A new grant for one company (`grant_type=authorization_code`, the code already checked). */
  connect(realmId: string, now: number, config: EmulatorConfig, withHardExpiry: boolean) {
    const token = newRefreshToken();
    this.refreshTokens.set(token, { issuedAt: now, grant: { realmId, connectedAt: now, revoked: false } });
    return this.tokenResponse(token, now, config, withHardExpiry);
  }

  /** Handles `grant_type=refresh_token` (client credentials already checked). */
  refresh(token: string, now: number, config: EmulatorConfig, withHardExpiry = false): RefreshOutcome {
    const state = this.refreshTokens.get(token);
    if (!state || state.grant.revoked || now >= hardEnd(state.grant))
      return { ok: false, status: 400, body: INVALID_GRANT };
    if (now - state.issuedAt > REFRESH_TOKEN_LIFETIME_SECONDS * 1000)
      return { ok: false, status: 400, body: INVALID_GRANT };
    let returned = token;
    if (state.supersededAt !== undefined) {
      if (now - state.supersededAt > config.refreshTokenGraceSeconds * 1000) {
        return { ok: false, status: 400, body: INVALID_GRANT };
      }
      // Within grace: still accepted; answer with the newest token of the chain.
      while (this.refreshTokens.get(returned)?.successor !== undefined) {
        returned = this.refreshTokens.get(returned)?.successor as string;
      }
    } else {
      const age = now - state.issuedAt;
      if (config.rotateRefreshTokenAfterSeconds === 0 || age > config.rotateRefreshTokenAfterSeconds * 1000) {
        returned = newRefreshToken();
        this.refreshTokens.set(returned, { issuedAt: now, grant: state.grant });
        state.supersededAt = now;
        state.successor = returned;
      }
    }
    return { ok: true, body: this.tokenResponse(returned, now, config, withHardExpiry) };
  }

  /** Revokes the grant a refresh or access token belongs to; false when the token is not known. */
  revoke(token: string): boolean {
    const grant = (this.refreshTokens.get(token) ?? this.accessTokens.get(token))?.grant;
    if (!grant) return false;
    grant.revoked = true;
    return true;
  }

  /** What a bearer token is worth for `realmId`. */
  checkAccess(token: string, now: number, realmId?: string): AccessCheck {
    const state = this.accessTokens.get(token);
    if (state === undefined || state.grant.revoked) return 'unknown';
    if (now >= state.expiresAt) return 'expired';
    // A token of one company's grant does not open another company (Intuit: 403, code 3201).
    return realmId !== undefined && state.grant.realmId !== undefined && state.grant.realmId !== realmId
      ? 'other-realm'
      : 'ok';
  }

  /** A new access token beside `refreshToken`, with both tokens' lifetimes as Intuit reports them. */
  private tokenResponse(
    refreshToken: string,
    now: number,
    config: EmulatorConfig,
    withHardExpiry: boolean,
  ): Record<string, unknown> {
    const state = this.refreshTokens.get(refreshToken) as RefreshTokenState;
    this.pruneAccess(now);
    const accessToken = `emu-at-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, {
      expiresAt: now + config.accessTokenTtlSeconds * 1000,
      grant: state.grant,
    });
    const hardLeft = Math.max(0, Math.floor((hardEnd(state.grant) - now) / 1000));
    const rollingLeft = Math.max(
      0,
      REFRESH_TOKEN_LIFETIME_SECONDS - Math.floor((now - state.issuedAt) / 1000),
    );
    return {
      token_type: 'bearer',
      access_token: accessToken,
      refresh_token: refreshToken,
      expires_in: Math.round(config.accessTokenTtlSeconds),
      // The rolling window never reaches past the hard limit.
      x_refresh_token_expires_in: Math.min(rollingLeft, hardLeft),
      ...(withHardExpiry ? { x_refresh_token_hard_expires_in: hardLeft } : {}),
    };
  }

  private pruneAccess(now: number): void {
    if (this.accessTokens.size < 10_000) return;
    for (const [token, { expiresAt }] of this.accessTokens)
      if (expiresAt <= now) this.accessTokens.delete(token);
  }
}

function hardEnd(grant: Grant): number {
  return grant.connectedAt + REFRESH_TOKEN_HARD_LIFETIME_SECONDS * 1000;
}
