/**
 * `POST /v2/oauth2/tokens/revoke` (Intuit's path at developer.api.intuit.com): `Authorization:
 * Basic base64(id:secret)` and a JSON body `{"token": "<refresh or access token>"}` (a form body
 * `token=...` is taken too, as RFC 7009 has it). Revoking any token of a connection revokes the
 * whole connection: its refresh tokens give `invalid_grant` and its access tokens 401 from then
 * on. 200 with an empty body when revoked; 400 for a token the emulator does not know; 401
 * `invalid_client` for bad client credentials.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorState } from '../state.js';
import { readBody, send, sendJson } from './request-io.js';
import { clientCredentials } from './token-endpoint.js';

function tokenOf(req: IncomingMessage, body: string): string | undefined {
  if (/json/i.test(req.headers['content-type'] ?? '')) {
    try {
      const parsed = JSON.parse(body) as { token?: unknown };
      return typeof parsed.token === 'string' && parsed.token !== '' ? parsed.token : undefined;
    } catch {
      return undefined;
    }
  }
  return new URLSearchParams(body).get('token') || undefined;
}

export async function handleRevokeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  state: EmulatorState,
): Promise<void> {
  const reply = (status: number, body?: Record<string, unknown>) => {
    state.stats.tokenEndpoint(status);
    if (body) sendJson(res, status, body);
    else send(res, status, 'application/json;charset=UTF-8', '');
  };
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return reply(405, { error: 'invalid_request', error_description: 'use POST' });
  }
  const body = await readBody(req);
  const client = clientCredentials(req);
  if (!client || client.id !== state.options.clientId || client.secret !== state.options.clientSecret) {
    return reply(401, { error: 'invalid_client' });
  }
  const token = tokenOf(req, body);
  if (!token) return reply(400, { error: 'invalid_request', error_description: 'token is required' });
  return state.tokens.revoke(token) ? reply(200) : reply(400, { error: 'invalid_token' });
}
