/**
 * The one vocabulary of what happens after an error. Every error a window job can see carries its
 * outcome (QBO HTTP errors, token errors, rate-limiter errors, network errors); the window loop
 * reads it through {@link windowOutcome} and nothing else.
 */
export type Outcome =
  /** The QBO client repeats the request itself: a 429 wait, a 5xx/network backoff, one token refresh. */
  | 'retry-request'
  /** This attempt of the window job fails; the job runs again later, after the last committed page. */
  | 'retry-window'
  /** The same request would fail again: the window fails for good (the circuit breaker counts it). */
  | 'fail-window'
  /** Only an operator can fix it and every window of the run would fail alike: halt the run now. */
  | 'halt-run'
  /** Shutdown: the job goes back to the queue without using up an attempt. */
  | 'release-job';

/** An error that says what should happen next; halt-run errors' messages are the operator's instructions. */
export interface OutcomeError extends Error {
  readonly outcome: Outcome;
}

export function hasOutcome(err: unknown): err is OutcomeError {
  return err instanceof Error && typeof (err as { outcome?: unknown }).outcome === 'string';
}

/**
 * What the window does after `err`. A `retry-request` error that reaches the window has used up the
 * client's own retries: the job tries again later. An error without an outcome (a database or
 * Redis hiccup, anything unforeseen) gets another attempt too.
 */
export function windowOutcome(err: unknown): Exclude<Outcome, 'retry-request'> {
  if (!hasOutcome(err)) return 'retry-window';
  return err.outcome === 'retry-request' ? 'retry-window' : err.outcome;
}
