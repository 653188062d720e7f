import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startEmulator } from '@qbo-backfill/emulator';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { ROOT, runCli, spawnCli, type CliProcess } from '../helpers/cli.js';
import { emulatorConfig, emulatorEnv, fetchTruth, rawIds, waitForRunEnd } from '../helpers/backfill.js';
import { getEntity } from '../../src/model/entities.js';
import { waitForRunStatus } from '../../src/backfill/state/index.js';
import { sample } from './metrics-text.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const USER = 'operator';
const PASSWORD = 'browser test';
const ENTITIES = ['invoices', 'customers', 'items'];
const FROM = new Date('2026-01-01T00:00:00Z');
const TO = new Date('2026-02-01T00:00:00Z');
/** Where the pages' screenshots go, for a person to look at. */
const SHOTS = path.join(ROOT, 'test-results');

/**
 * What a page did that it should not: an error in the console (a CSP refusal is one), and a
 * request to any host but the dashboard's own and `allowed` ones (fonts.googleapis.com, say).
 */
function watch(page: Page, dashboardUrl: string, allowed: string[] = []): string[] {
  const problems: string[] = [];
  const own = [new URL(dashboardUrl).host, ...allowed.map((u) => new URL(u).host)];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`${res.status()}: ${res.url()}`);
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (!['data:', 'blob:'].includes(url.protocol) && !own.includes(url.host))
      problems.push(`request: ${req.url()}`);
  });
  return problems;
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/**
 * An operator's day in a real browser: a January backfill of three entities whose items QBO
 * refuses to filter, so the circuit breaker halts the run; QBO is fixed, the operator logs in to
 * the dashboard, retries the failed jobs from Bull Board, and the run ends succeeded.
 */
void describe(
  'dashboard in a real browser (Chromium)',
  { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` },
  () => {
    let tdb: TestDatabase;
    let prefix: string;
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    let env: Record<string, string>;
    let realmId: string;
    let dashboard: CliProcess;
    let dashboardUrl: string;
    let browser: Browser;
    const workers: CliProcess[] = [];

    before(async () => {
      tdb = await createTestDatabase();
      prefix = uniquePrefix('browser');
      emulator = await startEmulator({
        port: 0,
        seed: 20260101,
        config: { requestsPerMinute: 5_000, unfilterableEntities: ['Item'] },
      });
      realmId = emulator.realmIds[0] as string;
      env = {
        ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
        QBO_REQUESTS_PER_MINUTE: '4800',
        DASHBOARD_USER: USER,
        DASHBOARD_PASSWORD: PASSWORD,
        WINDOW_ATTEMPTS: '1',
      };
      workers.push(
        spawnCli(['worker', '--concurrency', '3'], env),
        spawnCli(['worker', '--concurrency', '3'], env),
      );
      dashboard = spawnCli(['dashboard', '--port', '0', '--host', '127.0.0.1'], env);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(dashboard.output());
        if (match?.[1]) {
          dashboardUrl = match[1];
          break;
        }
        if (Date.now() > deadline) throw new Error(`dashboard did not start:\n${dashboard.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
    });

    after(async () => {
      await browser?.close();
      await Promise.all([...workers, dashboard].map((p) => p?.stop()));
      await emulator?.close();
      await deletePrefix(prefix);
      await tdb?.drop();
    });

    void it('answers 401 without the login: board, run pages and metrics', async () => {
      // A navigation that meets a login prompt has no credentials to offer in headless Chromium; the
      // browser's own request context shows what it got.
      const context = await browser.newContext();
      for (const p of ['/admin/queues', '/runs', '/metrics']) {
        const res = await context.request.get(`${dashboardUrl}${p}`);
        assert.equal(res.status(), 401, p);
        assert.equal(res.headers()['www-authenticate'], 'Basic realm="qbo-backfill", charset="UTF-8"');
      }
      await context.close();
    });

    void it('retries the failed jobs from Bull Board and the halted run ends succeeded', async () => {
      const enqueue = await runCli(
        [
          'enqueue',
          '--windows',
          'day',
          '--entities',
          ENTITIES.join(','),
          '--from',
          '2026-01-01',
          '--to',
          '2026-01-31',
          '--json',
        ],
        env,
      );
      assert.equal(enqueue.code, 0, enqueue.stderr);
      const { runId } = JSON.parse(enqueue.stdout) as { runId: string };
      // Three failed item windows trip the breaker; the rest of the run is skipped.
      assert.equal(await waitForRunEnd(tdb.db, runId, 120_000), 'halted');
      await emulatorConfig(emulator.url, { unfilterableEntities: [] });

      const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
      const page = await context.newPage();
      const problems = watch(page, dashboardUrl);
      await page.goto(`${dashboardUrl}/admin/queues/queue/backfill-windows?status=failed`);
      await page
        .getByText(/items 2026-01-\d\d realm/)
        .first()
        .waitFor({ timeout: 30_000 });
      const failedJobs = await page.getByText(/items 2026-01-\d\d realm/).count();
      // A failed job shows its message, which says what to do, not a stack of the worker's files.
      assert.match((await page.locator('body').textContent()) ?? '', /qbo-backfill retry --run/);
      assert.doesNotMatch((await page.locator('body').textContent()) ?? '', /window-job\.js:\d+/);
      assert.ok(failedJobs >= 3, `failed jobs listed: ${failedJobs}`);
      // The title and the status tabs read whole, in the system's fonts; times on a 24-hour UTC clock.
      assert.equal(await page.title(), 'qbo-backfill · emulator');
      /** Whether an element shows all it holds: nothing clipped or scrolled out of sight. */
      const whole = (e: { scrollWidth: number; clientWidth: number }) => e.scrollWidth <= e.clientWidth + 1;
      const title = page.getByText('qbo-backfill · emulator', { exact: true }).first();
      assert.ok(await title.evaluate(whole), 'the title is cut off');
      const tabs = page.locator('[class^="statusTabs-"]');
      assert.match((await tabs.textContent()) ?? '', /Latest.*Failed.*Delayed/i);
      assert.ok(await tabs.evaluate(whole), 'status tabs scroll out of sight');
      assert.match((await page.locator('body').textContent()) ?? '', /\d\d:\d\d:\d\d UTC/);
      assert.doesNotMatch((await page.locator('body').textContent()) ?? '', /\d:\d\d:\d\d [AP]M/);
      await shoot(page, 'bull-board-failed.png');
      await page.getByRole('button', { name: /retry all/i }).click();
      const confirm = page.getByRole('button', { name: /^(confirm|retry)$/i });
      if (await confirm.isVisible({ timeout: 2_000 }).catch(() => false)) await confirm.click();

      await waitForRunStatus(tdb.db, runId, (status) => status === 'succeeded', 120_000, 250);
      for (const entity of ENTITIES) {
        const truth = await fetchTruth(emulator.url, realmId, entity, FROM, TO);
        assert.deepEqual(await rawIds(tdb.db, entity, realmId, FROM, TO), [...truth.ids].sort(), entity);
      }

      await page.goto(`${dashboardUrl}/admin/queues/queue/backfill-windows?status=completed`);
      await page
        // Newest first, a page at a time: the last jobs done (the retried items) may fill it.
        .getByText(/(invoices|customers|items) 2026-01-\d\d realm/)
        .first()
        .waitFor({ timeout: 30_000 });
      await shoot(page, 'bull-board.png');

      await page.goto(`${dashboardUrl}/runs/${runId}`);
      await page.getByText(`Run ${runId}`).waitFor();
      assert.equal(await page.locator('.grid').count(), 3);
      assert.match((await page.locator('.banner').textContent()) ?? '', /Emulator mode/);
      assert.equal(await page.locator('.grid td[title]').count(), 93);
      assert.match((await page.locator('.badge').first().textContent()) ?? '', /succeeded/);
      // The page's script runs under the CSP (allowed by its hash): a click shows the day's counts.
      await page.locator('.grid td[title]').first().click();
      assert.match((await page.locator('#detail').textContent()) ?? '', /customers 2026-01-01: succeeded/);
      assert.equal(await page.locator('#detail').isVisible(), true);
      await shoot(page, 'run-page.png');

      await page.goto(`${dashboardUrl}/runs`);
      await page.getByText('Backfill runs').waitFor();
      assert.equal(await page.locator(`a[href="/runs/${runId}"]`).count(), 1);
      await shoot(page, 'runs.png');

      const sync = await runCli(
        ['sync', '--realm', realmId, '--entities', ENTITIES.join(','), '--once'],
        env,
      );
      assert.equal(sync.code, 0, sync.stderr);
      await page.goto(`${dashboardUrl}/sync`);
      await page.getByText(`Realm ${realmId}`).waitFor();
      assert.equal((await page.locator('.runs tr td:has-text("invoices")').count()) >= 1, true);
      await shoot(page, 'sync.png');
      assert.deepEqual(problems, []);
      await context.close();
    });

    void it('exports request and token counters summed over both worker processes', async () => {
      const stats = (await (await fetch(`${emulator.url}/__emulator/stats`)).json()) as {
        realms: Record<string, { requests: Record<string, number> }>;
      };
      const answered = stats.realms[realmId]?.requests['200'] ?? -1;
      // Workers add their counts to Redis once a second: wait for the last second's to land.
      let text = '';
      let ok: number[] = [];
      for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
        const res = await fetch(`${dashboardUrl}/metrics`, {
          headers: { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
        });
        text = await res.text();
        ok = ENTITIES.map(
          (entity) =>
            sample(text, 'qbo_backfill_qbo_requests_total', { realm: realmId, entity, status: '200' }) ?? 0,
        );
        if (ok.reduce((a, b) => a + b, 0) === answered) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      assert.ok(
        ok.every((n) => n > 0),
        text,
      );
      // Every 200 the emulator answered is counted once, whichever of the two workers sent it.
      assert.equal(
        ok.reduce((a, b) => a + b, 0),
        answered,
      );
      assert.ok(
        (sample(text, 'qbo_backfill_qbo_requests_total', {
          realm: realmId,
          entity: 'items',
          status: '400',
        }) ?? 0) >= 3,
      );
      assert.ok((sample(text, 'qbo_backfill_token_refreshes_total', { realm: realmId }) ?? 0) >= 1, text);
      assert.ok((sample(text, 'qbo_backfill_rate_limit_wait_seconds_count') ?? 0) > 0);
      assert.ok(
        (sample(text, 'qbo_backfill_rows_upserted_total', {
          entity: getEntity('invoices').name,
          outcome: 'inserted',
        }) ?? 0) > 0,
      );
    });

    void it("connects two companies from /connect with Intuit's button, and lists them with their token health", async () => {
      const second = emulator.realmIds[1] as string;
      const names = emulator.realmIds.map(
        (r) => emulator.getRecord(r, 'CompanyInfo', '1')?.CompanyName as string,
      );
      const context = await browser.newContext({ httpCredentials: { username: USER, password: PASSWORD } });
      const page = await context.newPage();
      // Intuit's authorize page is the emulator's here: the one other host the connect flow visits.
      const problems = watch(page, dashboardUrl, [emulator.url]);
      const tokensBefore = await tdb.db
        .selectFrom('ops.tokens')
        .select(['realm_id', 'refresh_token_enc'])
        .execute();

      // A forged callback: a page saying why, and nothing stored.
      const forged = await page.goto(
        `${dashboardUrl}/oauth/callback?code=AB11forged&state=forged&realmId=${second}`,
      );
      assert.equal(forged?.status(), 403);
      problems.length = 0; // the 403 itself is a console error
      assert.match(
        (await page.locator('body').textContent()) ?? '',
        /state is not this connection attempt's.*Nothing was stored/,
      );
      assert.deepEqual(
        await tdb.db.selectFrom('ops.tokens').select(['realm_id', 'refresh_token_enc']).execute(),
        tokensBefore,
      );

      // The person declines at Intuit.
      await emulatorConfig(emulator.url, { authorizeDecision: 'decline' });
      await page.goto(`${dashboardUrl}/connect`);
      await shoot(page, 'connect-empty.png');
      await page.getByRole('button', { name: 'Connect to QuickBooks' }).click();
      await page.getByText('the connection was declined at Intuit (access_denied).').waitFor();
      problems.length = 0; // the refusal page answers 4xx: a console error too
      await emulatorConfig(emulator.url, { authorizeDecision: 'consent' });

      // Consent, for each company in turn.
      for (const [i, realm] of emulator.realmIds.entries()) {
        await emulatorConfig(emulator.url, { authorizeRealmId: realm });
        await page.goto(`${dashboardUrl}/connect`);
        await page.getByRole('button', { name: 'Connect to QuickBooks' }).click();
        await page.waitForURL(`${dashboardUrl}/connect?connected=${realm}`);
        assert.equal(
          (await page.locator('p.ok').textContent())?.split(':')[0],
          `Connected realm ${realm} (${names[i]})`,
        );
      }
      const rows = page.locator('tr[data-realm]');
      assert.equal(await rows.count(), 2);
      for (const [i, realm] of emulator.realmIds.entries()) {
        const row = page.locator(`tr[data-realm="${realm}"]`);
        assert.equal(await row.locator('td').nth(1).textContent(), names[i]);
        assert.equal(await row.locator('.badge').textContent(), 'ok');
      }
      const stored = await tdb.db
        .selectFrom('ops.tokens')
        .select(['realm_id', 'company_name'])
        .orderBy('realm_id')
        .execute();
      assert.deepEqual(
        stored,
        emulator.realmIds.map((r, i) => ({ realm_id: r, company_name: names[i] })),
      );
      await shoot(page, 'connect-page.png');
      assert.deepEqual(problems, []);
      await context.close();
    });
  },
);
