/**
 * What a verified webhook delivery does: one debounced sync cycle per known realm it names with an
 * event not taken before, and nothing for a delivery Intuit repeats.
 *
 * The order matters, because Redis can fail between any two steps:
 * 1. find which events were seen (read only);
 * 2. request the cycles;
 * 3. only then mark the events seen (`markTaken`).
 * Marking first (`SET NX` as the check) would lose a notification to a blip: the ids marked, the
 * enqueue failing, the delivery answered 503, and Intuit's retry then taken for a duplicate, so no
 * cycle would ever run for it. In this order every failure errs towards one cycle too many, which
 * costs a few CDC requests and changes nothing (cycles are idempotent, CDC is the source of
 * truth): a failure before step 3 is answered 503 and the retry enqueues again; a failed mark
 * leaves the next delivery of the same events to make one more cycle; two deliveries of the same
 * events racing through step 1 both enqueue, and the debounce folds them into one cycle anyway.
 */
import type { Queue } from 'bullmq';
import type { RedisClient } from '../infra/redis.js';
import type { Config } from '../config/config.js';
import type { Db } from '../infra/db.js';
import { requestWebhookCycle, type SyncCycleJobData, type SyncCycleSummary } from '../sync/sync-queue.js';
import type { WebhookDelivery } from './webhook-body.js';
import { partitionRealms } from './webhook-realms.js';
import { findSeen, markSeen } from './webhook-seen.js';

export interface IntakeDeps {
  config: Config;
  redis: RedisClient;
  db: Db;
  queue: Queue<SyncCycleJobData, SyncCycleSummary>;
  /** Notifications of a realm within this many ms make one cycle. */
  debounceMs: number;
}

/** What a delivery led to; `realms`, `unknownRealms` and `duplicateRealms` never overlap. */
export interface Intake {
  /** New events of the realms a cycle was requested for. */
  accepted: number;
  /** Events taken before (by an earlier delivery, or earlier in this one). */
  duplicates: number;
  /** Realms a cycle was requested for, in the order the delivery names them. */
  realms: string[];
  /** Realms with new events that the product does not sync (see webhook-realms.ts): no cycle. */
  unknownRealms: string[];
  /** Realms named by duplicate events only. */
  duplicateRealms: string[];
  /** The new events' keys, to mark seen once the cycles are requested. */
  newEventKeys: string[];
}

const unique = (values: string[]): string[] => [...new Set(values)];

/** Steps 1 and 2 above. Rejects when Redis or PostgreSQL fails; nothing is marked then. */
export async function takeDelivery(deps: IntakeDeps, delivery: WebhookDelivery): Promise<Intake> {
  const keys = delivery.events.map((e) => e.eventKey);
  const seen = await findSeen(deps.redis, deps.config.queuePrefix, unique(keys));
  const taken = new Set<string>();
  const fresh = delivery.events.filter((e) => {
    if (seen.has(e.eventKey) || taken.has(e.eventKey)) return false;
    taken.add(e.eventKey);
    return true;
  });
  const freshRealms = unique(fresh.map((e) => e.realmId));
  const { known, unknown } = await partitionRealms(deps.db, deps.config, freshRealms);
  await Promise.all(known.map((realmId) => requestWebhookCycle(deps.queue, realmId, deps.debounceMs)));
  const knownSet = new Set(known);
  return {
    accepted: fresh.filter((e) => knownSet.has(e.realmId)).length,
    duplicates: delivery.events.length - fresh.length,
    realms: known,
    unknownRealms: unknown,
    duplicateRealms: unique(delivery.events.map((e) => e.realmId)).filter((r) => !freshRealms.includes(r)),
    newEventKeys: [...taken],
  };
}

/** Step 3: marks the new events seen (new events of unknown realms too: they were answered). */
export function markTaken(deps: IntakeDeps, intake: Intake, ttlSeconds: number): Promise<void> {
  return markSeen(deps.redis, deps.config.queuePrefix, intake.newEventKeys, ttlSeconds);
}
