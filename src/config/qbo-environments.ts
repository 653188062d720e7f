/**
 * The QBOs the product can talk to, as data: where each one lives and what it needs from the
 * operator. Configuration and the worker read this table instead of branching on names.
 */

/** Which QBO the product talks to. `emulator` points every URL and credential at the built-in emulator. */
export type QboEnvironmentName = 'sandbox' | 'production' | 'emulator';

/** The `QBO_ENVIRONMENT` values, in the order error messages list them. */
export const QBO_ENVIRONMENT_NAMES: readonly QboEnvironmentName[] = ['sandbox', 'production', 'emulator'];

/** Intuit's one OAuth token endpoint, for sandbox and production companies alike. */
const INTUIT_TOKEN_URL = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';

/** The token endpoint's path, mirrored by the emulator so that both take the same base URL. */
export const TOKEN_PATH = '/oauth2/v1/tokens/bearer';

/** Intuit's authorize page, where a person signs in, picks a company and consents. */
const INTUIT_AUTHORIZE_URL = 'https://appcenter.intuit.com/connect/oauth2';

/** Its path, which the emulator serves beside its API. */
export const AUTHORIZE_PATH = '/connect/oauth2';

/** Intuit's token revocation endpoint (the discovery document's `revocation_endpoint`). */
const INTUIT_REVOKE_URL = 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke';

/** Its path, which the emulator serves beside its API. */
export const REVOKE_PATH = '/v2/oauth2/tokens/revoke';

/** The OAuth scope of the Accounting API, the only one the product asks for. */
export const ACCOUNTING_SCOPE = 'com.intuit.quickbooks.accounting';

/**
 * The emulator's well-known development values. They are public, not secrets: only the local
 * emulator accepts them, which is why `QBO_ENVIRONMENT=emulator` may use them with no set-up, and
 * why the cluster refuses them when it talks to real QBO. The emulator declares
 * the same values in its own package (test/foundation/config.test.ts checks that they agree).
 */
export const EMULATOR_DEVELOPMENT_VALUES = Object.freeze({
  url: 'http://127.0.0.1:8089',
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the exported type stays a non-empty string tuple, not literal ids
  realmIds: Object.freeze(['9341453000000001', '9341453000000002']) as readonly [string, ...string[]],
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  refreshToken: 'emulator-refresh-token-0001',
  /** Encrypts the emulator's (non-secret) tokens at rest when TOKEN_ENCRYPTION_KEY is not set. */
  encryptionKey: 'qbo-backfill-emulator-token-key-not-a-secret',
});

/** Values an environment supplies when the operator leaves them unset. */
export interface EnvironmentDefaults {
  clientId?: string;
  clientSecret?: string;
  realmId?: string;
  refreshToken?: string;
  encryptionKey?: string;
}

export interface QboEnvironment {
  readonly name: QboEnvironmentName;
  /** API base URL (`QBO_BASE_URL` overrides it). */
  readonly baseUrl: string;
  /** OAuth token endpoint for a given API base (`QBO_TOKEN_URL` overrides it). */
  readonly tokenUrl: (baseUrl: string) => string;
  /** OAuth authorize page for a given API base. */
  readonly authorizeUrl: (baseUrl: string) => string;
  /** OAuth token revocation endpoint for a given API base. */
  readonly revokeUrl: (baseUrl: string) => string;
  /** What the environment fills in when unset; real QBO fills in nothing. */
  readonly defaults: Readonly<EnvironmentDefaults>;
  /**
   * Whether `QBO_REFRESH_TOKEN` opens every realm. The emulator's one initial token opens each of
   * its companies; at Intuit a refresh token belongs to one company, so it only bootstraps
   * `QBO_REALM_ID`.
   */
  readonly refreshTokenOpensEveryRealm: boolean;
  /** Whether the emulator's development values are refused here (real QBO must never see them). */
  readonly refusesDevelopmentValues: boolean;
}

/** One of Intuit's own environments: its API at `baseUrl`, Intuit's OAuth endpoints, no defaults. */
const intuitEnvironment = (name: 'sandbox' | 'production', baseUrl: string): QboEnvironment => ({
  name,
  baseUrl,
  tokenUrl: () => INTUIT_TOKEN_URL,
  authorizeUrl: () => INTUIT_AUTHORIZE_URL,
  revokeUrl: () => INTUIT_REVOKE_URL,
  defaults: {},
  refreshTokenOpensEveryRealm: false,
  refusesDevelopmentValues: true,
});

export const QBO_ENVIRONMENTS: Readonly<Record<QboEnvironmentName, QboEnvironment>> = Object.freeze({
  sandbox: intuitEnvironment('sandbox', 'https://sandbox-quickbooks.api.intuit.com'),
  production: intuitEnvironment('production', 'https://quickbooks.api.intuit.com'),
  emulator: {
    name: 'emulator',
    baseUrl: EMULATOR_DEVELOPMENT_VALUES.url,
    // The emulator serves its token endpoint beside the API, so a moved QBO_BASE_URL moves both.
    tokenUrl: (baseUrl: string) => `${baseUrl}${TOKEN_PATH}`,
    authorizeUrl: (baseUrl: string) => `${baseUrl}${AUTHORIZE_PATH}`,
    revokeUrl: (baseUrl: string) => `${baseUrl}${REVOKE_PATH}`,
    defaults: {
      clientId: EMULATOR_DEVELOPMENT_VALUES.clientId,
      clientSecret: EMULATOR_DEVELOPMENT_VALUES.clientSecret,
      realmId: EMULATOR_DEVELOPMENT_VALUES.realmIds[0],
      refreshToken: EMULATOR_DEVELOPMENT_VALUES.refreshToken,
      encryptionKey: EMULATOR_DEVELOPMENT_VALUES.encryptionKey,
    },
    refreshTokenOpensEveryRealm: true,
    refusesDevelopmentValues: false,
  },
});

/** A QBO company (realm) id: digits only, as Intuit issues them. */
export const REALM_ID_PATTERN = /^\d{1,32}$/;

/** Whether `value` is a QBO company (realm) id. */
export function isRealmId(value: string): boolean {
  return REALM_ID_PATTERN.test(value);
}
