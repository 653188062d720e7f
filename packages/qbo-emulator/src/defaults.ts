/**
 * The emulator's well-known values. They are not secrets: they only open the local emulator. The
 * product's `QBO_ENVIRONMENT=emulator` defaults name the same values (a test of the product checks
 * that the two agree), so the emulator accepts exactly what the product sends with no set-up.
 */
export const EMULATOR_DEFAULTS = Object.freeze({
  port: 8089,
  url: 'http://127.0.0.1:8089',
  /** Token endpoint path, mirroring Intuit's. */
  tokenPath: '/oauth2/v1/tokens/bearer',
  /** Authorize endpoint path, mirroring Intuit's `appcenter.intuit.com/connect/oauth2`. */
  authorizePath: '/connect/oauth2',
  /** Revoke endpoint path, mirroring Intuit's `developer.api.intuit.com/v2/oauth2/tokens/revoke`. */
  revokePath: '/v2/oauth2/tokens/revoke',
  /** The Accounting API's OAuth scope, the one an authorization must ask for. */
  accountingScope: 'com.intuit.quickbooks.accounting',
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the type stays a non-empty tuple of ids
  realmIds: Object.freeze(['9341453000000001', '9341453000000002']) as readonly [string, ...string[]],
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  refreshToken: 'emulator-refresh-token-0001',
  /** Encrypts the emulator's (non-secret) tokens at rest when TOKEN_ENCRYPTION_KEY is not set. */
  encryptionKey: 'qbo-backfill-emulator-token-key-not-a-secret',
  seed: 1,
});
