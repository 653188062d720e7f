/**
 * The built-in emulator's well-known values. They are not secrets: they only open the local
 * emulator, and `QBO_ENVIRONMENT=emulator` uses them so that demos and tests need no set-up.
 */
export const EMULATOR_DEFAULTS = Object.freeze({
  port: 8089,
  url: 'http://127.0.0.1:8089',
  /** Token endpoint path, mirroring Intuit's `/oauth2/v1/tokens/bearer`. */
  tokenPath: '/oauth2/v1/tokens/bearer',
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the exported type stays a non-empty string tuple, not literal ids
  realmIds: Object.freeze(['9341453000000001', '9341453000000002']) as readonly [string, ...string[]],
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  refreshToken: 'emulator-refresh-token-0001',
  /** Encrypts the emulator's (non-secret) tokens at rest when TOKEN_ENCRYPTION_KEY is not set. */
  encryptionKey: 'qbo-backfill-emulator-token-key-not-a-secret',
  seed: 1,
});
