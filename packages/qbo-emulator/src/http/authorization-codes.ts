/**
 * The authorization codes the authorize page hands out and `grant_type=authorization_code` takes
 * back. Intuit's codes are one-time and short-lived; the emulator gives them 10 minutes and, as
 * RFC 6749 asks, binds each to the client and the `redirect_uri` it was issued for.
 */
import { randomBytes } from 'node:crypto';
import type { EmulatorConfig } from '../config.js';
import type { TokenAuthority } from './token-authority.js';

/** How long a code can be exchanged. */
export const AUTHORIZATION_CODE_LIFETIME_MS = 10 * 60_000;

interface IssuedCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly realmId: string;
  readonly expiresAt: number;
  used: boolean;
}

/** Why a code was refused; every reason is `invalid_grant` on the wire, as at Intuit. */
export type CodeRefusal = 'unknown' | 'used' | 'expired' | 'other-client' | 'other-redirect-uri';

export type Redemption = { ok: true; realmId: string } | { ok: false; refusal: CodeRefusal };

const DESCRIPTIONS: Record<CodeRefusal, string> = {
  unknown: 'Invalid authorization code',
  used: 'Authorization code has already been used',
  expired: 'Authorization code has expired',
  'other-client': 'Authorization code was issued to another client',
  'other-redirect-uri': 'redirect_uri does not match the one of the authorization request',
};

export class AuthorizationCodes {
  private readonly codes = new Map<string, IssuedCode>();

  /** A new code for a consent to `realmId`, redeemable once within the lifetime. */
  issue(grant: { clientId: string; redirectUri: string; realmId: string }, now: number): string {
    this.prune(now);
    const code = `AB11${Math.floor(now / 1000)}${randomBytes(20).toString('base64url')}`;
    this.codes.set(code, { ...grant, expiresAt: now + AUTHORIZATION_CODE_LIFETIME_MS, used: false });
    return code;
  }

  /**
   * Spends a code. Any attempt spends it, a refused one too: a code seen twice may have been
   * intercepted, and nothing should ever be exchanged for it again.
   */
  redeem(code: string, clientId: string, redirectUri: string, now: number): Redemption {
    const issued = this.codes.get(code);
    if (!issued) return { ok: false, refusal: 'unknown' };
    if (issued.used) return { ok: false, refusal: 'used' };
    issued.used = true;
    if (now >= issued.expiresAt) return { ok: false, refusal: 'expired' };
    if (issued.clientId !== clientId) return { ok: false, refusal: 'other-client' };
    if (issued.redirectUri !== redirectUri) return { ok: false, refusal: 'other-redirect-uri' };
    return { ok: true, realmId: issued.realmId };
  }

  /** Forgets codes long past their lifetime (until then a reuse is still told apart from a typo). */
  private prune(now: number): void {
    if (this.codes.size < 1_000) return;
    for (const [code, issued] of this.codes)
      if (issued.expiresAt + AUTHORIZATION_CODE_LIFETIME_MS < now) this.codes.delete(code);
  }
}

/** `grant_type=authorization_code&code=..&redirect_uri=..`: a new grant for the consented company. */
export function codeGrant(
  form: URLSearchParams,
  clientId: string,
  deps: { codes: AuthorizationCodes; tokens: TokenAuthority; config: EmulatorConfig },
  now: number,
  withHardExpiry: boolean,
): { status: number; body: Record<string, unknown> } {
  const code = form.get('code');
  const redirectUri = form.get('redirect_uri');
  if (!code || !redirectUri) {
    return {
      status: 400,
      body: { error: 'invalid_request', error_description: 'code and redirect_uri are required' },
    };
  }
  const redeemed = deps.codes.redeem(code, clientId, redirectUri, now);
  if (!redeemed.ok) {
    return {
      status: 400,
      body: { error: 'invalid_grant', error_description: DESCRIPTIONS[redeemed.refusal] },
    };
  }
  return { status: 200, body: deps.tokens.connect(redeemed.realmId, now, deps.config, withHardExpiry) };
}
