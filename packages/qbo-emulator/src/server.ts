/**
 * The emulator's HTTP server: routes requests, stamps every response with an `intuit_tid`, and
 * shuts down without waiting for idle keep-alive connections.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '@qbo-backfill/clock';
import { validateConfigPatch, type EmulatorConfig } from './config.js';
import { PROFILE_NAMES } from './data/profiles.js';
import { EMULATOR_DEFAULTS } from './defaults.js';
import { handleAdminRequest } from './http/admin-endpoints.js';
import { API_PATH, handleApiRequest, type ApiContext } from './http/api-endpoint.js';
import { notFoundFault } from './http/faults.js';
import { newIntuitTid, send, sendJson } from './http/request-io.js';
import { handleAuthorizeRequest } from './http/authorize-endpoint.js';
import { handleRevokeRequest } from './http/revoke-endpoint.js';
import { handleTokenRequest } from './http/token-endpoint.js';
import { EmulatorState } from './state.js';
import type { EmulatorLogger, EmulatorOptions, RunningEmulator } from './types.js';

/** How often the server looks for due webhook deliveries (real time). */
const WEBHOOK_TICK_MS = 250;

const NO_LOG: EmulatorLogger = { info: () => {}, warn: () => {}, debug: () => {} };

function checkOptions(options: EmulatorOptions): void {
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
  ) {
    throw new RangeError(`port: expected an integer from 0 to 65535, got ${options.port}`);
  }
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new RangeError(`seed: expected an integer, got ${options.seed}`);
  }
  if (options.profile !== undefined && !PROFILE_NAMES.includes(options.profile)) {
    throw new RangeError(
      `profile: expected one of ${PROFILE_NAMES.join(', ')}, got ${String(options.profile)}`,
    );
  }
  if (
    options.realmIds !== undefined &&
    (options.realmIds.length === 0 || options.realmIds.some((r) => !/^[A-Za-z0-9_-]+$/.test(r)))
  ) {
    throw new RangeError(
      'realmIds: expected at least one realm id of letters, digits, dashes or underscores',
    );
  }
}

/** Starts an emulator and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  checkOptions(options);
  const log = options.logger ?? NO_LOG;
  const state = new EmulatorState({
    seed: options.seed ?? EMULATOR_DEFAULTS.seed,
    profile: options.profile ?? EMULATOR_DEFAULTS.profile,
    realmIds: [...new Set(options.realmIds ?? EMULATOR_DEFAULTS.realmIds)],
    clientId: options.clientId ?? EMULATOR_DEFAULTS.clientId,
    clientSecret: options.clientSecret ?? EMULATOR_DEFAULTS.clientSecret,
    refreshToken: options.refreshToken ?? EMULATOR_DEFAULTS.refreshToken,
    config: validateConfigPatch(options.config ?? {}),
    clock: options.clock ?? systemClock,
  });

  // Aborted on close: requests waiting out their latency are let go at once.
  const stopping = new AbortController();
  // Every request waiting out its latency listens: hundreds at once serving many companies.
  setMaxListeners(0, stopping.signal);
  const ctx: ApiContext = { state, sleep: (ms) => state.clock.sleep(ms, stopping.signal) };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('intuit_tid', newIntuitTid());
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname === EMULATOR_DEFAULTS.tokenPath) return handleTokenRequest(req, res, state);
    if (url.pathname === EMULATOR_DEFAULTS.authorizePath) return handleAuthorizeRequest(req, res, url, state);
    if (url.pathname === EMULATOR_DEFAULTS.revokePath) return handleRevokeRequest(req, res, state);
    if (url.pathname.startsWith('/__emulator/')) return handleAdminRequest(req, res, url, state);
    const api = API_PATH.exec(url.pathname);
    if (api) return handleApiRequest(req, res, url, api, ctx);
    const fault = notFoundFault(url.pathname, state.clock.now());
    state.stats.unrouted(fault.status);
    send(res, fault.status, fault.contentType, fault.body);
  }

  const server = createServer({ keepAlive: true }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      log.warn({ err }, 'emulator request failed');
      if (!res.headersSent && !res.destroyed)
        sendJson(res, 500, { error: err instanceof Error ? err.message : String(err) });
      else res.destroy();
    });
  });
  // Webhooks are pushed, not asked for: a timer catches up on activity and delivers what is due.
  // Under a ManualClock nothing is due until the clock moves (or a flush forces it).
  const webhookTimer = setInterval(() => {
    state.deliverWebhooks().catch((err: unknown) => log.warn({ err }, 'webhook delivery failed'));
  }, WEBHOOK_TICK_MS);
  webhookTimer.unref();

  // Clients see their socket cut by dropRate; errors on such sockets are expected.
  server.on('clientError', (_err, socket) => socket.destroy());

  const host = options.host ?? EMULATOR_DEFAULTS.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? EMULATOR_DEFAULTS.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.info({ url, realmIds: [...state.stores.keys()] }, 'emulator listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    realmIds: [...state.stores.keys()],
    clientId: state.options.clientId,
    clientSecret: state.options.clientSecret,
    refreshToken: state.options.refreshToken,
    tokenUrl: `${url}${EMULATOR_DEFAULTS.tokenPath}`,
    authorizeUrl: `${url}${EMULATOR_DEFAULTS.authorizePath}`,
    revokeUrl: `${url}${EMULATOR_DEFAULTS.revokePath}`,
    getConfig: () => state.getConfig(),
    setConfig: (patch: Partial<EmulatorConfig>) => {
      state.setConfig(patch);
    },
    stats: () => state.statsSnapshot(),
    flushWebhooks: () => state.deliverWebhooks(true),
    resetStats: () => state.resetStats(),
    truth: (realmId, entity, from, to, opts) =>
      state.truth(realmId, entity, from.getTime(), to.getTime(), opts?.ids ?? false),
    touchRecord: (request) => structuredClone(state.touch(request)),
    deleteRecord: (realmId, entity, id) => structuredClone(state.remove({ realmId, entity, id })),
    getRecord: (realmId, entity, id) => {
      const record = state.getRecord(realmId, entity, id);
      return record ? structuredClone(record) : undefined;
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        stopping.abort();
        clearInterval(webhookTimer);
        server.close(() => resolve());
        server.closeAllConnections();
        log.info({ url }, 'emulator stopped');
      });
      return closing;
    },
  };
}
