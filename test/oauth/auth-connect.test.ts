import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { readTokens } from '../../src/qbo/auth/token-store.js';
import { startWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli, type InProcessCli } from '../helpers/cli.js';
import { callBack, consent, startConnect } from '../helpers/oauth.js';
import { emulatorEnv, emulatorStats, fetchTruth, rawIds, waitForRunEnd } from '../helpers/backfill.js';
import { basicAuth } from '../helpers/emulator-http.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/**
 * `auth connect` against the emulator, with no token copied by hand: the emulator's initial
 * refresh token is one nobody is told, so the only way in is the authorization code flow.
 */
describe('qbo-backfill auth connect', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let emulator: Emulator;
  let env: Record<string, string>;
  let realmId: string;
  let otherRealm: string;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('connect');
    emulator = await startEmulator({ port: 0, seed: 21, refreshToken: 'known-to-no-one' });
    realmId = emulator.realmIds[0] as string;
    otherRealm = emulator.realmIds[1] as string;
    env = emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId);
  });
  after(async () => {
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  const tokenRows = async () => (await tdb.db.selectFrom('ops.tokens').select('realm_id').execute()).length;

  const connecting = (args: string[] = [], extra: Record<string, string> = {}) =>
    startConnect({ ...env, ...extra }, args);

  const refusals = (cli: InProcessCli) =>
    cli
      .stderr()
      .split('\n')
      .filter((l) => l.includes('callback refused'));

  it('refuses bad flags and configuration with one line, before listening', async () => {
    const SANDBOX = {
      QBO_ENVIRONMENT: 'sandbox',
      QBO_BASE_URL: '',
      QBO_TOKEN_URL: '',
      QBO_REALM_ID: '',
      TOKEN_ENCRYPTION_KEY: 'k'.repeat(40),
    };
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['--timeout', '10x'],
        {},
        '--timeout: expected a duration such as 90s, 10m or 1h, from 1 s to 24 h, got "10x"',
      ],
      [['--port', '70000'], {}, '--port: expected an integer from 0 to 65535, got "70000"'],
      [
        ['--nope'],
        {},
        'unknown option --nope; usage: qbo-backfill auth connect [--port 8765] [--no-open] [--timeout 10m]',
      ],
      [
        [],
        { ...SANDBOX, QBO_REDIRECT_URI: 'http://localhost:8765/callback' },
        "QBO_CLIENT_ID: required to connect a company (the app's client id at developer.intuit.com); to try the product without an Intuit app, set QBO_ENVIRONMENT=emulator (and run qbo-backfill emulator)",
      ],
      [
        ['--port', '9000'],
        SANDBOX,
        'QBO_REDIRECT_URI: required with QBO_ENVIRONMENT=sandbox: Intuit does not redirect to an IP address such as the default http://127.0.0.1:9000/callback; register http://localhost:9000/callback (development keys) or an https URI in the app, and set it here',
      ],
      [
        [],
        { QBO_REDIRECT_URI: 'ftp://127.0.0.1/callback' },
        'QBO_REDIRECT_URI: expected an absolute http(s) URL without query or fragment, exactly as registered in the Intuit app (e.g. https://dashboard.example.com/oauth/callback)',
      ],
      [
        [],
        { ...SANDBOX, QBO_REDIRECT_URI: 'http://connect.example.com/callback' },
        'QBO_REDIRECT_URI: expected an https URL: Intuit accepts plain http only for localhost',
      ],
      [
        [],
        { ...SANDBOX, QBO_ENVIRONMENT: 'production', QBO_REDIRECT_URI: 'http://localhost:8765/callback' },
        'QBO_REDIRECT_URI: expected an https URL: Intuit redirects production apps to https URIs only',
      ],
      [
        [],
        { ...SANDBOX, QBO_REDIRECT_URI: 'https://10.0.0.7/callback' },
        'QBO_REDIRECT_URI: expected a host name: Intuit does not redirect to IP addresses (use localhost on a development machine)',
      ],
    ];
    for (const [args, extra, line] of cases) {
      const r = await runCli(['auth', 'connect', '--no-open', ...args], { ...env, ...extra });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, `qbo-backfill auth: ${line}\n`);
      assert.equal(r.stdout, '');
    }
    assert.equal(await tokenRows(), 0);
  });

  it('exits 1 at --timeout, having stored nothing', async () => {
    const { cli } = await connecting(['--timeout', '1s']);
    assert.equal(await cli.exited, 1);
    assert.equal(
      cli.stderr(),
      'qbo-backfill auth: no company was connected within 1s (--timeout); nothing was stored\n',
    );
    assert.equal(await tokenRows(), 0);
  });

  it('answers forged and bad callbacks with a 4xx page saying why, stores nothing, and keeps waiting', async () => {
    const { cli, authorize, state } = await connecting(['--timeout', '2m']);
    const redirect = new URL(authorize.searchParams.get('redirect_uri') as string);
    assert.match(redirect.toString(), /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.match(state, /^[\w-]{43}$/);
    assert.deepEqual(Object.fromEntries(authorize.searchParams), {
      client_id: emulator.clientId,
      response_type: 'code',
      scope: 'com.intuit.quickbooks.accounting',
      redirect_uri: redirect.toString(),
      state,
    });
    const at = (query: Record<string, string>) => {
      const url = new URL(redirect);
      url.search = new URLSearchParams(query).toString();
      return url;
    };
    const page = async (url: URL | string, status: number, text: string) => {
      const res = await callBack(url);
      assert.equal(res.status, status, res.text);
      assert.ok(res.text.includes(text), res.text);
      assert.equal(await tokenRows(), 0);
    };
    const goodCode = async () => (await consent(authorize.toString())).searchParams.get('code') as string;

    // No state, or one this attempt did not make.
    await page(at({ code: await goodCode(), realmId }), 400, 'the callback has no state');
    await page(
      at({ code: await goodCode(), realmId, state: 'x'.repeat(43) }),
      403,
      'is not this connection attempt&#39;s',
    );
    // The person declines at Intuit.
    emulator.setConfig({ authorizeDecision: 'decline' });
    await page(
      await consent(authorize.toString()),
      403,
      'the connection was declined at Intuit (access_denied)',
    );
    emulator.setConfig({ authorizeDecision: 'consent' });
    // A code issued for another redirect_uri.
    const elsewhere = new URL(authorize);
    elsewhere.searchParams.set('redirect_uri', 'http://127.0.0.1:9/elsewhere');
    const strayCode = (await consent(elsewhere.toString())).searchParams.get('code') as string;
    await page(
      at({ code: strayCode, state, realmId }),
      400,
      'Intuit refused the authorization code (invalid_grant)',
    );
    // A code used already.
    const spent = await goodCode();
    const used = await fetch(emulator.tokenUrl, {
      method: 'POST',
      headers: { authorization: basicAuth(emulator.clientId, emulator.clientSecret) },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: spent,
        redirect_uri: redirect.toString(),
      }),
    });
    assert.equal(used.status, 200);
    await page(
      at({ code: spent, state, realmId }),
      400,
      'Intuit refused the authorization code (invalid_grant)',
    );
    // A callback naming another company than the one consented to.
    const before = await emulatorStats(emulator.url);
    await page(
      at({ code: await goodCode(), state, realmId: otherRealm }),
      400,
      `does not open realm ${otherRealm}`,
    );
    // The token issued for the mismatch was revoked, not left connected at Intuit.
    const revokes = (await emulatorStats(emulator.url)).token?.requests['200'] ?? 0;
    assert.equal(revokes - (before.token?.requests['200'] ?? 0), 2, 'one exchange and one revocation');

    assert.deepEqual(refusals(cli), [
      'qbo-backfill auth connect: callback refused: the callback has no state, so it cannot be tied to a connection attempt (a forged or hand-made link); nothing was stored (still waiting)',
      "qbo-backfill auth connect: callback refused: the callback's state is not this connection attempt's (a forged callback, or a link from another attempt); nothing was stored (still waiting)",
      'qbo-backfill auth connect: callback refused: the connection was declined at Intuit (access_denied); nothing was stored (still waiting)',
      'qbo-backfill auth connect: callback refused: Intuit refused the authorization code (invalid_grant): it was used already, has expired (codes live 10 minutes), or was issued for another redirect_uri; nothing was stored (still waiting)',
      'qbo-backfill auth connect: callback refused: Intuit refused the authorization code (invalid_grant): it was used already, has expired (codes live 10 minutes), or was issued for another redirect_uri; nothing was stored (still waiting)',
      `qbo-backfill auth connect: callback refused: the token Intuit issued does not open realm ${otherRealm} (HTTP 403, code 3201): the callback's realmId is not the company that was authorized; nothing was stored (still waiting)`,
    ]);
    // Still waiting: the person's own consent connects the company.
    const good = await callBack(await consent(authorize.toString()));
    assert.equal(good.status, 200, good.text);
    assert.equal(await cli.exited, 0, cli.stderr());
    assert.equal(await tokenRows(), 1);
    await tdb.db.deleteFrom('ops.tokens').execute();
  });

  it('an error answer of Intuit at the exchange (invalid_client) is one line and stores nothing', async () => {
    const { cli, authorize } = await connecting(['--timeout', '5s'], { QBO_CLIENT_SECRET: 'not-the-secret' });
    const res = await callBack(await consent(authorize.toString()));
    assert.equal(res.status, 502);
    assert.deepEqual(refusals(cli), [
      "qbo-backfill auth connect: callback refused: Intuit refused the app's credentials (invalid_client): check QBO_CLIENT_ID and QBO_CLIENT_SECRET; nothing was stored (still waiting)",
    ]);
    assert.equal(await tokenRows(), 0);
    // Still waiting, but with a secret that is wrong for good: it times out.
    assert.equal(await cli.exited, 1);
  });

  it('connects the company, stores its tokens encrypted, and a backfill runs with them', async () => {
    const { cli, authorize } = await connecting();
    const callback = await consent(authorize.toString());
    assert.equal(callback.searchParams.get('realmId'), realmId);
    const page = await callBack(callback);
    assert.equal(page.status, 200);
    assert.equal(await cli.exited, 0, cli.stderr());
    const companyName = emulator.getRecord(realmId, 'CompanyInfo', '1')?.CompanyName as string;
    assert.ok(companyName);
    assert.ok(cli.stdout().endsWith(`connected realm ${realmId} (${companyName})\n`), cli.stdout());
    assert.ok(page.text.includes(`Connected realm ${realmId}`));

    const row = await tdb.db.selectFrom('ops.tokens').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.realm_id, realmId);
    assert.equal(row.company_name, companyName);
    const seconds = (a: Date | null, b: Date) => ((a?.getTime() ?? NaN) - b.getTime()) / 1000;
    assert.equal(seconds(row.refresh_token_expires_at, row.connected_at), 8_726_400);
    assert.equal(seconds(row.refresh_token_hard_expires_at, row.connected_at), 5 * 365 * 86_400);
    const config = parseConfig({ ...env, LOG_LEVEL: 'silent' });
    const stored = await readTokens(tdb.db, config.tokenEncryptionKey as Buffer, realmId);
    assert.match(stored?.refreshToken ?? '', /^RT1-/);
    assert.ok(!row.refresh_token_enc.includes(stored?.refreshToken ?? '?'));
    assert.ok(
      !cli.stdout().includes(stored?.refreshToken ?? '?') &&
        !cli.stderr().includes(stored?.refreshToken ?? '?'),
    );

    // Spend the access token the exchange gave, so the workers must refresh with the stored refresh token.
    await tdb.db.updateTable('ops.tokens').set({ access_token_enc: null }).execute();
    const tokenCallsBefore = (await emulatorStats(emulator.url)).token?.requests ?? {};
    const worker = startWorker({ config, logger: pino({ level: 'silent' }), concurrency: 3 });
    try {
      const enqueue = await runCli(
        'enqueue --entities invoices,customers --from 2026-01-01 --to 2026-01-10 --json'.split(' '),
        env,
      );
      assert.equal(enqueue.code, 0, enqueue.stderr);
      const { runId } = JSON.parse(enqueue.stdout) as { runId: string };
      assert.equal(await waitForRunEnd(tdb.db, runId, 60_000), 'succeeded');
    } finally {
      await worker.close();
    }
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-01-11T00:00:00Z');
    for (const entity of ['invoices', 'customers']) {
      const truth = await fetchTruth(emulator.url, realmId, entity, from, to);
      assert.ok(truth.count > 0);
      assert.deepEqual(await rawIds(tdb.db, entity, realmId, from, to), [...truth.ids].sort(), entity);
    }
    // One refresh, with the connected realm's refresh token (the initial one is known to no one).
    const tokenCalls = (await emulatorStats(emulator.url)).token?.requests ?? {};
    assert.equal((tokenCalls['200'] ?? 0) - (tokenCallsBefore['200'] ?? 0), 1);
    assert.equal(tokenCalls['400'] ?? 0, tokenCallsBefore['400'] ?? 0);
  });
});
