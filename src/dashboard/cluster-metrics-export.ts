import type { RedisClient } from '../infra/redis.js';
import type { Registry } from 'prom-client';
import { CLUSTER_METRICS, readClusterMetric, type MetricSample } from '../infra/cluster-metrics.js';
import type { Logger } from '../infra/logger.js';
import { withTimeout } from '../infra/with-timeout.js';

/** A source gets this long per scrape, like the queue and ops gauges. */
const READ_TIMEOUT_MS = 3_000;

/**
 * Exports the cluster-wide sums the workers keep in Redis (see shared/cluster-metrics.ts) through
 * the dashboard's registry. prom-client has no metric type whose value is set from outside, so
 * each is registered as an object with prom-client's `get()` shape; when Redis cannot be read the
 * metric is exported with no samples for that scrape rather than failing the whole scrape.
 */
export function registerClusterMetrics(
  registry: Registry,
  redis: RedisClient,
  prefix: string,
  log: Logger,
): void {
  for (const metric of CLUSTER_METRICS) {
    const get = async () => {
      let values: MetricSample[] = [];
      try {
        values = await withTimeout(readClusterMetric(redis, prefix, metric), READ_TIMEOUT_MS, 'redis');
      } catch (err) {
        log.warn({ err, metric: metric.name }, 'metrics: cannot read cluster sums from Redis this scrape');
      }
      return { name: metric.name, help: metric.help, type: metric.kind, aggregator: 'sum', values };
    };
    // Duck-typed: Registry.registerMetric only needs `name` and `get()`.
    registry.registerMetric({ name: metric.name, get } as unknown as Parameters<
      Registry['registerMetric']
    >[0]);
  }
}
