// `npm run test:compose`: runs the cluster of docker-compose.yml for real on this machine and
// proves it. Starts an engine if none runs, builds (or reuses) the base images, brings the cluster
// up with the project's compose file plus docker/test/compose.loopback.yml (every service on the
// host's loopback, on ports away from the host's own PostgreSQL and Redis), scales the workers to
// five, enqueues January 2026 from a one-off container, stops one worker mid-run (it drains), and
// checks from the host: raw = the emulator's truth, no 429 (one shared budget), the dashboard's
// metrics behind its login. Always takes the cluster down with its volumes. Exit 0 when all held.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ENTITIES } from '../../src/model/entities.js';
import { EMULATOR_DEFAULTS } from '@qbo-backfill/emulator';
import { emulatorConfig, emulatorStats, fetchTruth } from '../helpers/backfill.js';
import { baseImages, buildAppImage, composeCommand, ensureEngine, ensureTools, run } from './docker.js';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`.padStart(5);
const log = (line: string) => console.log(`[${elapsed()}] ${line}`);

const PORTS = {
  LOOPBACK_POSTGRES_PORT: Number(process.env.LOOPBACK_POSTGRES_PORT ?? 55432),
  LOOPBACK_REDIS_PORT: Number(process.env.LOOPBACK_REDIS_PORT ?? 56379),
  LOOPBACK_EMULATOR_PORT: Number(process.env.LOOPBACK_EMULATOR_PORT ?? 18089),
  LOOPBACK_DASHBOARD_PORT: Number(process.env.LOOPBACK_DASHBOARD_PORT ?? 13000),
};
const PROJECT = 'qbo-compose-test';
const APP_IMAGE = 'qbo-backfill:compose-test';
const FROM = '2026-01-01';
const TO = '2026-01-31';
const WORKERS = 5;
// The workers' shared budget paces one request every 250 ms (240 a minute). The emulator allows 48
// per sliding 10 s: the shared pace makes at most 41 there, while five workers pacing on their own
// would make 200 and be throttled at once. So no 429 proves the five share one budget in Redis.
const BUDGET_PER_MINUTE = 240;
const EMULATOR_LIMIT = { windowMs: 10_000, requestsPerMinute: 48 };
const RUN_TIMEOUT_MS = 15 * 60_000;

const emulatorUrl = `http://127.0.0.1:${PORTS.LOOPBACK_EMULATOR_PORT}`;
const dashboardUrl = `http://127.0.0.1:${PORTS.LOOPBACK_DASHBOARD_PORT}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Secrets as a real deployment keeps them: a directory only its owner enters, files the container user can read. */
function writeSecrets(): { dir: string; postgresPassword: string; dashboardPassword: string } {
  const dir = mkdtempSync(join(tmpdir(), 'qbo-compose-secrets-'));
  chmodSync(dir, 0o700);
  const postgresPassword = randomBytes(18).toString('hex');
  const dashboardPassword = randomBytes(18).toString('base64url');
  const files: Record<string, string> = {
    postgres_password: postgresPassword,
    database_url: `postgres://postgres:${postgresPassword}@127.0.0.1:${PORTS.LOOPBACK_POSTGRES_PORT}/postgres`,
    qbo_client_secret: EMULATOR_DEFAULTS.clientSecret,
    qbo_refresh_token: EMULATOR_DEFAULTS.refreshToken,
    token_encryption_key: randomBytes(32).toString('hex'),
    dashboard_password: dashboardPassword,
    grafana_admin_password: randomBytes(18).toString('hex'),
    pgadmin_password: randomBytes(18).toString('hex'),
  };
  for (const [name, value] of Object.entries(files)) {
    writeFileSync(join(dir, name), `${value}\n`, { mode: 0o644 });
  }
  return { dir, postgresPassword, dashboardPassword };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(1000);
  }
}

async function main(): Promise<void> {
  await ensureTools(log);
  await ensureEngine(log);
  const compose = await composeCommand();
  const composeVersion = (await run(compose[0]!, [...compose.slice(1), 'version', '--short'])).stdout.trim();
  log(`engine up; compose: ${compose.join(' ')} ${composeVersion}`);

  const promtool = await run('promtool', [
    'check',
    'config',
    '--syntax-only',
    'docker/monitoring/prometheus.yml',
  ]);
  log(`promtool: ${promtool.stdout.trim().split('\n').pop() ?? ''}`);

  for (const [name, port] of Object.entries(PORTS)) {
    assert(await portFree(port), `${name}=${port} is in use on 127.0.0.1: set ${name} to a free port`);
  }

  const images = await baseImages(log);
  log(`base images: ${Object.values(images).join(', ')}`);
  const buildStart = Date.now();
  await buildAppImage(APP_IMAGE, images.NODE_IMAGE);
  log(`built ${APP_IMAGE} in ${((Date.now() - buildStart) / 1000).toFixed(0)} s`);

  // The image's entrypoint must refuse a development secret outside emulator mode (no network needed).
  const image = ['run', '--rm', '--network', 'none', '-e', 'QBO_ENVIRONMENT=production'];
  const devSecret = ['-e', 'QBO_CLIENT_SECRET_FILE=/app/docker/dev-secrets/qbo_client_secret'];
  const refused = await run('docker', [...image, ...devSecret, APP_IMAGE, '--help'], { allowFailure: true });
  assert(refused.code === 2, `a development secret in production mode: exit ${refused.code}, expected 2`);
  assert(refused.stderr.includes('QBO_CLIENT_SECRET_FILE: holds the development value'), refused.stderr);
  assert(
    (await run('docker', [...image, APP_IMAGE, '--help'], { allowFailure: true })).code === 0,
    'production mode without development secrets does not start',
  );
  log('the image refuses development secrets outside emulator mode (exit 2)');

  const secrets = writeSecrets();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...images,
    ...Object.fromEntries(Object.entries(PORTS).map(([k, v]) => [k, String(v)])),
    COMPOSE_PROJECT_NAME: PROJECT,
    QBO_IMAGE: APP_IMAGE,
    SECRETS_DIR: secrets.dir,
    QBO_ENVIRONMENT: 'emulator',
    QBO_REQUESTS_PER_MINUTE: String(BUDGET_PER_MINUTE),
    LOG_LEVEL: 'info',
  };
  const files = ['-f', 'docker-compose.yml', '-f', 'docker/test/compose.loopback.yml'];
  const dc = (args: string[], opts: { allowFailure?: boolean } = {}) =>
    run(compose[0]!, [...compose.slice(1), ...files, ...args], { env, ...opts });

  let db: pg.Pool | undefined;
  try {
    await dc(['down', '--volumes', '--remove-orphans'], { allowFailure: true });
    // As users start it: three workers from deploy.replicas (docker-compose 1.29 reads it too).
    await dc(['up', '-d', '--no-build']);
    const initial = (await dc(['ps', '-q', 'worker'])).stdout.trim().split('\n').filter(Boolean);
    assert(initial.length === 3, `deploy.replicas: expected 3 workers, found ${initial.length}`);
    log('cluster up: postgres, redis, emulator, migrate, 3 workers (deploy.replicas), dashboard');

    await waitFor('dashboard /healthz', async () => (await fetch(`${dashboardUrl}/healthz`)).ok, 120_000);
    const migrate = (await dc(['ps', '-q', '-a', 'migrate'], { allowFailure: true })).stdout.trim();
    const migrateState = migrate
      ? (
          await run('docker', ['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', migrate])
        ).stdout.trim()
      : 'gone';
    assert(migrateState === 'exited 0', `migrate should have exited 0, is ${migrateState}`);
    const workerLogs = (await dc(['logs', '--no-color', 'worker'])).stdout;
    assert(workerLogs.includes('emulator mode'), 'the workers do not say they run in emulator mode');

    await dc(['up', '-d', '--no-build', '--no-recreate', '--scale', `worker=${WORKERS}`]);
    const workers = (await dc(['ps', '-q', 'worker'])).stdout.trim().split('\n').filter(Boolean);
    assert(workers.length === WORKERS, `expected ${WORKERS} workers, found ${workers.length}`);
    log(`scaled to ${WORKERS} workers`);

    // Latency keeps jobs in flight long enough for the stop below to catch one mid-page.
    await emulatorConfig(emulatorUrl, { ...EMULATOR_LIMIT, latencyMs: [150, 400] });

    const entities = ENTITIES.map((e) => e.name);
    // A one-off container of the `cli` service, as users enqueue (docs/docker.md).
    const enqueueArgs = ['--entities', entities.join(','), '--from', FROM, '--to', TO, '--json'];
    const enqueued = await dc(['run', '--rm', '-T', 'cli', 'enqueue', ...enqueueArgs]);
    const { runId, jobs } = JSON.parse(enqueued.stdout.trim().split('\n').pop()!) as {
      runId: string;
      jobs: number;
    };
    log(`enqueued run ${runId} from a one-off container: ${jobs} windows (${entities.join(', ')})`);

    db = new pg.Pool({
      connectionString: `postgres://postgres:${secrets.postgresPassword}@127.0.0.1:${PORTS.LOOPBACK_POSTGRES_PORT}/postgres`,
      max: 2,
    });
    db.on('error', () => undefined);
    const pool = db;
    const succeeded = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ops.windows WHERE run_id = $1 AND status = 'succeeded'`,
          [runId],
        )
      ).rows[0]!.n;

    await waitFor('a fifth of the windows', async () => (await succeeded()) >= jobs / 5, 300_000);
    const victim = workers[0]!;
    const doneAtStop = await succeeded();
    const stopStart = Date.now();
    // `docker stop` sends SIGTERM (through the init process) and marks the container stopped, so
    // `restart: unless-stopped` leaves it down: the other four must finish the run.
    await run('docker', ['stop', '--time', '60', victim]);
    const drainSeconds = (Date.now() - stopStart) / 1000;
    const state = (await run('docker', ['inspect', '--format', '{{.State.ExitCode}}', victim])).stdout.trim();
    const victimLogs =
      (await run('docker', ['logs', victim])).stdout + (await run('docker', ['logs', victim])).stderr;
    assert(state === '0', `the stopped worker exited ${state}, not 0`);
    assert(victimLogs.includes('worker stopped'), 'the stopped worker did not log that it drained');
    log(
      `SIGTERM to one worker at ${doneAtStop}/${jobs} windows: drained and exited 0 in ${drainSeconds.toFixed(1)} s`,
    );

    const deadline = Date.now() + RUN_TIMEOUT_MS;
    let status = '';
    for (;;) {
      status = (
        await pool.query<{ status: string }>('SELECT status FROM ops.runs WHERE run_id = $1', [runId])
      ).rows[0]!.status;
      if (!['scheduled', 'running'].includes(status)) break;
      assert(Date.now() < deadline, `run ${runId} did not end within ${RUN_TIMEOUT_MS / 60_000} min`);
      await sleep(1000);
    }
    assert(status === 'succeeded', `run ${runId} ended ${status}`);
    log(`run ${runId} succeeded`);

    const from = new Date(`${FROM}T00:00:00Z`);
    const to = new Date(Date.parse(`${TO}T00:00:00Z`) + 86_400_000);
    let rows = 0;
    const realmId = EMULATOR_DEFAULTS.realmIds[0];
    for (const entity of ENTITIES) {
      // Entities read whole (snapshots, tax codes and rates) are stored whole, whatever their
      // LastUpdatedTime: compare them with the whole entity.
      const whole = entity.read === 'whole';
      const truth = whole
        ? ((await (
            await fetch(
              `${emulatorUrl}/__emulator/truth?realmId=${realmId}&entity=${entity.qboName}&ids=true`,
            )
          ).json()) as { count: number; ids: string[] })
        : await fetchTruth(emulatorUrl, realmId, entity.name, from, to);
      const stored = await pool.query<{ id: string }>(
        whole
          ? `SELECT id FROM raw.${entity.table} WHERE realm_id = $1`
          : `SELECT id FROM raw.${entity.table} WHERE realm_id = $1 AND source_last_updated_utc >= $2 AND source_last_updated_utc < $3`,
        whole ? [realmId] : [realmId, from, to],
      );
      const storedIds = stored.rows.map((r) => r.id).sort();
      const truthIds = [...truth.ids].sort();
      assert(
        JSON.stringify(storedIds) === JSON.stringify(truthIds),
        `raw.${entity.table} holds ${storedIds.length} rows, the emulator ${truth.count}`,
      );
      rows += storedIds.length;
      log(`raw.${entity.table}: ${storedIds.length} = emulator truth`);
    }

    const stats = await emulatorStats(emulatorUrl);
    const realm = stats.realms[realmId];
    assert(realm, `the emulator saw no request for realm ${realmId}`);
    const requests = Object.values(realm.requests).reduce((a, b) => a + b, 0);
    const throttled = Object.values(stats.realms).reduce((n, r) => n + (r.requests['429'] ?? 0), 0);
    assert(
      throttled === 0,
      `the emulator answered ${throttled} requests with 429: the budget was not shared`,
    );
    log(`emulator: ${requests} requests, no 429, at most ${realm.maxConcurrentSeen} in flight`);

    const auth = `Basic ${Buffer.from(`admin:${secrets.dashboardPassword}`).toString('base64')}`;
    assert((await fetch(`${dashboardUrl}/metrics`)).status === 401, '/metrics answers without the login');
    const metrics = await (
      await fetch(`${dashboardUrl}/metrics`, { headers: { authorization: auth } })
    ).text();
    const windowsMetric = /^qbo_backfill_windows\{status="succeeded"\} (\d+)/m.exec(metrics)?.[1];
    assert(
      Number(windowsMetric) === jobs,
      `dashboard metrics: ${windowsMetric ?? 'no'} succeeded windows, expected ${jobs}`,
    );
    log(`dashboard /metrics (with login): qbo_backfill_windows{status="succeeded"} ${windowsMetric}`);

    console.log(
      `test:compose passed: ${jobs} windows, ${rows} rows = emulator truth, ${WORKERS} workers sharing ` +
        `${BUDGET_PER_MINUTE}/min: ${requests} requests, 0 x 429, max ${realm.maxConcurrentSeen} in flight, ` +
        `one worker drained in ${drainSeconds.toFixed(1)} s; wall time ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  } finally {
    await db?.end().catch(() => undefined);
    const down = await dc(['down', '--volumes', '--remove-orphans', '--timeout', '60'], {
      allowFailure: true,
    });
    if (down.code !== 0) console.error(`compose down failed: ${down.stderr.trim()}`);
    rmSync(secrets.dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(
    `test:compose FAILED after ${((Date.now() - started) / 1000).toFixed(0)} s: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exitCode = 1;
});
