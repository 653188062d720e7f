import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, type Job } from 'bullmq';
import { pino } from 'pino';
import { startEmulator } from '../../src/emulator/index.js';
import { parseConfig } from '../../src/shared/config.js';
import { QUEUE_NAME, windowJobId, type WindowJobData } from '../../src/shared/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/producer/enqueue.js';
import { AccessTokenProvider } from '../../src/workers/access-tokens.js';
import { QboClient } from '../../src/workers/qbo/qbo-client.js';
import { processWindow, type QboQuery } from '../../src/workers/window-job.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorEnv, fetchTruth, rawIds } from '../helpers/backfill.js';

const silent = pino({ level: 'silent' });

/**
 * Records that change while a window is paged move to "now", out of the window, and shift every
 * later row one position down: offset paging then skips a record without any error. The window
 * loop must notice (each page overlaps the previous one by a row), read the window again, and
 * report what it could not settle.
 */
describe('reconciliation of windows whose rows move while they are paged', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let queue: Queue<WindowJobData>;
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let tokens: AccessTokenProvider;
  let client: QboClient;
  let realmId: string;

  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('recon');
    queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    // The large profile: about 1,000 invoices a day, so a window spans many pages of 100.
    emulator = await startEmulator({ port: 0, profile: 'large', seed: 77 });
    realmId = emulator.realmIds[0] as string;
    const config = parseConfig({
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
      LOG_LEVEL: 'silent',
    });
    tokens = new AccessTokenProvider({
      db: tdb.db,
      tokenUrl: config.qbo.tokenUrl,
      clientId: emulator.clientId,
      clientSecret: emulator.clientSecret,
      encryptionKey: config.tokenEncryptionKey as Buffer,
      initialRefreshToken: emulator.refreshToken,
      logger: silent,
    });
    client = new QboClient({
      baseUrl: emulator.url,
      scheduler: { schedule: (_realm, fn) => fn() },
      tokens,
      logger: silent,
    });
  });
  after(async () => {
    await tokens.close();
    await queue.close();
    await deletePrefix(prefix);
    await emulator.close();
    await tdb.drop();
  });

  /** Creates the run and returns a stand-in for the BullMQ job of its one window. */
  async function windowJob(day: string): Promise<Job<WindowJobData>> {
    const from = new Date(`${day}T00:00:00Z`);
    const plan = planBackfill({
      realmId,
      entities: ['invoices'],
      from,
      to: new Date(from.getTime() + 86_400_000),
      startAt: new Date(Date.now() + 3_600_000),
      pageSize: 100,
    });
    const run = await enqueueBackfill(tdb.db, queue, plan);
    const data: WindowJobData = {
      runId: run.runId,
      realmId,
      entity: 'invoices',
      day,
      windowStart: from.toISOString(),
      windowEnd: new Date(from.getTime() + 86_400_000).toISOString(),
      pageSize: 100,
    };
    return {
      id: windowJobId(run.runId, 'invoices', day, 0),
      data,
      opts: { attempts: 1 },
      attemptsMade: 0,
      updateProgress: () => Promise.resolve(),
      log: () => Promise.resolve(0),
      moveToDelayed: () => Promise.resolve(),
    } as unknown as Job<WindowJobData>;
  }

  /**
   * The real client over HTTP, plus a change at the source: right after the first page of a pass
   * is served, two of its records are updated (they leave the window), as happens when a user edits
   * invoices during a backfill.
   */
  function touchingClient(passesToDisturb: number, idsByPass: string[][]): QboQuery {
    let pass = -1;
    return {
      async query(realm, statement) {
        const result = await client.query(realm, statement);
        const firstPage = statement.startsWith('SELECT * ') && / STARTPOSITION 1 /.test(statement);
        if (firstPage) {
          pass++;
          idsByPass.push([]);
        }
        const rows = (result.queryResponse.Invoice ?? []) as { Id: string }[];
        if (statement.startsWith('SELECT * ')) idsByPass[pass]?.push(...rows.map((r) => r.Id));
        if (firstPage && pass < passesToDisturb) {
          for (const row of rows.slice(10, 12))
            emulator.touchRecord({ realmId: realm, entity: 'Invoice', id: row.Id });
        }
        return result;
      },
    };
  }

  it('notices the shift, reads the window again, and loses no record', async () => {
    const job = await windowJob('2025-06-03');
    const idsByPass: string[][] = [];
    const outcome = await processWindow(job, undefined, {
      db: tdb.db,
      qbo: touchingClient(1, idsByPass),
      logger: silent,
    });
    assert.equal(outcome.status, 'succeeded');

    const from = new Date('2025-06-03T00:00:00Z');
    const to = new Date('2025-06-04T00:00:00Z');
    const truth = await fetchTruth(emulator.url, realmId, 'invoices', from, to);
    assert.ok(truth.count > 500, `a busy day: ${truth.count}`);
    // The first pass alone really did skip records that are still in the window...
    const firstPass = new Set(idsByPass[0]);
    const missedByFirstPass = truth.ids.filter((id) => !firstPass.has(id));
    assert.ok(missedByFirstPass.length > 0, 'offset paging skipped a record in the disturbed pass');
    // ...and the re-read found every one of them.
    const stored = new Set(await rawIds(tdb.db, 'invoices', realmId, from, to));
    assert.deepEqual(
      truth.ids.filter((id) => !stored.has(id)),
      [],
    );
    const w = await tdb.db
      .selectFrom('ops.windows')
      .selectAll()
      .where('run_id', '=', job.data.runId)
      .executeTakeFirstOrThrow();
    assert.equal(w.reread_passes, 1);
    assert.equal(w.error, null);
    assert.equal(w.source_count, truth.count);
  });

  it('reports what is still unsettled after every re-read, never hiding it', async () => {
    const job = await windowJob('2025-06-05');
    const outcome = await processWindow(job, undefined, {
      db: tdb.db,
      qbo: touchingClient(99, []),
      logger: silent,
    });
    assert.equal(outcome.status, 'succeeded');
    const w = await tdb.db
      .selectFrom('ops.windows')
      .selectAll()
      .where('run_id', '=', job.data.runId)
      .executeTakeFirstOrThrow();
    assert.equal(w.reread_passes, 2);
    assert.match(
      w.error ?? '',
      new RegExp(
        `^reconciliation: source count \\d+, read \\d+ distinct records, rows moved while paging in each of 3 passes; ` +
          `read it again later with: qbo-backfill retry --run ${job.data.runId} --entity invoices --day 2025-06-05$`,
      ),
    );
  });
});
