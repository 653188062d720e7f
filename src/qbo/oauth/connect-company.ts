import type { Db } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import { saveConnection } from '../auth/connections.js';
import { callTokenEndpoint } from '../auth/token-endpoint.js';
import { InvalidClientError, InvalidGrantError, isTokenEndpointFailure } from '../auth/token-errors.js';
import { readCompanyName } from './company-info.js';
import { ConnectError } from './connect-error.js';
import type { OAuthApp } from './oauth-app.js';
import { revokeToken } from './revoke-token.js';

export interface ConnectDeps {
  app: OAuthApp;
  db: Db;
  /** `TOKEN_ENCRYPTION_KEY`. */
  key: Buffer;
  logger: Logger;
}

export interface ConnectedCompany {
  realmId: string;
  companyName: string | null;
}

/** Trades a checked callback's code for the company's tokens: the code is gone either way. */
async function exchange(app: OAuthApp, realmId: string, code: string, redirectUri: string) {
  try {
    return await callTokenEndpoint(app.endpoint, realmId, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
  } catch (err) {
    if (err instanceof InvalidGrantError) {
      throw new ConnectError(
        400,
        'Intuit refused the authorization code (invalid_grant): it was used already, has expired (codes live 10 minutes), or was issued for another redirect_uri',
      );
    }
    if (err instanceof InvalidClientError) {
      throw new ConnectError(
        502,
        "Intuit refused the app's credentials (invalid_client): check QBO_CLIENT_ID and QBO_CLIENT_SECRET",
      );
    }
    if (isTokenEndpointFailure(err)) throw new ConnectError(502, err.message);
    throw err;
  }
}

/**
 * The second leg of the flow, after checkCallback: exchanges the code, proves the token opens the
 * realm the callback named (CompanyInfo), and only then stores the tokens, encrypted, as the
 * realm's connection. Nothing is stored unless all of it succeeded; a token that was issued but
 * is not kept is revoked, so no stray connection is left at Intuit.
 */
export async function connectCompany(
  deps: ConnectDeps,
  callback: { code: string; realmId: string; redirectUri: string },
): Promise<ConnectedCompany> {
  const { app, logger } = deps;
  const { realmId } = callback;
  const tokens = await exchange(app, realmId, callback.code, callback.redirectUri);
  const drop = async () => {
    const token = tokens.refreshToken ?? tokens.token;
    await revokeToken(app, realmId, token).catch((err: unknown) =>
      logger.warn(
        { realmId, err: err instanceof Error ? err.message : String(err) },
        'could not revoke a token that was not kept',
      ),
    );
  };
  if (tokens.refreshToken === undefined) {
    await drop();
    throw new ConnectError(502, 'Intuit answered the code exchange without a refresh token');
  }
  let companyName: string | null;
  try {
    companyName = await readCompanyName(app, realmId, tokens.token);
  } catch (err) {
    await drop();
    throw err;
  }
  await saveConnection(deps.db, deps.key, {
    realmId,
    companyName,
    refreshToken: tokens.refreshToken,
    refreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    refreshTokenHardExpiresAt: tokens.refreshTokenHardExpiresAt,
    accessToken: tokens.token,
    accessTokenExpiresAt: new Date(tokens.expiresAtMs),
    connectedAt: new Date(tokens.issuedAtMs),
  });
  logger.info({ realmId, companyName }, 'company connected');
  return { realmId, companyName };
}
