/**
 * OAuth state of one emulator: refresh tokens (per emulator, valid for any realm) and access
 * tokens (valid for every realm of the emulator).
 *
 * Rotation follows Intuit: a refresh returns a new refresh token once the one used is older than
 * `rotateRefreshTokenAfterSeconds` (0: every time). The superseded token keeps working for
 * `refreshTokenGraceSeconds` (it then returns the newest token of its chain without rotating again)
 * and after that fails with `invalid_grant`, like an unknown or expired one.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorConfig } from '../config.js';

/** Intuit's refresh-token lifetime (101 days), reported as `x_refresh_token_expires_in`. */
export const REFRESH_TOKEN_LIFETIME_SECONDS = 8_726_400;

interface RefreshTokenState {
  readonly issuedAt: number;
  supersededAt?: number;
  successor?: string;
}

export type RefreshOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: 400; readonly body: Record<string, unknown> };

const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Incorrect or invalid refresh token' };

export class TokenAuthority {
  private readonly refreshTokens = new Map<string, RefreshTokenState>();
  private readonly accessTokens = new Map<string, number>();

  constructor(initialRefreshToken: string, now: number) {
    this.refreshTokens.set(initialRefreshToken, { issuedAt: now });
  }

  /** Handles `grant_type=refresh_token` (client credentials already checked). */
  refresh(token: string, now: number, config: EmulatorConfig): RefreshOutcome {
    const state = this.refreshTokens.get(token);
    if (!state) return { ok: false, status: 400, body: INVALID_GRANT };
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
        returned = `RT1-${randomBytes(24).toString('hex')}`;
        this.refreshTokens.set(returned, { issuedAt: now });
        state.supersededAt = now;
        state.successor = returned;
      }
    }
    this.pruneAccess(now);
    const accessToken = `emu-at-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, now + config.accessTokenTtlSeconds * 1000);
    const returnedState = this.refreshTokens.get(returned) as RefreshTokenState;
    return {
      ok: true,
      body: {
        token_type: 'bearer',
        access_token: accessToken,
        refresh_token: returned,
        expires_in: Math.round(config.accessTokenTtlSeconds),
        x_refresh_token_expires_in: Math.max(
          0,
          REFRESH_TOKEN_LIFETIME_SECONDS - Math.floor((now - returnedState.issuedAt) / 1000),
        ),
      },
    };
  }

  /** 'ok', 'expired' or 'unknown' for a bearer token. */
  checkAccess(token: string, now: number): 'ok' | 'expired' | 'unknown' {
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt === undefined) return 'unknown';
    return now < expiresAt ? 'ok' : 'expired';
  }

  private pruneAccess(now: number): void {
    if (this.accessTokens.size < 10_000) return;
    for (const [token, expiresAt] of this.accessTokens) if (expiresAt <= now) this.accessTokens.delete(token);
  }
}
