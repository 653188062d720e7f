import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import type { CommandIo } from '../command.js';
import { durationFlag, EXIT, intFlag, parseFlags } from '../command.js';
import { listenForCallback, type CallbackListener } from '../callback-listener.js';
import { ConfigError } from '../../config/config.js';
import { realmLabel } from '../../qbo/auth/connections.js';
import { openDb } from '../../infra/db.js';
import { shortDuration } from '../../infra/time-format.js';
import { CommandFailedError } from '../../model/usage-error.js';
import { authorizeUrlFor, newState, sameState } from '../../qbo/oauth/authorization-request.js';
import { checkCallback } from '../../qbo/oauth/callback.js';
import { connectCompany, type ConnectedCompany } from '../../qbo/oauth/connect-company.js';
import { ConnectError } from '../../qbo/oauth/connect-error.js';
import { oauthApp } from '../../qbo/oauth/oauth-app.js';
import { requireKey } from './auth-common.js';

export const CONNECT_USAGE = 'qbo-backfill auth connect [--port 8765] [--no-open] [--timeout 10m]';

/** Defaults of `auth connect`. */
export const CONNECT_DEFAULTS = Object.freeze({
  /** Port of the local redirect `http://127.0.0.1:<port>/callback`. @defaultValue 8765 */
  port: 8765,
  /** How long to wait for the person to connect a company. @defaultValue 10 minutes */
  timeoutMs: 10 * 60_000,
});

/** The browser of the machine, when there is one; the printed URL is the fallback either way. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser here (a server, a container): the person opens the printed URL elsewhere.
  }
}

/**
 * Where the redirect is served: `QBO_REDIRECT_URI`'s path on `--port` (default its own port), or
 * `/callback` on 127.0.0.1. A registered https redirect reaches this listener through whatever
 * proxy or tunnel the operator put in front of it.
 */
function listenTarget(redirectUri: string | undefined, portFlag: number | undefined) {
  if (redirectUri === undefined) return { port: portFlag ?? CONNECT_DEFAULTS.port, path: '/callback' };
  const url = new URL(redirectUri);
  return { port: portFlag ?? (url.port ? Number(url.port) : CONNECT_DEFAULTS.port), path: url.pathname };
}

/**
 * `auth connect`: the OAuth authorization code flow from a terminal. Prints the authorize URL,
 * serves the redirect, and connects the company of the first callback that passes every check;
 * callbacks that do not are answered with a page saying why, and it keeps waiting.
 */
export async function runConnect(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseFlags(
    argv,
    { port: { type: 'string' }, 'no-open': { type: 'boolean' }, timeout: { type: 'string' } },
    CONNECT_USAGE,
  );
  const portFlag = intFlag(values.port, 'port', 0, 65_535);
  const timeoutMs =
    durationFlag(values.timeout, 'timeout', 1_000, 24 * 3_600_000) ?? CONNECT_DEFAULTS.timeoutMs;
  const config = io.config();
  if (config.qbo.redirectUri === undefined && config.qbo.environment !== 'emulator') {
    // The contract's default works with the emulator only: Intuit never redirects to an IP address.
    throw new ConfigError(
      'QBO_REDIRECT_URI',
      `required with QBO_ENVIRONMENT=${config.qbo.environment}: Intuit does not redirect to an IP address such as the default http://127.0.0.1:${portFlag ?? CONNECT_DEFAULTS.port}/callback; register http://localhost:${portFlag ?? CONNECT_DEFAULTS.port}/callback (development keys) or an https URI in the app, and set it here`,
    );
  }
  const key = requireKey(config);
  const log = io.logger(config, 'auth');
  const app = oauthApp(config, log);
  const target = listenTarget(config.qbo.redirectUri, portFlag);
  const db = openDb(config, { max: 2, applicationName: 'qbo-backfill auth connect' });
  let listener: CallbackListener | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // Before anyone consents: a store that is not migrated would lose the connection at the end.
    await sql`SELECT 1 FROM ops.tokens, ops.disconnected_realms LIMIT 0`.execute(db).catch((err: unknown) => {
      if ((err as { code?: unknown }).code === '42P01')
        throw new CommandFailedError('the token store is not up to date: run qbo-backfill migrate first');
      throw err;
    });
    const state = newState();
    let redirectUri = config.qbo.redirectUri ?? '';
    let settle!: { resolve: (c: ConnectedCompany) => void; reject: (err: unknown) => void };
    const done = new Promise<ConnectedCompany>((resolve, reject) => (settle = { resolve, reject }));
    const refused = (status: number, reason: string) => {
      io.stderr.write(
        `qbo-backfill auth connect: callback refused: ${reason}; nothing was stored (still waiting)\n`,
      );
      return { status, title: 'Not connected', message: `${reason}. Nothing was stored.` };
    };
    const handle = async (params: URLSearchParams) => {
      const check = checkCallback(params, (given) => sameState(given, state));
      if (!check.ok) return refused(check.status, check.reason);
      try {
        const company = await connectCompany({ app, db, key, logger: log }, { ...check, redirectUri });
        settle.resolve(company);
        return {
          status: 200,
          title: 'Company connected',
          message: `Connected realm ${realmLabel(company.realmId, company.companyName)}. You can close this tab.`,
        };
      } catch (err) {
        if (err instanceof ConnectError) return refused(err.status, err.message);
        throw err;
      }
    };
    try {
      listener = await listenForCallback({ host: '127.0.0.1', ...target, handle, onFailure: settle.reject });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
      throw new CommandFailedError(
        `cannot listen on 127.0.0.1:${target.port} (${code}): pick another port with --port (the redirect URI registered in the Intuit app must name it)`,
      );
    }
    redirectUri ||= `http://127.0.0.1:${listener.port}${target.path}`;
    const url = authorizeUrlFor(app, redirectUri, state);
    const waiting = shortDuration(timeoutMs / 1000);
    io.out(`open this URL to connect a company: ${url}`);
    io.out(`waiting up to ${waiting} for Intuit to redirect to ${redirectUri}`);
    if (!values['no-open']) openInBrowser(url);
    timer = setTimeout(
      () =>
        settle.reject(
          new CommandFailedError(
            `no company was connected within ${waiting} (--timeout); nothing was stored`,
          ),
        ),
      timeoutMs,
    );
    const company = await done;
    io.out(`connected realm ${company.realmId} (${company.companyName ?? 'company name unknown'})`);
    return EXIT.ok;
  } finally {
    clearTimeout(timer);
    await listener?.close();
    await db.destroy();
    app.close();
  }
}
