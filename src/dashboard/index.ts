import type { Server } from 'node:http';
import express from 'express';
import type { Config } from '../config/config.js';
import { openDb } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { createQueue } from '../infra/queue.js';
import { createRedis } from '../infra/redis.js';
import { basicAuth } from './basic-auth.js';
import { BOARD_PATH, bullBoardRouter } from './bull-board.js';
import { errorHandler, notFound } from './http-errors.js';
import { loginThrottle } from './login-throttle.js';
import { RUN_PAGE_SCRIPT } from './run-pages.js';
import { refuseCrossSite, securityHeaders } from './security.js';
import { dashboardCredentials } from './credentials.js';
import { healthHandler } from './health.js';
import { boundPort, closeServer, listen } from './http-server.js';
import { registerClusterMetrics } from './cluster-metrics-export.js';
import { registerScalingMetrics } from './scaling-metrics.js';
import { connectPagesRouter } from './connect-pages.js';
import { createMetricsRegistry } from './metrics.js';
import { RUNS_PATH, runPagesRouter, SYNC_PATH } from './run-pages.js';
import { syncPageRouter } from './sync-page.js';
import { withTimeout } from '../infra/with-timeout.js';
import { createSyncQueue } from '../sync/sync-queue.js';
import { intuitWebhookRouter, WEBHOOK_PATH } from './intuit-webhooks.js';

export { BOARD_PATH } from './bull-board.js';
export { dashboardCredentials } from './credentials.js';

/** Defaults of the dashboard, declared once. */
export const DASHBOARD_DEFAULTS = Object.freeze({
  /** TCP port of the admin pages (0 picks a free port: tests). @defaultValue 3000 */
  port: 3000,
  /** Interface to bind, so the port can be published from a container. @defaultValue `0.0.0.0` */
  host: '0.0.0.0',
});

export interface DashboardOptions {
  /** The parsed configuration (`parseConfig()`): Redis, queue prefix, database and login. */
  config: Config;
  /** See {@link DASHBOARD_DEFAULTS.port}. */
  port?: number;
  /** See {@link DASHBOARD_DEFAULTS.host}. */
  host?: string;
  /**
   * A second port, on the same interface, serving `POST /webhooks/intuit` and `/healthz` and
   * nothing else; the admin port then serves no webhooks, so only this one need face the internet.
   * Default: none (the webhooks are served on the admin port).
   */
  webhookPort?: number;
  /**
   * Serve without a login even though `DASHBOARD_USER` / `DASHBOARD_PASSWORD` are not set (a
   * warning is logged). Default false: without them, `startDashboard` throws a `ConfigError`.
   * When both are set they are always enforced.
   */
  insecureNoAuth?: boolean;
  logger: Logger;
  /** The clock token health is computed with (the connect page and /metrics). Default: the system clock. */
  now?: () => Date;
  /**
   * Webhook notifications of a realm within this many ms make one sync cycle (tests shrink it).
   * Default {@link SYNC_DEFAULTS.webhookDebounceMs}.
   */
  webhookDebounceMs?: number;
}

export interface Dashboard {
  /** Base URL, e.g. `http://127.0.0.1:3000` (loopback when bound to every interface). */
  url: string;
  port: number;
  /** The webhook listener's base URL, with `webhookPort`. */
  webhookUrl?: string;
  /** Stops serving and closes the queue and the database pool. Idempotent; bounded in time. */
  close(): Promise<void>;
}

/** How long requests in flight get to finish at shutdown before their sockets are destroyed. */
const HTTP_GRACE_MS = 2_000;
/** Upper bound for closing the queue and the pool, so shutdown cannot hang on a dead backend. */
const BACKEND_CLOSE_MS = 5_000;

/** `http://host:port` as a person would type it: loopback for every interface, IPv6 in brackets. */
function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

/**
 * Serves Bull Board at `/admin/queues`, the run pages at `/runs`, sync at `/sync`, the connect
 * pages at `/connect` (and Intuit's redirect at `/oauth/callback`), Prometheus metrics at
 * `/metrics`, `/healthz` and Intuit's webhooks at `POST /webhooks/intuit` (on a port of their own
 * with `webhookPort`). Everything but `/healthz` (which orchestrators probe without credentials,
 * and which reveals nothing but reachability) and the webhooks (signed by Intuit instead)
 * requires the dashboard login, via HTTP Basic authentication. Every response carries the
 * security headers, and no write is taken from another site (security.ts).
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { config, logger: log } = options;
  const credentials = dashboardCredentials(config, options.insecureNoAuth ?? false);
  if (!credentials) {
    // On a loopback address (the demo's) only this machine reaches it: said, not warned about.
    const loopback = /^(127\.|::1$|localhost$)/.test(options.host ?? '0.0.0.0');
    log[loopback ? 'info' : 'warn'](
      'dashboard login disabled (--insecure-no-auth): anyone who can reach the port can manage jobs',
    );
  }

  const redis = createRedis(config);
  // ioredis reconnects by itself; without a listener an outage would be an unhandled 'error' event.
  redis.on('error', (err: Error) => log.debug({ err }, 'redis connection error'));
  const queue = createQueue(redis, config.queuePrefix);
  queue.on('error', (err: Error) => log.debug({ err }, 'queue error'));
  const syncQueue = createSyncQueue(redis, config.queuePrefix);
  syncQueue.on('error', (err: Error) => log.debug({ err }, 'sync queue error'));
  const db = openDb(config, { max: 3, applicationName: 'qbo-backfill-dashboard' });
  const now = options.now ?? (() => new Date());
  const registry = createMetricsRegistry({ queue, db, log, now });
  registerClusterMetrics(registry, redis, config.queuePrefix, log);
  registerScalingMetrics(registry, {
    queues: [queue, syncQueue],
    db,
    maxConcurrent: config.maxConcurrent,
    log,
    now,
  });

  const emulatorMode = config.qbo.environment === 'emulator';
  const host = options.host ?? DASHBOARD_DEFAULTS.host;
  // Known once listening: the emulator's default redirect URI names the dashboard's own address.
  let url = '';
  const connect = connectPagesRouter({ config, db, log, now, dashboardUrl: () => url });
  const headers = securityHeaders({
    inlineScripts: [RUN_PAGE_SCRIPT],
    formTargets: [new URL(config.qbo.authorizeUrl).origin],
  });
  const webhooks = intuitWebhookRouter({
    verifierToken: config.qbo.webhookVerifierToken,
    config,
    redis,
    db,
    queue: syncQueue,
    registry,
    log,
    ...(options.webhookDebounceMs !== undefined ? { debounceMs: options.webhookDebounceMs } : {}),
  });
  const health = healthHandler(redis, db, log);

  const app = express();
  app.disable('x-powered-by');
  app.use(headers);
  app.use(refuseCrossSite(log));
  app.get('/healthz', health);
  // Before the login: Intuit cannot log in; its signature is the route's authentication.
  if (options.webhookPort === undefined) app.use(webhooks);
  if (credentials) app.use(loginThrottle({ log }), basicAuth(credentials));
  app.get('/metrics', (_req, res, next) => {
    registry.metrics().then((text) => {
      res.set('Content-Type', registry.contentType).set('Cache-Control', 'no-store').send(text);
    }, next);
  });
  app.use(BOARD_PATH, bullBoardRouter([queue, syncQueue], log, emulatorMode));
  app.use(RUNS_PATH, runPagesRouter(db, config.displayTimezone, emulatorMode));
  app.use(SYNC_PATH, syncPageRouter(db, config.displayTimezone, emulatorMode, now));
  app.use(connect.router);
  app.get('/', (_req, res) => res.redirect(BOARD_PATH));
  app.use(notFound);
  app.use(errorHandler(log));

  // The listener Intuit reaches: its webhooks and a health probe, nothing of the admin.
  const webhookApp = express();
  webhookApp.disable('x-powered-by');
  webhookApp.use(headers);
  webhookApp.get('/healthz', health);
  webhookApp.use(webhooks);
  webhookApp.use(notFound);
  webhookApp.use(errorHandler(log));

  const closeBackends = async () => {
    await Promise.allSettled([
      withTimeout(queue.close(), BACKEND_CLOSE_MS, 'queue close'),
      withTimeout(syncQueue.close(), BACKEND_CLOSE_MS, 'sync queue close'),
      withTimeout(db.destroy(), BACKEND_CLOSE_MS, 'database close'),
    ]);
    // The queue does not own a connection it was handed; drop it without waiting on the server.
    redis.disconnect();
    connect.close();
  };

  const servers: Server[] = [];
  try {
    servers.push(await listen(app, options.port ?? DASHBOARD_DEFAULTS.port, host));
    if (options.webhookPort !== undefined) servers.push(await listen(webhookApp, options.webhookPort, host));
  } catch (err) {
    await Promise.all(servers.map((s) => closeServer(s, 0)));
    await closeBackends();
    throw err;
  }
  const [server, webhookServer] = servers as [Server, Server | undefined];
  const port = boundPort(server);
  url = baseUrl(host, port);
  const webhookUrl = webhookServer ? baseUrl(host, boundPort(webhookServer)) : undefined;
  log.info(
    {
      url,
      board: `${url}${BOARD_PATH}`,
      ...(webhookUrl ? { webhooks: `${webhookUrl}${WEBHOOK_PATH}` } : {}),
      auth: credentials ? 'basic' : 'none',
      qboEnvironment: config.qbo.environment,
    },
    'dashboard listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    ...(webhookUrl ? { webhookUrl } : {}),
    close() {
      closing ??= (async () => {
        await Promise.all(servers.map((s) => closeServer(s, HTTP_GRACE_MS)));
        await closeBackends();
        log.info('dashboard stopped');
      })();
      return closing;
    },
  };
}
