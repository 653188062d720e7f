/**
 * `POST /oauth2/v1/tokens/bearer` (Intuit's path): `Authorization: Basic base64(id:secret)` and a
 * form body `grant_type=refresh_token&refresh_token=...` or
 * `grant_type=authorization_code&code=...&redirect_uri=...`. Bad client credentials give 401
 * `invalid_client`; a bad, expired or superseded-past-grace refresh token, and a code that is
 * unknown, used, expired or issued for another redirect_uri, give 400 `invalid_grant`. With the
 * request header `x-include-refresh-token-hard-expires-in: true` the answer also carries
 * `x_refresh_token_hard_expires_in`, as Intuit's does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorState } from '../state.js';
import { codeGrant } from './authorization-codes.js';
import { readBody, sendJson } from './request-io.js';

export function clientCredentials(req: IncomingMessage): { id: string; secret: string } | undefined {
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export async function handleTokenRequest(
  req: IncomingMessage,
  res: ServerResponse,
  state: EmulatorState,
): Promise<void> {
  const reply = (status: number, body: Record<string, unknown>) => {
    state.stats.tokenEndpoint(status);
    sendJson(res, status, body);
  };
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return reply(405, { error: 'invalid_request', error_description: 'use POST' });
  }
  const body = new URLSearchParams(await readBody(req));
  const client = clientCredentials(req);
  if (!client || client.id !== state.options.clientId || client.secret !== state.options.clientSecret) {
    return reply(401, { error: 'invalid_client' });
  }
  const withHardExpiry = req.headers['x-include-refresh-token-hard-expires-in'] === 'true';
  const grantType = body.get('grant_type');
  if (grantType === 'authorization_code') {
    const answer = codeGrant(body, client.id, state, state.clock.now(), withHardExpiry);
    return reply(answer.status, answer.body);
  }
  if (grantType !== 'refresh_token') {
    return reply(400, {
      error: 'unsupported_grant_type',
      error_description: 'grant_type: refresh_token or authorization_code',
    });
  }
  const token = body.get('refresh_token');
  if (!token) return reply(400, { error: 'invalid_request', error_description: 'refresh_token is required' });
  const outcome = state.tokens.refresh(token, state.clock.now(), state.config, withHardExpiry);
  return reply(outcome.ok ? 200 : outcome.status, outcome.body);
}
