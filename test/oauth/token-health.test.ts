import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/infra/logger.js';
import { saveRefreshedTokens, setRefreshToken } from '../../src/qbo/auth/token-store.js';
import { EXPIRY_WARNING_SECONDS, tokenHealth } from '../../src/qbo/auth/token-health.js';
import { startDashboard, type Dashboard } from '../../src/dashboard/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../helpers/cli.js';
import { sample } from '../dashboard/metrics-text.js';

const KEY_TEXT = 'health-test-encryption-key-0123456789abcdef';
const key = createHash('sha256').update(KEY_TEXT).digest();
const DAY = 86_400_000;
const T0 = new Date('2026-03-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
/** An everyday connection: the rolling expiry 101 days out, the hard one 5 years out. */
const FRESH = '4620816301';
const FRESH_ROLLING = at(8_726_400_000);
/** A connection near Intuit's 5-year limit: both expiries 20 days out (the rolling one is capped by it). */
const OLD = '4620816302';
const OLD_END = at(20 * DAY);

describe('token health: expiry warnings at the right times (injected clock)', () => {
  let tdb: TestDatabase;
  let env: Record<string, string | undefined>;

  before(async () => {
    tdb = await createTestDatabase();
    env = {
      DATABASE_URL: tdb.url,
      TOKEN_ENCRYPTION_KEY: KEY_TEXT,
      QBO_ENVIRONMENT: 'sandbox',
      QBO_REALM_ID: undefined,
    };
    for (const [realmId, rolling, hard] of [
      [FRESH, FRESH_ROLLING, at(5 * 365 * DAY)],
      [OLD, OLD_END, OLD_END],
    ] as const) {
      await setRefreshToken(tdb.db, key, realmId, `refresh-${realmId}`, { now: T0 });
      await saveRefreshedTokens(tdb.db, key, realmId, {
        accessToken: `access-${realmId}`,
        accessTokenExpiresAt: at(3_600_000),
        refreshToken: `refresh-${realmId}`,
        refreshTokenExpiresAt: rolling,
        refreshTokenHardExpiresAt: hard,
        rotated: false,
        refreshedAt: T0,
      });
    }
  });
  after(() => tdb.drop());

  async function statusAt(now: Date) {
    const r = await runCli(['auth', 'status', '--json'], env, { now: () => now });
    assert.equal(r.code, 0, r.stderr);
    const { realms } = JSON.parse(r.stdout) as {
      realms: { realmId: string; health: string; expiresInSeconds: number; warning: string | null }[];
    };
    return Object.fromEntries(realms.map((s) => [s.realmId, s]));
  }

  it('warns within 14 days of the rolling expiry, not a second before, and says expired after it', async () => {
    assert.equal(EXPIRY_WARNING_SECONDS, 14 * 86_400);
    const early = await statusAt(at(DAY));
    assert.deepEqual([early[FRESH]?.health, early[FRESH]?.warning], ['ok', null]);
    const justBefore = await statusAt(new Date(FRESH_ROLLING.getTime() - 14 * DAY - 1000));
    assert.equal(justBefore[FRESH]?.health, 'ok');
    assert.equal(justBefore[FRESH]?.expiresInSeconds, 14 * 86_400 + 1);
    const fourteen = await statusAt(new Date(FRESH_ROLLING.getTime() - 14 * DAY));
    assert.equal(fourteen[FRESH]?.health, 'expiring');
    assert.equal(
      fourteen[FRESH]?.warning,
      `realm ${FRESH}: the refresh token expires at 2026-06-10T00:00:00Z (in 14d 0h) unless it is refreshed before then: any run for the realm refreshes it, or connect the company again with qbo-backfill auth connect`,
    );
    const past = await statusAt(FRESH_ROLLING);
    assert.equal(past[FRESH]?.health, 'expired');
    assert.equal(
      past[FRESH]?.warning,
      `realm ${FRESH}: the refresh token expired at 2026-06-10T00:00:00Z (unused for 100 days, or refused by Intuit): connect the company again with qbo-backfill auth connect`,
    );
  });

  it('names the 5-year hard limit when it comes first, in the table and its warning lines', async () => {
    const r = await runCli(['auth', 'status'], env, { now: () => at(6 * DAY) });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(
      lines[0] ?? '',
      /^realm +company +connected since \(UTC\) +last refresh \(UTC\) +refresh token age +rolling expiry \(UTC\) +hard expiry \(UTC\) +access token expires in +health$/,
    );
    assert.match(
      r.stdout,
      new RegExp(
        `^${OLD} +- +2026-03-01T00:00:00Z +2026-03-01T00:00:00Z +6d 0h +2026-03-21T00:00:00Z +2026-03-21T00:00:00Z +expired +expiring$`,
        'm',
      ),
    );
    assert.match(r.stdout, new RegExp(`^${FRESH} .* 2031-02-28T00:00:00Z +expired +ok$`, 'm'));
    assert.deepEqual(
      lines.filter((l) => l.startsWith('warning: ')),
      [
        `warning: realm ${OLD}: the connection reaches Intuit's 5-year limit at 2026-03-21T00:00:00Z (in 14d 0h): connect the company again with qbo-backfill auth connect before then`,
      ],
    );
    const day19 = await statusAt(at(19 * DAY));
    assert.equal(day19[OLD]?.health, 'expiring');
    const day20 = await statusAt(at(20 * DAY));
    assert.equal(day20[OLD]?.health, 'expired');
    assert.match(day20[OLD]?.warning ?? '', /reached Intuit's 5-year limit at 2026-03-21T00:00:00Z/);
  });

  it('an expiry Intuit has not reported yet is no warning', () => {
    const health = tokenHealth(
      { realmId: '1', refreshTokenExpiresAt: null, refreshTokenHardExpiresAt: null },
      T0,
    );
    assert.deepEqual(health, { state: 'ok', next: null, warning: null });
  });

  describe('on the dashboard', () => {
    let dashboard: Dashboard;
    let prefix: string;
    const auth = { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` };

    before(async () => {
      prefix = uniquePrefix('health');
      const config = parseConfig({
        DATABASE_URL: tdb.url,
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: prefix,
        TOKEN_ENCRYPTION_KEY: KEY_TEXT,
        DASHBOARD_USER: 'ops',
        DASHBOARD_PASSWORD: 'pw',
      });
      dashboard = await startDashboard({
        config,
        port: 0,
        host: '127.0.0.1',
        logger: createLogger({ level: 'silent' }),
        now: () => at(6 * DAY),
      });
    });
    after(async () => {
      await dashboard.close();
      await deletePrefix(prefix);
    });

    it('/metrics gives the seconds left until each expiry of each realm', async () => {
      const text = await (await fetch(`${dashboard.url}/metrics`, { headers: auth })).text();
      const left = (realm: string, expiry: string) =>
        sample(text, 'qbo_backfill_refresh_token_expires_in_seconds', { realm, expiry });
      assert.equal(left(FRESH, 'rolling'), 8_726_400 - 6 * 86_400);
      assert.equal(left(FRESH, 'hard'), 5 * 365 * 86_400 - 6 * 86_400);
      assert.equal(left(OLD, 'rolling'), 14 * 86_400);
      assert.equal(left(OLD, 'hard'), 14 * 86_400);
    });

    it('/connect lists every connected company with its token health, behind the login', async () => {
      assert.equal((await fetch(`${dashboard.url}/connect`)).status, 401);
      const res = await fetch(`${dashboard.url}/connect`, { headers: auth });
      assert.equal(res.status, 200);
      const html = await res.text();
      const row = (realm: string) =>
        new RegExp(`<tr data-realm="${realm}">[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';
      assert.match(row(FRESH), />ok</);
      assert.match(row(OLD), />expiring</);
      assert.match(row(OLD), /reaches Intuit&#39;s 5-year limit at 2026-03-21T00:00:00Z \(in 14d 0h\)/);
      // Sandbox without the app's credentials: the list shows, connecting says what is missing.
      assert.match(html, /Connecting is off: QBO_CLIENT_ID: required to connect a company/);
      const start = await fetch(`${dashboard.url}/connect/start`, {
        method: 'POST',
        headers: auth,
        redirect: 'manual',
      });
      assert.equal(start.status, 503);
    });
  });
});
