import express from 'express';
import type { Config } from '../config/config.js';
import { openDb } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { createQueue } from '../infra/queue.js';
import { createRedis } from '../infra/redis.js';
import { basicAuth } from './basic-auth.js';
import { BOARD_PATH, bullBoardRouter } from './bull-board.js';
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
import { intuitWebhookRouter } from './intuit-webhooks.js';

export { BOARD_PATH } from './bull-board.js';
export { dashboardCredentials } from './credentials.js';

/** Default port of the dashboard. */
export const DEFAULT_PORT = 3000;

export interface DashboardOptions {
  /** The parsed configuration (`parseConfig()`): Redis, queue prefix, database and login. */
  config: Config;
  /** TCP port. Default 3000; 0 picks a free port (tests). */
  port?: number;
  /** Interface to bind. Default `0.0.0.0`, so the port can be published from a container. */
  host?: string;
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
  /** Stops serving and closes the queue and the database pool. Idempotent; bounded in time. */
  close(): Promise<void>;
}

/** How long requests in flight get to finish at shutdown before their sockets are destroyed. */
const HTTP_GRACE_MS = 2_000;
/** Upper bound for closing the queue and the pool, so shutdown cannot hang on a dead backend. */
const BACKEND_CLOSE_MS = 5_000;

/**
 * Serves Bull Board at `/admin/queues`, the run pages at `/runs`, sync at `/sync`, the connect
 * pages at `/connect` (and Intuit's redirect at `/oauth/callback`), Prometheus metrics at
 * `/metrics`, `/healthz` and Intuit's webhooks at `POST /webhooks/intuit`. Everything but
 * `/healthz` (which orchestrators probe without credentials, and which reveals nothing but
 * reachability) and the webhooks (signed by Intuit instead) requires the dashboard login, via
 * HTTP Basic authentication.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { config, logger: log } = options;
  const credentials = dashboardCredentials(config, options.insecureNoAuth ?? false);
  if (!credentials) {
    log.warn('dashboard login disabled (--insecure-no-auth): anyone who can reach the port can manage jobs');
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

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', healthHandler(redis, db, log));
  // Before the login: Intuit cannot log in; its signature is the route's authentication.
  app.use(
    intuitWebhookRouter({
      verifierToken: config.qbo.webhookVerifierToken,
      config,
      redis,
      db,
      queue: syncQueue,
      registry,
      log,
      ...(options.webhookDebounceMs !== undefined ? { debounceMs: options.webhookDebounceMs } : {}),
    }),
  );
  if (credentials) app.use(basicAuth(credentials));
  app.get('/metrics', (_req, res, next) => {
    registry.metrics().then((text) => {
      res.set('Content-Type', registry.contentType).set('Cache-Control', 'no-store').send(text);
    }, next);
  });
  const emulatorMode = config.qbo.environment === 'emulator';
  app.use(BOARD_PATH, bullBoardRouter([queue, syncQueue], emulatorMode));
  app.use(RUNS_PATH, runPagesRouter(db, config.displayTimezone, emulatorMode));
  app.use(SYNC_PATH, syncPageRouter(db, config.displayTimezone, emulatorMode, now));
  const connect = connectPagesRouter({ config, db, log, now });
  app.use(connect.router);
  app.get('/', (_req, res) => res.redirect(BOARD_PATH));

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

  const host = options.host ?? '0.0.0.0';
  let server;
  try {
    server = await listen(app, options.port ?? DEFAULT_PORT, host);
  } catch (err) {
    await closeBackends();
    throw err;
  }
  const port = boundPort(server);
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  log.info(
    {
      url,
      board: `${url}${BOARD_PATH}`,
      auth: credentials ? 'basic' : 'none',
      qboEnvironment: config.qbo.environment,
    },
    'dashboard listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        await closeServer(server, HTTP_GRACE_MS);
        await closeBackends();
        log.info('dashboard stopped');
      })();
      return closing;
    },
  };
}
