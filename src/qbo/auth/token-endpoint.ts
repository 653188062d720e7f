import type { AxiosInstance, AxiosResponse } from 'axios';
import type { Clock } from '@qbo-backfill/clock';
import type { Logger } from '../../infra/logger.js';
import { networkFailure } from '../network-failure.js';
import {
  InvalidClientError,
  InvalidGrantError,
  TokenRefreshError,
  TokenRequestRefusedError,
  TokenUrlError,
} from './token-errors.js';

/** Where and as which app a refresh is asked for. */
export interface TokenEndpoint {
  http: AxiosInstance;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  logger: Logger;
  /** Times the token's issue, from which its expiry is counted. */
  clock: Clock;
}

/** What is traded at the token endpoint: a refresh token, or a code from the authorize page. */
export type TokenGrant =
  | { grant_type: 'refresh_token'; refresh_token: string }
  | { grant_type: 'authorization_code'; code: string; redirect_uri: string };

/** A successful call: the new access token, and the refresh token when Intuit sent one. */
export interface RefreshedAccessToken {
  token: string;
  expiresAtMs: number;
  lifetimeMs: number;
  issuedAtMs: number;
  refreshToken?: string;
  /** The rolling expiry (`x_refresh_token_expires_in`); null when not sent. */
  refreshTokenExpiresAt: Date | null;
  /** The 5-year hard expiry (`x_refresh_token_hard_expires_in`); null when not sent. */
  refreshTokenHardExpiresAt: Date | null;
}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  x_refresh_token_expires_in?: number;
  x_refresh_token_hard_expires_in?: number;
}

const optionalNumber = (value: unknown) => value === undefined || typeof value === 'number';

function isTokenResponse(body: unknown): body is TokenResponse {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.access_token === 'string' &&
    b.access_token !== '' &&
    typeof b.expires_in === 'number' &&
    b.expires_in > 0 &&
    (b.refresh_token === undefined || (typeof b.refresh_token === 'string' && b.refresh_token !== '')) &&
    optionalNumber(b.x_refresh_token_expires_in) &&
    optionalNumber(b.x_refresh_token_hard_expires_in)
  );
}

/** The OAuth `error` code of a 4xx body, when it looks like one (never echo arbitrary body text). */
function oauthErrorCode(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>).error;
  return typeof error === 'string' && /^[a-z_]{1,64}$/.test(error) ? error : undefined;
}

function intuitTid(response: AxiosResponse): string | undefined {
  const tid: unknown = response.headers['intuit_tid'];
  return typeof tid === 'string' ? tid : undefined;
}

/** The app's credentials as Intuit's OAuth endpoints (token, revoke) take them: HTTP Basic. */
export function basicAuthorization(app: Pick<TokenEndpoint, 'clientId' | 'clientSecret'>): string {
  return `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`, 'utf8').toString('base64')}`;
}

/**
 * One token-endpoint call (a refresh, or the exchange of an authorization code). Failures are
 * of their outcome's class: invalid_grant and invalid_client need an operator, network trouble, 5xx and 429
 * another attempt, other 4xx none.
 */
export async function callTokenEndpoint(
  endpoint: TokenEndpoint,
  realmId: string,
  grant: TokenGrant,
): Promise<RefreshedAccessToken> {
  const refreshToken = grant.grant_type === 'refresh_token' ? grant.refresh_token : undefined;
  const what = refreshToken === undefined ? 'authorization code exchange' : 'token refresh';
  const secondsFrom = (issuedAtMs: number, seconds: number | undefined) =>
    seconds === undefined ? null : new Date(issuedAtMs + seconds * 1000);
  const issuedAtMs = endpoint.clock.now();
  let response: AxiosResponse<unknown>;
  try {
    response = await endpoint.http.post<unknown>(endpoint.tokenUrl, new URLSearchParams(grant).toString(), {
      headers: {
        Authorization: basicAuthorization(endpoint),
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        // Intuit sends the 5-year hard expiry only to clients that ask for it.
        'x-include-refresh-token-hard-expires-in': 'true',
      },
    });
  } catch (err) {
    // Only the code and message: the error object carries the request, with its secrets.
    const code = (err as { code?: unknown }).code;
    const detail = typeof code === 'string' ? code : err instanceof Error ? err.message : 'unknown error';
    endpoint.logger.warn({ realmId, code: detail }, `${what} request failed`);
    // A token URL that can never work halts the run; a blip gets another attempt of the window.
    const failed = `${what} for realm ${realmId} failed: ${detail}`;
    if (networkFailure(err) === 'configuration')
      throw new TokenUrlError(`${failed}: check QBO_TOKEN_URL and QBO_ENVIRONMENT`);
    throw new TokenRefreshError(failed);
  }

  const tid = intuitTid(response);
  const status = response.status;
  if (status === 200 && isTokenResponse(response.data)) {
    const body = response.data;
    const expiresAtMs = issuedAtMs + body.expires_in * 1000;
    const rotated = body.refresh_token !== undefined && body.refresh_token !== refreshToken;
    endpoint.logger.info(
      {
        realmId,
        intuitTid: tid,
        accessTokenExpiresInSeconds: body.expires_in,
        refreshTokenRotated: rotated,
      },
      refreshToken === undefined ? 'authorization code exchanged' : 'access token refreshed',
    );
    return {
      token: body.access_token,
      expiresAtMs,
      lifetimeMs: body.expires_in * 1000,
      issuedAtMs,
      ...(body.refresh_token !== undefined ? { refreshToken: body.refresh_token } : {}),
      refreshTokenExpiresAt: secondsFrom(issuedAtMs, body.x_refresh_token_expires_in),
      refreshTokenHardExpiresAt: secondsFrom(issuedAtMs, body.x_refresh_token_hard_expires_in),
    };
  }

  const error = oauthErrorCode(response.data);
  endpoint.logger.warn({ realmId, status, error, intuitTid: tid }, `${what} rejected`);
  if (status === 400 && error === 'invalid_grant') throw new InvalidGrantError(realmId);
  if (error === 'invalid_client') throw new InvalidClientError(realmId, status);
  if (status === 200) {
    throw new TokenRefreshError(
      `token endpoint answered 200 without a usable token for realm ${realmId}`,
      200,
    );
  }
  const refused = `${what} for realm ${realmId} failed: HTTP ${status}${error ? ` (${error})` : ''}`;
  if (status >= 500 || status === 429 || status === 408) throw new TokenRefreshError(refused, status);
  throw new TokenRequestRefusedError(refused, status);
}
