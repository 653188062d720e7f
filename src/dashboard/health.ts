import type { RequestHandler } from 'express';
import type { RedisClient } from '../infra/redis.js';
import { sql } from 'kysely';
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import { withTimeout } from '../infra/with-timeout.js';

/** Each dependency gets this long to answer a health probe. */
const PROBE_TIMEOUT_MS = 2_000;

export type ProbeResult = 'ok' | 'error';

export interface HealthReport {
  status: ProbeResult;
  redis: ProbeResult;
  postgres: ProbeResult;
}

async function probe(name: string, check: () => Promise<unknown>, log: Logger): Promise<ProbeResult> {
  try {
    await withTimeout(check(), PROBE_TIMEOUT_MS, name);
    return 'ok';
  } catch (err) {
    log.warn({ err, dependency: name }, 'health probe failed');
    return 'error';
  }
}

/** Probes Redis and PostgreSQL concurrently. */
export async function checkHealth(redis: RedisClient, db: Db, log: Logger): Promise<HealthReport> {
  const [redisResult, postgres] = await Promise.all([
    probe('redis', () => redis.ping(), log),
    probe('postgres', () => sql`select 1`.execute(db), log),
  ]);
  const status = redisResult === 'ok' && postgres === 'ok' ? 'ok' : 'error';
  return { status, redis: redisResult, postgres };
}

/** `GET /healthz`: 200 when both backends answer, 503 naming the one that did not. */
export function healthHandler(redis: RedisClient, db: Db, log: Logger): RequestHandler {
  return (_req, res, next) => {
    checkHealth(redis, db, log).then((report) => {
      res
        .status(report.status === 'ok' ? 200 : 503)
        .set('Cache-Control', 'no-store')
        .json(report);
    }, next);
  };
}
