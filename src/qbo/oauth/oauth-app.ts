import http from 'node:http';
import { systemClock } from '@qbo-backfill/clock';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import { requireValue, type Config } from '../../config/config.js';
import type { Logger } from '../../infra/logger.js';
import type { TokenEndpoint } from '../auth/token-endpoint.js';

/** The app as Intuit knows it: its credentials and the OAuth endpoints of the environment. */
export interface OAuthApp {
  /** The token endpoint, as the workers call it (refreshes) and the connect flow (code exchanges). */
  readonly endpoint: TokenEndpoint;
  readonly authorizeUrl: string;
  readonly revokeUrl: string;
  /** The Accounting API base, for the CompanyInfo read that checks a new connection. */
  readonly apiBaseUrl: string;
  readonly http: AxiosInstance;
  /** Drops the HTTP agents (nothing lingers after a command). */
  close(): void;
}

/** One OAuth call is one short request; a person waits on it. */
const OAUTH_TIMEOUT_MS = 30_000;

/** The app from the configuration; a missing client id or secret is a one-line ConfigError. */
export function oauthApp(config: Config, logger: Logger): OAuthApp {
  const clientId = requireValue(
    config.qbo.clientId,
    'QBO_CLIENT_ID',
    "required to connect a company (the app's client id at developer.intuit.com)",
  );
  const clientSecret = requireValue(
    config.qbo.clientSecret,
    'QBO_CLIENT_SECRET',
    "required to connect a company (the app's client secret at developer.intuit.com)",
  );
  const agents = { http: new http.Agent({ keepAlive: false }), https: new https.Agent({ keepAlive: false }) };
  const client = axios.create({
    timeout: OAUTH_TIMEOUT_MS,
    httpAgent: agents.http,
    httpsAgent: agents.https,
    validateStatus: () => true,
    maxRedirects: 0,
  });
  return {
    endpoint: {
      http: client,
      tokenUrl: config.qbo.tokenUrl,
      clientId,
      clientSecret,
      logger,
      clock: systemClock,
    },
    authorizeUrl: config.qbo.authorizeUrl,
    revokeUrl: config.qbo.revokeUrl,
    apiBaseUrl: config.qbo.baseUrl,
    http: client,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
