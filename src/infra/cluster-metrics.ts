import { keyRoot, type ClientKind, type RedisClient } from './redis.js';

/**
 * Metrics summed over every worker process of the cluster.
 *
 * Worker replicas have no stable addresses (compose scales them, containers come and go), so
 * Prometheus cannot scrape them one by one. Each process adds its increments to hashes in the
 * Redis the cluster already shares, once a second in one pipeline, and the dashboard exports the
 * sums: one scrape target, counters that stay monotonic however often workers restart (a
 * per-process registry would lose its counts with its process, which Prometheus reads as a
 * reset), and no push gateway to run. What a process has not flushed when it is killed with
 * SIGKILL (at most a second's worth) is lost; a graceful close flushes it.
 */

export interface CounterDef {
  readonly kind: 'counter';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

export interface HistogramDef {
  readonly kind: 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** Upper bounds in seconds, ascending; `+Inf` is implied. */
  readonly buckets: readonly number[];
}

export type MetricDef = CounterDef | HistogramDef;

export const QBO_REQUESTS: CounterDef = {
  kind: 'counter',
  name: 'qbo_backfill_qbo_requests_total',
  help: 'QBO API requests by realm, entity and HTTP status (network failures: status "network")',
  labelNames: ['realm', 'entity', 'status'],
};
export const TOKEN_REFRESHES: CounterDef = {
  kind: 'counter',
  name: 'qbo_backfill_token_refreshes_total',
  help: 'Calls to the OAuth token endpoint by realm and outcome (ok, rotated, invalid_grant, invalid_client, error)',
  labelNames: ['realm', 'outcome'],
};
export const ROWS_UPSERTED: CounterDef = {
  kind: 'counter',
  name: 'qbo_backfill_rows_upserted_total',
  help: 'Records written to the raw layer by entity and outcome (inserted, updated, unchanged)',
  labelNames: ['entity', 'outcome'],
};
export const QBO_REQUEST_DURATION: HistogramDef = {
  kind: 'histogram',
  name: 'qbo_backfill_qbo_request_duration_seconds',
  help: 'Latency of one QBO API request, from sending it to the whole body read (rate-limit waits excluded)',
  labelNames: [],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
};
export const RATE_LIMIT_WAIT: HistogramDef = {
  kind: 'histogram',
  name: 'qbo_backfill_rate_limit_wait_seconds',
  help: "Time a request waited for its realm's shared budget before it was sent",
  labelNames: [],
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
};
export const WINDOW_DURATION: HistogramDef = {
  kind: 'histogram',
  name: 'qbo_backfill_window_duration_seconds',
  help: 'Wall time of one window job attempt by how it ended (succeeded, failed, released, skipped, cancelled)',
  labelNames: ['status'],
  buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
};

export const SYNC_CYCLES: CounterDef = {
  kind: 'counter',
  name: 'qbo_backfill_sync_cycles_total',
  help: 'Sync cycles by what asked for them (once, schedule, webhook) and how they ended (succeeded, failed, skipped)',
  labelNames: ['trigger', 'status'],
};
export const SYNC_CHANGES: CounterDef = {
  kind: 'counter',
  name: 'qbo_backfill_sync_changes_total',
  help: 'Changes sync wrote to the raw layer by entity and change (upserted, deleted)',
  labelNames: ['entity', 'change'],
};

/** Every metric the cluster shares, in the order the dashboard exports them. */
export const CLUSTER_METRICS: readonly MetricDef[] = [
  QBO_REQUESTS,
  TOKEN_REFRESHES,
  ROWS_UPSERTED,
  QBO_REQUEST_DURATION,
  RATE_LIMIT_WAIT,
  WINDOW_DURATION,
  SYNC_CYCLES,
  SYNC_CHANGES,
];

/**
 * Where a metric's sums live: one hash per metric, under the deployment's key prefix (on a Redis
 * Cluster under one hash tag, since a flush adds to every metric's hash in one MULTI).
 */
export function metricKey(redis: ClientKind, prefix: string, metric: MetricDef): string {
  return `${keyRoot(redis, prefix, 'metrics')}:${metric.name}`;
}

type Labels = Record<string, string>;

/** Hash field of one label set: the values in the metric's label order, as JSON. */
function labelField(metric: MetricDef, labels: Labels): string {
  return JSON.stringify(metric.labelNames.map((n) => labels[n] ?? ''));
}

/** Recording side, used by workers; {@link NO_METRICS} records nothing. */
export interface MetricsRecorder {
  inc(metric: CounterDef, labels: Labels, by?: number): void;
  observe(metric: HistogramDef, labels: Labels, seconds: number): void;
  /** Flushes what is buffered and stops the timer. Safe to call twice; bounded in time. */
  close(): Promise<void>;
}

export const NO_METRICS: MetricsRecorder = {
  inc() {},
  observe() {},
  close: () => Promise.resolve(),
};

/** Defaults of the cluster's metrics, declared once. */
export const CLUSTER_METRICS_DEFAULTS = Object.freeze({
  /** How often buffered increments go to Redis. @defaultValue 1000 */
  flushIntervalMs: 1_000,
});

export interface RedisMetricsOptions {
  /** Redis key prefix of the deployment (`QUEUE_PREFIX`). */
  prefix: string;
  /** See {@link CLUSTER_METRICS_DEFAULTS.flushIntervalMs}. */
  flushIntervalMs?: number;
  /** Told once when flushing starts failing and once when it works again. */
  onFlushError?: (err: unknown) => void;
}

/**
 * Buffers increments in memory (a map keyed by metric and label set, so its size is bounded by the
 * label cardinality, not by traffic) and adds them to Redis in one pipeline per interval. When Redis
 * is unreachable the increments stay buffered and go out with the next flush that succeeds.
 */
export function redisMetrics(redis: RedisClient, options: RedisMetricsOptions): MetricsRecorder {
  // key -> field -> amount still to add
  let pending = new Map<string, Map<string, number>>();
  const add = (key: string, field: string, by: number) => {
    let fields = pending.get(key);
    if (!fields) pending.set(key, (fields = new Map<string, number>()));
    fields.set(field, (fields.get(field) ?? 0) + by);
  };

  let flushing: Promise<void> | undefined;
  const flush = (): Promise<void> => {
    if (flushing) return flushing;
    if (pending.size === 0) return Promise.resolve();
    const batch = pending;
    pending = new Map();
    const pipeline = redis.multi();
    for (const [key, fields] of batch) {
      for (const [field, by] of fields) {
        // Sums of seconds are fractional; every other field counts events and stays an integer.
        if (field.startsWith('s|')) pipeline.hincrbyfloat(key, field, by);
        else pipeline.hincrby(key, field, by);
      }
    }
    flushing = pipeline
      .exec()
      .then(
        () => undefined,
        (err: unknown) => {
          // Put the batch back: nothing is lost while Redis is away, and the map stays bounded.
          for (const [key, fields] of batch) for (const [field, by] of fields) add(key, field, by);
          options.onFlushError?.(err);
        },
      )
      .finally(() => {
        flushing = undefined;
      });
    return flushing;
  };

  const timer = setInterval(
    () => void flush(),
    options.flushIntervalMs ?? CLUSTER_METRICS_DEFAULTS.flushIntervalMs,
  );
  timer.unref();

  let closing: Promise<void> | undefined;
  return {
    inc(metric, labels, by = 1) {
      // A zero is added too: it creates the series at 0. A counter whose series first appears at N
      // (the first deletions of an entity, say) hides those N from increase() and rate().
      add(metricKey(redis, options.prefix, metric), labelField(metric, labels), by);
    },
    observe(metric, labels, seconds) {
      const key = metricKey(redis, options.prefix, metric);
      const base = labelField(metric, labels);
      // Cumulative buckets are summed at export time; store only the first bucket that fits.
      const bucket = metric.buckets.find((b) => seconds <= b);
      add(key, `b|${base}|${bucket ?? '+Inf'}`, 1);
      add(key, `s|${base}`, seconds);
      add(key, `c|${base}`, 1);
    },
    close() {
      closing ??= (async () => {
        clearInterval(timer);
        // Redis may be the reason we are shutting down: never wait on it for long.
        await Promise.race([
          (async () => {
            await flush();
            await flush();
          })(),
          new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
        ]);
      })();
      return closing;
    },
  };
}

export interface MetricSample {
  metricName: string;
  labels: Labels;
  value: number;
}

/**
 * Reads one metric's cluster-wide sums as Prometheus samples (histograms as cumulative `_bucket`,
 * `_sum` and `_count`).
 */
export async function readClusterMetric(
  redis: RedisClient,
  prefix: string,
  metric: MetricDef,
): Promise<MetricSample[]> {
  const hash = await redis.hgetall(metricKey(redis, prefix, metric));
  const labelsOf = (json: string): Labels => {
    const values = JSON.parse(json) as string[];
    return Object.fromEntries(metric.labelNames.map((n, i) => [n, values[i] ?? '']));
  };
  if (metric.kind === 'counter') {
    return Object.entries(hash).map(([field, value]) => ({
      metricName: metric.name,
      labels: labelsOf(field),
      value: Number(value),
    }));
  }
  const series = new Map<string, { buckets: Map<string, number>; sum: number; count: number }>();
  const seriesOf = (base: string) => {
    let s = series.get(base);
    if (!s) series.set(base, (s = { buckets: new Map(), sum: 0, count: 0 }));
    return s;
  };
  for (const [field, value] of Object.entries(hash)) {
    const kind = field.slice(0, 2);
    if (kind === 'b|') {
      const cut = field.lastIndexOf('|');
      seriesOf(field.slice(2, cut)).buckets.set(field.slice(cut + 1), Number(value));
    } else if (kind === 's|') seriesOf(field.slice(2)).sum = Number(value);
    else if (kind === 'c|') seriesOf(field.slice(2)).count = Number(value);
  }
  const samples: MetricSample[] = [];
  for (const [base, s] of series) {
    const labels = labelsOf(base);
    let cumulative = 0;
    for (const le of [...metric.buckets.map(String), '+Inf']) {
      cumulative += s.buckets.get(le) ?? 0;
      samples.push({ metricName: `${metric.name}_bucket`, labels: { ...labels, le }, value: cumulative });
    }
    samples.push({ metricName: `${metric.name}_sum`, labels, value: s.sum });
    samples.push({ metricName: `${metric.name}_count`, labels, value: s.count });
  }
  return samples;
}
