import express, { type Response, type Router } from 'express';
import { ConfigError, type Config } from '../config/config.js';
import { listDisconnections, realmLabel } from '../qbo/auth/connections.js';
import type { Db } from '../infra/db.js';
import { escapeHtml as escape } from '../infra/html.js';
import type { Logger } from '../infra/logger.js';
import { REALM_ID_PATTERN } from '../config/qbo-environments.js';
import { utcInstant } from '../infra/time-format.js';
import { tokenHealth } from '../qbo/auth/token-health.js';
import { getTokenStatus } from '../qbo/auth/token-store.js';
import { authorizeUrlFor, PendingAuthorizations, sameState } from '../qbo/oauth/authorization-request.js';
import { checkCallback } from '../qbo/oauth/callback.js';
import { connectCompany } from '../qbo/oauth/connect-company.js';
import { ConnectError } from '../qbo/oauth/connect-error.js';
import { oauthApp, type OAuthApp } from '../qbo/oauth/oauth-app.js';
import { badge, CONNECT_PATH, nav, page } from './run-pages.js';

const START_PATH = '/connect/start';
/** Where Intuit sends the person back (register `<dashboard URL>/oauth/callback` in the Intuit app). */
export const CALLBACK_PATH = '/oauth/callback';
/**
 * Ties a callback to the browser that began the attempt: its state must equal this cookie's, so a
 * callback from another attempt (another person's link, an older tab) is refused even though its
 * state is a real one. Lax, because Intuit's redirect back is a top-level cross-site navigation.
 */
const STATE_COOKIE = 'qbo_connect_state';
const ATTEMPT_TTL_MS = 30 * 60_000;

const CONNECT_STYLE = `<style>
.c2qb{display:inline-block;background:#2ca01c;color:#fff;font:600 14px system-ui,sans-serif;padding:9px 18px;border:0;border-radius:4px;cursor:pointer}
.c2qb:hover{background:#108000;text-decoration:none}.ok{background:#e7f6ec;border:1px solid #2e9d57;border-radius:6px;padding:6px 12px}
.warn{color:#a85d00}</style>`;

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

export interface ConnectPagesOptions {
  config: Config;
  db: Db;
  log: Logger;
  now: () => Date;
  /**
   * The dashboard's own base URL once it listens (`http://127.0.0.1:3000`): in emulator mode
   * without QBO_REDIRECT_URI the redirect goes back to it. Never read from a request's `Host`,
   * which whoever sends the request chooses.
   */
  dashboardUrl: () => string;
}

/**
 * `/connect`, `POST /connect/start` and `/oauth/callback`, behind the dashboard login like every
 * page. Starting is a POST from the page's own form (cross-site ones are refused, security.ts): a
 * link another site could make the operator's browser follow.
 */
export function connectPagesRouter(o: ConnectPagesOptions): { router: Router; close(): void } {
  const { config, db, log, now } = o;
  const emulatorMode = config.qbo.environment === 'emulator';
  const pending = new PendingAuthorizations(ATTEMPT_TTL_MS);
  // Without the app's credentials or the key the list still shows; connecting says what is missing.
  let app: OAuthApp | undefined;
  let missing: string | undefined;
  try {
    app = oauthApp(config, log);
    const registered = config.qbo.redirectUri;
    if (!config.tokenEncryptionKey) missing = 'TOKEN_ENCRYPTION_KEY: required to store tokens encrypted';
    else if (registered !== undefined && new URL(registered).pathname !== CALLBACK_PATH)
      missing = `QBO_REDIRECT_URI: the dashboard takes Intuit's redirect at ${CALLBACK_PATH}; set it to https://<dashboard>${CALLBACK_PATH}, as registered in the Intuit app`;
    else if (registered === undefined && !emulatorMode)
      // Without it the dashboard would name its own address, which Intuit accepts only if registered.
      missing = `QBO_REDIRECT_URI: required with QBO_ENVIRONMENT=${config.qbo.environment}: set it to https://<dashboard>${CALLBACK_PATH}, as registered in the Intuit app`;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    missing = err.message;
  }

  const send = (res: Response, status: number, title: string, body: string) =>
    res
      .status(status)
      .type('html')
      .set('Cache-Control', 'no-store')
      .send(page(title, `${CONNECT_STYLE}${body}`, false, emulatorMode));
  const refusal = (res: Response, status: number, reason: string) =>
    send(
      res,
      status,
      'Not connected',
      `<h1>Not connected</h1><p><b>${escape(reason)}.</b> Nothing was stored.</p><p><a href="${CONNECT_PATH}">Back to the connected companies</a></p>`,
    );

  async function listHtml(connected: string | undefined): Promise<string> {
    const at = now();
    const [rows, disconnected] = await Promise.all([getTokenStatus(db, { now: at }), listDisconnections(db)]);
    const fresh = connected !== undefined ? rows.find((r) => r.realmId === connected) : undefined;
    const banner = fresh
      ? `<p class="ok">Connected realm ${escape(realmLabel(fresh.realmId, fresh.companyName))}: ready for a backfill, e.g. <code>qbo-backfill enqueue --realm ${escape(fresh.realmId)} --entities all --from 2026-01-01 --to 2026-01-31</code></p>`
      : '';
    const table = rows
      .map((s) => {
        const h = tokenHealth(s, at);
        return `<tr data-realm="${escape(s.realmId)}"><td>${escape(s.realmId)}</td><td>${escape(s.companyName ?? '-')}</td>
<td>${utcInstant(s.connectedAt)}</td><td>${s.refreshedAt ? utcInstant(s.refreshedAt) : '-'}</td>
<td>${s.refreshTokenExpiresAt ? utcInstant(s.refreshTokenExpiresAt) : '-'}</td><td>${s.refreshTokenHardExpiresAt ? utcInstant(s.refreshTokenHardExpiresAt) : '-'}</td>
<td>${badge(h.state)}${h.warning ? `<br><span class="warn">${escape(h.warning)}</span>` : ''}</td></tr>`;
      })
      .join('\n');
    const gone = disconnected
      .map(
        (d) =>
          `<li>${escape(realmLabel(d.realmId, d.companyName))}, disconnected at ${utcInstant(d.disconnectedAt)}</li>`,
      )
      .join('');
    return `${nav(CONNECT_PATH)}
<h1>Connected companies</h1>${banner}
<p>${missing ? `<span class="banner">Connecting is off: ${escape(missing)}</span>` : `<form method="post" action="${START_PATH}"><button class="c2qb" type="submit">Connect to QuickBooks</button></form>`}</p>
${
  rows.length === 0
    ? '<p>No company connected yet.</p>'
    : `<table class="runs"><tr><th>realm</th><th>company</th><th>connected since (UTC)</th><th>last refresh (UTC)</th><th>rolling expiry (UTC)</th><th>hard expiry (UTC)</th><th>token health</th></tr>${table}</table>`
}
${gone ? `<h2>Disconnected</h2><ul class="muted">${gone}</ul>` : ''}`;
  }

  const redirectUri = () => config.qbo.redirectUri ?? `${o.dashboardUrl()}${CALLBACK_PATH}`;

  const router = express.Router();
  router.get(CONNECT_PATH, (req, res, next) => {
    const connected =
      typeof req.query.connected === 'string' && REALM_ID_PATTERN.test(req.query.connected)
        ? req.query.connected
        : undefined;
    listHtml(connected).then((body) => send(res, 200, 'Connected companies', body), next);
  });
  router.post(START_PATH, (_req, res) => {
    if (!app || missing) return refusal(res, 503, `connecting is off: ${missing ?? ''}`);
    const to = redirectUri();
    const state = pending.begin(to, now().getTime());
    res.cookie(STATE_COOKIE, state, {
      path: CALLBACK_PATH,
      httpOnly: true,
      sameSite: 'lax',
      secure: to.startsWith('https:'),
      maxAge: ATTEMPT_TTL_MS,
    });
    // 303: the browser follows with a GET, as Intuit's authorize page expects.
    return res.redirect(303, authorizeUrlFor(app, to, state));
  });
  router.get(CALLBACK_PATH, (req, res, next) => {
    const params = new URL(req.originalUrl, 'http://dashboard').searchParams;
    const cookieState = readCookie(req.headers.cookie, STATE_COOKIE);
    res.clearCookie(STATE_COOKIE, { path: CALLBACK_PATH });
    let attempt: { redirectUri: string } | undefined;
    const check = checkCallback(params, (state) => {
      if (cookieState === undefined || !sameState(state, cookieState)) return false;
      attempt = pending.take(state, now().getTime());
      return attempt !== undefined;
    });
    if (!check.ok) return refusal(res, check.status, check.reason);
    if (!app || !config.tokenEncryptionKey || !attempt)
      return refusal(res, 503, `connecting is off: ${missing ?? ''}`);
    connectCompany(
      { app, db, key: config.tokenEncryptionKey, logger: log },
      { ...check, redirectUri: attempt.redirectUri },
    ).then(
      (company) => res.redirect(303, `${CONNECT_PATH}?connected=${encodeURIComponent(company.realmId)}`),
      (err: unknown) => (err instanceof ConnectError ? refusal(res, err.status, err.message) : next(err)),
    );
  });
  return { router, close: () => app?.close() };
}
