/**
 * The webhook route's tests: the dashboard started with a verifier token over fresh stores (two
 * realms connected), the sync queue it fills, a signed POST as Intuit sends it, and what those
 * tests read back (the queue's jobs, the deliveries metric).
 */
import { after, before, beforeEach } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../helpers/db.js';
import { freshStores } from '../helpers/stores.js';
import { deletePrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { encryptionKey, parseConfig, type Env } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { createSyncQueue } from '../../src/sync/sync-queue.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { signWebhookBody } from '../../src/dashboard/webhook-signature.js';
import { sample } from './metrics-text.js';

export const USER = 'operator';
export const PASSWORD = 'webhook-test-password';
export const AUTH = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
export const VERIFIER = 'f3c1a9e2-5b7d-4c1e-9a0b-webhook-verifier';
export const KEY_TEXT = 'webhook-test-token-encryption-key-0123456789';
export const REALM_A = '9130354000000001';
export const REALM_B = '9130354000000002';
/** Connected to the app at Intuit, but never to the product: no token stored. */
export const REALM_UNKNOWN = '9130354000000099';
export const DEBOUNCE_MS = 60_000;
export const logger = createLogger({ level: 'silent' });

/** One CloudEvent as Intuit sends it (field names from Intuit's CloudEvents format). */
export function cloudEvent(realmId: string, entityId = '95', type = 'qbo.invoice.created.v1') {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: 'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
    type,
    datacontenttype: 'application/json',
    time: '2026-03-02T21:31:25.179Z',
    intuitentityid: entityId,
    intuitaccountid: realmId,
    data: {},
  };
}

export interface Posted {
  status: number;
  body: unknown;
}

/** POSTs a body to the route, signed with `token` unless a signature is given (null: no header). */
export async function post(
  url: string,
  body: string,
  options: { token?: string; signature?: string | null } = {},
): Promise<Posted> {
  const signature =
    options.signature === undefined ? signWebhookBody(body, options.token ?? VERIFIER) : options.signature;
  const res = await fetch(`${url}/webhooks/intuit`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'intuit-signature': signature }),
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

export interface WebhookDashboard {
  tdb: TestDatabase;
  prefix: string;
  env: Env;
  dashboard: Dashboard;
  queue: ReturnType<typeof createSyncQueue>;
  /** The sync queue's jobs by realm: realm, trigger, delay. */
  jobs: () => Promise<{ realmId: string; trigger: string; delay: number | undefined }[]>;
  /** The deliveries counter of an outcome, read from /metrics. */
  metric: (outcome: string) => Promise<number | undefined>;
}

/** Starts the dashboard before the enclosing tests; each test starts with no job and no event seen. */
export function useWebhookDashboard(): WebhookDashboard {
  const w = {} as WebhookDashboard;

  w.jobs = async () => {
    const all = await w.queue.getJobs(['waiting', 'delayed', 'active', 'prioritized']);
    return all
      .map((j) => ({ realmId: j.data.realmId, trigger: j.data.trigger, delay: j.opts.delay }))
      .sort((a, b) => a.realmId.localeCompare(b.realmId));
  };
  w.metric = async (outcome: string) => {
    const res = await fetch(`${w.dashboard.url}/metrics`, { headers: AUTH });
    return sample(await res.text(), 'qbo_backfill_webhook_deliveries_total', { outcome });
  };

  before(async () => {
    const stores = await freshStores('webhooks');
    w.tdb = stores.tdb;
    w.prefix = stores.prefix;
    w.env = {
      ...stores.env,
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
      TOKEN_ENCRYPTION_KEY: KEY_TEXT,
      QBO_WEBHOOK_VERIFIER_TOKEN: VERIFIER,
    };
    const key = encryptionKey(KEY_TEXT) as Buffer;
    for (const realm of [REALM_A, REALM_B]) await setRefreshToken(w.tdb.db, key, realm, `token-${realm}`);
    w.dashboard = await startDashboard({
      config: parseConfig(w.env),
      port: 0,
      host: '127.0.0.1',
      logger,
      webhookDebounceMs: DEBOUNCE_MS,
    });
    w.queue = createSyncQueue({ url: TEST_REDIS_URL }, w.prefix);
  });
  beforeEach(async () => {
    // Each case starts with no job and no event seen.
    await deletePrefix(w.prefix);
  });
  after(async () => {
    await w.dashboard?.close();
    await w.queue?.close();
    await deletePrefix(w.prefix);
    await w.tdb?.drop();
  });

  return w;
}
