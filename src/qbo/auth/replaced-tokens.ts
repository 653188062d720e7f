import { createHash } from 'node:crypto';

/** How many replaced tokens per realm are remembered; 401s arrive within seconds of a refresh. */
const REPLACED_KEPT = 8;

/** A token's identity without keeping the token itself around longer than needed. */
function fingerprint(token: string): string {
  return createHash('sha256').update(token).digest('base64');
}

/**
 * The last few access tokens a provider replaced, per realm, as fingerprints: a 401 with one of
 * them proves the cached token is newer (AccessTokenProvider.refreshAfterUnauthorized).
 */
export class ReplacedTokens {
  private readonly byRealm = new Map<string, string[]>();

  has(realmId: string, token: string): boolean {
    return this.byRealm.get(realmId)?.includes(fingerprint(token)) ?? false;
  }

  add(realmId: string, token: string): void {
    const list = this.byRealm.get(realmId) ?? [];
    const print = fingerprint(token);
    if (list.includes(print)) return;
    list.push(print);
    if (list.length > REPLACED_KEPT) list.shift();
    this.byRealm.set(realmId, list);
  }

  clear(): void {
    this.byRealm.clear();
  }
}
