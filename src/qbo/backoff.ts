/** Exponential backoff with full jitter: spreads retries of many workers instead of syncing them. */
export interface BackoffOptions {
  /** First delay's upper bound in ms. */
  baseMs: number;
  /** Largest delay in ms. */
  capMs: number;
}

/** Delay before retry number `attempt` (1 = first retry): uniform in [cap/2, cap] of base·2^(n-1). */
export function backoffDelay(
  attempt: number,
  { baseMs, capMs }: BackoffOptions,
  random = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half jittered: never retry instantly, never all at the same moment.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
