/**
 * How long a request to a realm would wait for its budget if it asked now, from the realm's shared
 * Bottleneck state in Redis (the `b_<id>_settings` hash).
 *
 * Bottleneck reserves start times when a call registers: `nextRequest` is the earliest start the
 * next registration can get (each one pushes it `minTime` further), and `running` counts the calls
 * registered cluster-wide and not yet done (reserved or in flight). When `running` has reached
 * `maxConcurrent` a new call cannot even register until one ends; how long that takes depends on
 * QBO's latency, so it is counted as the time the budget needs to start that many requests.
 */
export interface RealmBudgetState {
  /** Epoch ms; absent when the realm has no state yet (never used, or its keys expired). */
  nextRequest: number | undefined;
  running: number;
}

export function expectedWaitMs(
  state: RealmBudgetState,
  limits: { maxConcurrent: number; minTimeMs: number },
  now: number,
): number {
  const reserved = state.nextRequest === undefined ? 0 : Math.max(0, state.nextRequest - now);
  if (state.running < limits.maxConcurrent) return reserved;
  return Math.max(reserved, limits.maxConcurrent * limits.minTimeMs);
}
