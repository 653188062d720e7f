import { EMULATOR_DEVELOPMENT_VALUES, TOKEN_PATH } from '../shared/qbo-environments.js';

/**
 * The built-in emulator's well-known values. They are not secrets: they only open the local
 * emulator. The credentials come from the product's environment table (where
 * `QBO_ENVIRONMENT=emulator` takes them as its defaults), so the emulator accepts exactly what the
 * product sends with no set-up.
 */
export const EMULATOR_DEFAULTS = Object.freeze({
  port: 8089,
  url: EMULATOR_DEVELOPMENT_VALUES.url,
  /** Token endpoint path, mirroring Intuit's `/oauth2/v1/tokens/bearer`. */
  tokenPath: TOKEN_PATH,
  realmIds: EMULATOR_DEVELOPMENT_VALUES.realmIds,
  clientId: EMULATOR_DEVELOPMENT_VALUES.clientId,
  clientSecret: EMULATOR_DEVELOPMENT_VALUES.clientSecret,
  refreshToken: EMULATOR_DEVELOPMENT_VALUES.refreshToken,
  /** Encrypts the emulator's (non-secret) tokens at rest when TOKEN_ENCRYPTION_KEY is not set. */
  encryptionKey: EMULATOR_DEVELOPMENT_VALUES.encryptionKey,
  seed: 1,
});
