import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { startEmulator } from '@qbo-backfill/emulator';
import { hostileJson, hostileKindOf, HOSTILE_KINDS } from '@qbo-backfill/emulator';
import { parseConfig } from '../../src/config/config.js';
import { QUEUE_NAME, type WindowJobData } from '../../src/infra/queue.js';
import { enqueueBackfill, planBackfill } from '../../src/backfill/plan/enqueue.js';
import { startWorker } from '../../src/worker/worker-process.js';
import { storableJson } from '../../src/infra/storable-json.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { emulatorEnv, fetchTruth, rawIds, waitForRunEnd } from '../helpers/backfill.js';

describe('storableJson', () => {
  it('keeps everything jsonb can hold exactly as sent', () => {
    for (const kind of ['quotes', 'sql', 'long', 'nested', 'astral'] as const) {
      const value: unknown = JSON.parse(hostileJson(kind));
      const { json, adjustments } = storableJson({ Note: value });
      assert.deepEqual(adjustments, [], kind);
      assert.deepEqual(JSON.parse(json), { Note: value }, kind);
    }
    // An escaped backslash before "u0000" is text, not a NUL: a false alarm changes nothing.
    assert.deepEqual(storableJson({ a: '\\u0000' }), { json: '{"a":"\\\\u0000"}', adjustments: [] });
  });

  it('replaces NUL characters and lone surrogates, in values and keys, by U+FFFD and says why', () => {
    assert.deepEqual(storableJson({ a: 'x\u0000y', ['k\u0000']: ['\ud83d!'] }), {
      json: '{"a":"x\ufffdy","k\ufffd":["\ufffd!"]}',
      adjustments: ['NUL character replaced', 'lone surrogate replaced'],
    });
    // A whole surrogate pair is a character like any other.
    assert.deepEqual(storableJson({ a: '😀' }).adjustments, []);
  });
});

describe('hostile record content', () => {
  let tdb: TestDatabase;
  let prefix: string;
  before(async () => {
    tdb = await createTestDatabase();
    prefix = uniquePrefix('hostile');
  });
  after(async () => {
    await deletePrefix(prefix);
    await tdb.drop();
  });

  it('never breaks a page: every record stored, as sent or with the smallest change, counted with its reason', async () => {
    const emulator = await startEmulator({ port: 0, seed: 77, config: { hostileRecords: true } });
    const realmId = emulator.realmIds[0] as string;
    const config = parseConfig({
      ...emulatorEnv(emulator.url, tdb.url, TEST_REDIS_URL, prefix, realmId),
      LOG_LEVEL: 'silent',
    });
    const worker = startWorker({ config, logger: pino({ level: 'silent' }), concurrency: 2 });
    const queue = new Queue<WindowJobData>(QUEUE_NAME, { connection: { url: TEST_REDIS_URL }, prefix });
    try {
      const from = new Date('2026-02-01T00:00:00Z');
      const to = new Date('2026-02-08T00:00:00Z');
      const plan = planBackfill({
        windows: 'day',
        realmId,
        entities: ['invoices', 'customers'],
        from,
        to,
        startAt: new Date(),
        pageSize: 5,
      });
      const run = await enqueueBackfill(tdb.db, queue, plan, new Date(), {
        attempts: 1,
        backoff: { type: 'fixed', delay: 100 },
      });
      assert.equal(await waitForRunEnd(tdb.db, run.runId, 120_000), 'succeeded');

      const seen = new Set<string>();
      let changed = 0;
      for (const entity of ['invoices', 'customers']) {
        const truth = await fetchTruth(emulator.url, realmId, entity, from, to);
        assert.deepEqual(await rawIds(tdb.db, entity, realmId, from, to), [...truth.ids].sort(), entity);
        const table = entity === 'invoices' ? 'raw.qb_invoices' : 'raw.qb_customers';
        const rows = await tdb.db
          .selectFrom(table)
          .select(['id', 'payload'])
          .where('realm_id', '=', realmId)
          .execute();
        for (const row of rows) {
          const kind = hostileKindOf(Number(row.id));
          seen.add(kind);
          const note = (row.payload as { PrivateNote: unknown }).PrivateNote;
          if (kind === 'nul') {
            assert.equal(note, 'before\ufffdafter');
            changed++;
          } else if (kind === 'lone-surrogate') {
            assert.equal(note, 'half \ufffd of an emoji');
            changed++;
          } else {
            assert.deepEqual(note, JSON.parse(hostileJson(kind)), `${entity} ${row.id} ${kind}`);
          }
        }
      }
      assert.deepEqual([...seen].sort(), [...HOSTILE_KINDS].sort());
      // Every changed record is counted on its window, with its reason.
      const windows = await tdb.db
        .selectFrom('ops.windows')
        .select(['status', 'error'])
        .where('run_id', '=', run.runId)
        .execute();
      assert.ok(windows.every((w) => w.status === 'succeeded'));
      let counted = 0;
      for (const w of windows) {
        for (const m of (w.error ?? '').matchAll(/(\d+) (NUL character|lone surrogate) replaced/g))
          counted += Number(m[1]);
      }
      assert.equal(counted, changed);
      assert.ok(changed > 0);
      assert.match(
        windows.find((w) => w.error)?.error ?? '',
        /^records stored with a change: .* \(jsonb cannot hold them as sent\)$/,
      );
    } finally {
      await worker.close();
      await queue.close();
      await emulator.close();
    }
  });
});
