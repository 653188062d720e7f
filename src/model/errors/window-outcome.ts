import { outcomeOf, type Outcome } from './outcome-errors.js';

/** What a window job does after an error: every outcome but retry-request, which is the client's. */
export type WindowOutcomeName = Exclude<Outcome, 'retry-request'>;

/**
 * What the window does after `err`, from the outcome its class chose. A retry-request error that
 * reaches the window has used up the client's own retries: the job tries again later.
 *
 * An error that chose no outcome is something unforeseen (a database or Redis hiccup, a bug): it
 * gets another attempt too. This is the one place that says so.
 */
export function windowOutcome(err: unknown): WindowOutcomeName {
  const outcome = outcomeOf(err) ?? 'retry-window';
  return outcome === 'retry-request' ? 'retry-window' : outcome;
}
