import { QBO_REQUESTS, readClusterMetric } from '../infra/cluster-metrics.js';
import { LIVE_RUN_STATUSES } from '../backfill/state/index.js';
import { listRuns } from '../backfill/runs/run-list.js';
import { followRuns, type RunProgress } from './run-progress.js';
import type { ProducerContext } from './producer-context.js';

/** The runs a bare `status --watch` follows: every one still scheduled or running. */
export async function liveRunIds(ctx: ProducerContext): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('ops.runs')
    .select('run_id')
    .where('status', 'in', LIVE_RUN_STATUSES)
    .orderBy('created_at')
    .execute();
  return rows.map((r) => r.run_id);
}

/**
 * Follows runs from the command line until each has ended: windows from ops.windows, request
 * rates from the cluster-wide counters the workers keep in Redis.
 */
export async function followFromCli(
  ctx: Pick<ProducerContext, 'db' | 'redis' | 'config'>,
  runIds: string[],
  stream: NodeJS.WritableStream,
  options: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<RunProgress[]> {
  return followRuns({
    stream,
    ...options,
    read: async () => {
      const runs = (await Promise.all(runIds.map((runId) => listRuns(ctx.db, { runId, limit: 1 })))).flat();
      return runs.map((r) => ({
        runId: r.runId,
        realmId: r.realmId,
        status: r.status,
        done: r.totalWindows - (r.windows.pending ?? 0) - (r.windows.running ?? 0),
        total: r.totalWindows,
        rows: r.rowsFetched,
        startAt: r.startAt,
      }));
    },
    requestsSoFar: async (realmId) => {
      try {
        const samples = await readClusterMetric(ctx.redis, ctx.config.queuePrefix, QBO_REQUESTS);
        return samples.filter((s) => s.labels.realm === realmId).reduce((n, s) => n + s.value, 0);
      } catch {
        return undefined;
      }
    },
  });
}
