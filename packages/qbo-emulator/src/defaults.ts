/**
 * The emulator's well-known values. They are not secrets: they only open the local emulator. The
 * product's `QBO_ENVIRONMENT=emulator` defaults name the same values (a test of the product checks
 * that the two agree), so the emulator accepts exactly what the product sends with no set-up.
 */
export const EMULATOR_DEFAULTS = Object.freeze({
  /** @defaultValue 8089 */
  port: 8089,
  /** The interface it listens on: this machine only. @defaultValue `127.0.0.1` */
  host: '127.0.0.1',
  /** Its URL with the default port and host. */
  url: 'http://127.0.0.1:8089',
  /** The generated company's profile. @defaultValue `sandbox` */
  profile: 'sandbox',
  /** Token endpoint path, mirroring Intuit's. */
  tokenPath: '/oauth2/v1/tokens/bearer',
  /** Authorize endpoint path, mirroring Intuit's `appcenter.intuit.com/connect/oauth2`. */
  authorizePath: '/connect/oauth2',
  /** Revoke endpoint path, mirroring Intuit's `developer.api.intuit.com/v2/oauth2/tokens/revoke`. */
  revokePath: '/v2/oauth2/tokens/revoke',
  /** The Accounting API's OAuth scope, the one an authorization must ask for. */
  accountingScope: 'com.intuit.quickbooks.accounting',
  /** The realms (companies) served. @defaultValue `9341453000000001`, `9341453000000002` */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the type stays a non-empty tuple of ids
  realmIds: Object.freeze(['9341453000000001', '9341453000000002']) as readonly [string, ...string[]],
  /** @defaultValue `emulator-client-id` */
  clientId: 'emulator-client-id',
  /** @defaultValue `emulator-client-secret` */
  clientSecret: 'emulator-client-secret',
  /** The initial refresh token. @defaultValue `emulator-refresh-token-0001` */
  refreshToken: 'emulator-refresh-token-0001',
  /** Encrypts the emulator's (non-secret) tokens at rest when TOKEN_ENCRYPTION_KEY is not set. */
  encryptionKey: 'qbo-backfill-emulator-token-key-not-a-secret',
  /** Seed of the generated companies. @defaultValue 1 */
  seed: 1,
});
