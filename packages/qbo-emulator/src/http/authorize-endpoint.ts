/**
 * `GET /connect/oauth2`, Intuit's authorize page (appcenter.intuit.com): where a person signs in,
 * picks a company and consents. The emulator has nobody to ask: it answers at once as
 * `authorizeDecision` says, for the company `authorizeRealmId` names (default its first realm),
 * by redirecting to `redirect_uri` with `code`, `state` and `realmId`, or `error=access_denied`.
 * Like any authorization server it never redirects for an unknown client or a malformed
 * `redirect_uri`: it answers a page saying why, since redirecting would hand the answer to
 * whoever forged the request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EMULATOR_DEFAULTS } from '../defaults.js';

/** Escapes text for HTML element content and quoted attribute values. */
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
import type { EmulatorState } from '../state.js';
import { send } from './request-io.js';

function page(res: ServerResponse, status: number, message: string): void {
  send(
    res,
    status,
    'text/html; charset=utf-8',
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>QBO emulator: authorization refused</title></head><body><h1>Authorization refused</h1><p>${escapeHtml(message)}</p></body></html>`,
  );
}

function absoluteHttpUrl(value: string | null): URL | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

export function handleAuthorizeRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: EmulatorState,
  now: number = state.clock.now(),
): void {
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    return page(res, 405, 'use GET');
  }
  const params = url.searchParams;
  const clientId = params.get('client_id');
  if (clientId !== state.options.clientId) return page(res, 400, 'client_id: unknown client');
  const redirectUri = params.get('redirect_uri');
  const target = absoluteHttpUrl(redirectUri);
  if (!target || redirectUri === null)
    return page(res, 400, 'redirect_uri: expected an absolute http(s) URL');

  const redirect = (answer: Record<string, string | null>) => {
    for (const [key, value] of Object.entries(answer))
      if (value !== null) target.searchParams.set(key, value);
    res.writeHead(302, { Location: target.toString(), 'Content-Length': 0 });
    res.end();
  };
  const callerState = params.get('state');
  if (params.get('response_type') !== 'code') {
    return redirect({ error: 'unsupported_response_type', state: callerState });
  }
  // Scopes are space-separated (URLSearchParams has already turned `+` into a space).
  if (!(params.get('scope') ?? '').split(' ').includes(EMULATOR_DEFAULTS.accountingScope)) {
    return redirect({ error: 'invalid_scope', state: callerState });
  }
  if (state.config.authorizeDecision === 'decline') {
    return redirect({ error: 'access_denied', state: callerState });
  }
  const realmId = state.config.authorizeRealmId ?? [...state.stores.keys()][0];
  if (realmId === undefined || !state.stores.has(realmId)) {
    return page(res, 400, `authorizeRealmId ${JSON.stringify(realmId)} is not a realm of this emulator`);
  }
  const code = state.codes.issue({ clientId, redirectUri, realmId }, now);
  return redirect({ code, state: callerState, realmId });
}
