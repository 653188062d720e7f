import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { QUEUE_NAME } from '../../src/infra/queue.js';
import { readTokens } from '../../src/qbo/auth/token-store.js';
import { startWorker } from '../../src/worker/worker-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { runCli } from '../helpers/cli.js';
import { emulatorEnv, waitForRunEnd } from '../helpers/backfill.js';
import { connectThroughCli } from '../helpers/oauth.js';
import { refresh } from '../helpers/emulator-http.js';

const ENQUEUE = ['enqueue', '--entities', 'invoices', '--from', '2026-02-01', '--to', '2026-02-03', '--json'];

describe('qbo-backfill auth disconnect', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let env: Record<string, string>;
  let realmId: string;
  let companyName: string;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('disconnect');
    queue = new Queue(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    // The initial token is offered to the workers (QBO_REFRESH_TOKEN), and opens every realm of the
    // emulator: only the remembered disconnection can keep a disconnected realm closed.
    emulator = await startEmulator({ port: 0, seed: 22, refreshToken: 'bootstrap-token' });
    realmId = emulator.realmIds[0] as string;
    companyName = emulator.getRecord(realmId, 'CompanyInfo', '1')?.CompanyName as string;
    env = {
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
      QBO_REFRESH_TOKEN: 'bootstrap-token',
    };
  });
  after(async () => {
    await queue.close();
    await emulator.close();
    await deletePrefix(prefix);
    await tdb.drop();
  });

  const runCount = async () =>
    Number(
      (
        await tdb.db
          .selectFrom('ops.runs')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('revokes the token at Intuit, deletes it, and refuses every later run for the realm', async () => {
    await connectThroughCli(env);
    const config = parseConfig({ ...env, LOG_LEVEL: 'silent' });
    const stored = await readTokens(tdb.db, config.tokenEncryptionKey as Buffer, realmId);
    assert.ok(stored);
    // A run already queued before the disconnection, its worker not started yet.
    const queued = await runCli(ENQUEUE, env);
    assert.equal(queued.code, 0, queued.stderr);
    const { runId } = JSON.parse(queued.stdout) as { runId: string };

    const r = await runCli(['auth', 'disconnect', '--realm', realmId], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `disconnected realm ${realmId} (${companyName}): Intuit revoked its token, and it was deleted from the store; runs for this realm are refused until it is connected again (qbo-backfill auth connect)\n`,
    );
    // Revoked at Intuit: the refresh token is refused there from now on.
    assert.equal(
      (JSON.parse((await refresh(emulator, stored.refreshToken)).text) as { error: string }).error,
      'invalid_grant',
    );
    assert.equal((await tdb.db.selectFrom('ops.tokens').selectAll().execute()).length, 0);
    const remembered = await tdb.db
      .selectFrom('ops.disconnected_realms')
      .selectAll()
      .executeTakeFirstOrThrow();
    assert.equal(remembered.realm_id, realmId);
    assert.equal(remembered.company_name, companyName);
    assert.equal(remembered.revocation, 'revoked');
    const when = remembered.disconnected_at.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const refusal = `realm ${realmId} (${companyName}) was disconnected at ${when} (qbo-backfill auth disconnect): connect it again with qbo-backfill auth connect before running it`;

    // A new run: refused before anything is recorded or queued.
    const runsBefore = await runCount();
    const refused = await runCli(ENQUEUE, env);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr, `qbo-backfill enqueue: ${refusal}\n`);
    assert.equal(await runCount(), runsBefore);

    // The run queued before: its worker refuses it too, though QBO_REFRESH_TOKEN would open the realm.
    const worker = startWorker({ config, logger: pino({ level: 'silent' }), concurrency: 2 });
    try {
      assert.equal(await waitForRunEnd(tdb.db, runId, 60_000), 'halted');
    } finally {
      await worker.close();
    }
    const run = await tdb.db
      .selectFrom('ops.runs')
      .select('status_reason')
      .where('run_id', '=', runId)
      .executeTakeFirstOrThrow();
    assert.equal(run.status_reason, refusal);
    assert.equal((await tdb.db.selectFrom('ops.tokens').selectAll().execute()).length, 0, 'no bootstrap');

    const status = await runCli(['auth', 'status'], env);
    assert.match(
      status.stdout,
      new RegExp(`^disconnected: realm ${realmId} \\(.+\\) at ${when}; its runs are refused$`, 'm'),
    );

    // Connected again: runs are accepted.
    await connectThroughCli(env);
    assert.equal((await tdb.db.selectFrom('ops.disconnected_realms').selectAll().execute()).length, 0);
    const accepted = await runCli(
      ['enqueue', '--entities', 'customers', '--from', '2026-02-01', '--to', '2026-02-03'],
      env,
    );
    assert.equal(accepted.code, 0, accepted.stderr);
  });

  it('exits 2 for a realm that is not connected, and for a missing --realm, changing nothing', async () => {
    const unknown = await runCli(['auth', 'disconnect', '--realm', '4620816399'], env);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      'qbo-backfill auth: realm 4620816399 is not connected: no token is stored for it (qbo-backfill auth status lists the connected realms)\n',
    );
    const missing = await runCli(['auth', 'disconnect'], env);
    assert.equal(missing.code, 2);
    assert.equal(
      missing.stderr,
      'qbo-backfill auth: --realm is required; usage: qbo-backfill auth disconnect --realm ID\n',
    );
    const bad = await runCli(['auth', 'disconnect', '--realm', 'abc'], env);
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      'qbo-backfill auth: --realm: expected a numeric company (realm) id, got "abc"\n',
    );

    // Disconnected twice: the second one says when the first one was.
    const other = emulator.realmIds[1] as string;
    const set = await runCli(['auth', 'set', '--realm', other], env, {
      stdin: 'a-token-intuit-never-issued',
    });
    assert.equal(set.code, 0, set.stderr);
    const first = await runCli(['auth', 'disconnect', '--realm', other], env);
    assert.equal(first.code, 0, first.stderr);
    // Intuit no longer knew that token: nothing to revoke, and the stored copy is gone all the same.
    assert.match(
      first.stdout,
      /^disconnected realm \d+: Intuit no longer knew its token, and it was deleted from the store;/,
    );
    const second = await runCli(['auth', 'disconnect', '--realm', other], env);
    assert.equal(second.code, 2);
    assert.match(
      second.stderr,
      new RegExp(`^qbo-backfill auth: realm ${other} is not connected: it was disconnected at \\S+Z\\n$`),
    );
    const row = await tdb.db
      .selectFrom('ops.disconnected_realms')
      .select('revocation')
      .where('realm_id', '=', other)
      .executeTakeFirstOrThrow();
    assert.equal(row.revocation, 'already-invalid');
    // auth set connects it again.
    assert.equal((await runCli(['auth', 'set', '--realm', other], env, { stdin: 'another-token' })).code, 0);
    assert.equal(
      (await tdb.db.selectFrom('ops.disconnected_realms').selectAll().where('realm_id', '=', other).execute())
        .length,
      0,
    );
  });
});
