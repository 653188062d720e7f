/**
 * What every drill checks when its run has ended: the run and every window succeeded, every raw
 * table equals the emulator's truth, no worker crashed; and, where a drill asks, that each window's
 * counters describe exactly one read of it.
 */
import assert from 'node:assert/strict';
import { emulatorStats, fetchTruth, rawIds } from '../helpers/backfill.js';
import { pageStartPosition } from '../../src/qbo/query.js';
import type { DrillCluster } from './cluster.js';

export interface RunFigures {
  wallMs: number;
  windows: number;
  /** Windows that needed more than one job start (a retry, a release, a stalled job). */
  windowsRestarted: number;
  records: number;
  tokenCalls: Record<string, number>;
  apiCalls: Record<string, number>;
}

/**
 * Waits for the run to end by itself, then checks what every drill must end with: the run
 * succeeded, every window succeeded, every raw table equals the truth, no worker crashed.
 */
export async function expectRunComplete(
  c: DrillCluster,
  runId: string,
  startedAt: number,
  /**
   * Records changed while the run read them move to "now", out of a past range: raw keeps the
   * version it read, which the truth no longer counts in the range. Such a record must then be
   * found at its new time (a later run of that day reads it), and nothing may be missing.
   */
  options: { timeoutMs?: number; movedAway?: boolean; realmId?: string } = {},
): Promise<RunFigures> {
  const { from, to } = c;
  const realmId = options.realmId ?? c.realmId;
  await c.until(
    async () => ['succeeded', 'failed', 'halted', 'cancelled'].includes((await c.runStatus(runId)) ?? ''),
    options.timeoutMs ?? 240_000,
    `run ${runId} to end`,
  );
  const wallMs = Date.now() - startedAt;
  assert.equal(await c.runStatus(runId), 'succeeded');
  const windows = await c.db
    .selectFrom('ops.windows')
    .select(['status', 'attempts'])
    .where('run_id', '=', runId)
    .execute();
  assert.ok(windows.length > 0);
  assert.deepEqual(
    windows.filter((w) => w.status !== 'succeeded'),
    [],
    'every window succeeded',
  );
  let records = 0;
  for (const entity of c.entities) {
    const truth = await fetchTruth(c.emulator.url, realmId, entity, new Date(from), new Date(to));
    let stored = await rawIds(c.db, entity, realmId, new Date(from), new Date(to));
    if (options.movedAway) {
      const now = await fetchTruth(
        c.emulator.url,
        realmId,
        entity,
        new Date(to),
        new Date(Date.now() + 86_400_000),
      );
      const movedNow = new Set(now.ids);
      const inTruth = new Set(truth.ids);
      const extra = stored.filter((id) => !inTruth.has(id));
      assert.deepEqual(
        extra.filter((id) => !movedNow.has(id)),
        [],
        `${entity}: raw holds nothing but the truth and records that moved away`,
      );
      c.movedAway += extra.length;
      stored = stored.filter((id) => inTruth.has(id));
    }
    assert.deepEqual(stored, [...truth.ids].sort(), `raw ${entity} equals the truth`);
    records += truth.count;
  }
  assert.ok(records > 0);
  assert.deepEqual(
    c.crashed().map((w) => w.output.slice(-5)),
    [],
    'no worker process exited',
  );
  const stats = await emulatorStats(c.emulator.url);
  return {
    wallMs,
    windows: windows.length,
    windowsRestarted: windows.filter((w) => w.attempts > 1).length,
    records,
    tokenCalls: stats.token?.requests ?? {},
    apiCalls: stats.realms[realmId]?.requests ?? {},
  };
}

/**
 * Each window's counters describe exactly one read of it: its upserts' outcomes add up to its
 * records in raw, it fetched as many rows as the source counts, and it took the pages one read
 * of that many records needs (pages overlap by one row, see pageStartPosition). A second writer
 * (a worker that kept committing after its window was taken over) breaks all three.
 */
export async function expectOneReadPerWindow(
  c: DrillCluster,
  runId: string,
  pageSize: number,
): Promise<{ windows: number; pages: number }> {
  const windows = await c.db
    .selectFrom('ops.windows')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('entity')
    .orderBy('day')
    .execute();
  const wrong: string[] = [];
  let pages = 0;
  for (const w of windows) {
    const inRaw = await rawIds(c.db, w.entity, c.realmId, w.window_start_utc, w.window_end_utc);
    const upserts = w.inserted + w.updated + w.unchanged;
    const expected = pagesOfOneRead(w.source_count ?? -1, pageSize);
    pages += w.pages;
    if (upserts !== inRaw.length || w.rows_fetched !== w.source_count || w.pages !== expected)
      wrong.push(
        `${w.entity} ${w.day}: inserted+updated+unchanged ${upserts} (raw ${inRaw.length}), ` +
          `rowsFetched ${w.rows_fetched} (source ${w.source_count}), pages ${w.pages} (one read: ${expected})`,
      );
  }
  assert.deepEqual(wrong, [], 'every window counted exactly one read');
  return { windows: windows.length, pages };
}

/** The pages one read of `records` records takes: each page after the first starts on the previous one's last row. */
export function pagesOfOneRead(records: number, pageSize: number): number {
  for (let pages = 0; ;) {
    const received = Math.max(0, Math.min(pageSize, records - pageStartPosition(pages, pageSize) + 1));
    pages++;
    if (received < pageSize) return pages;
  }
}
