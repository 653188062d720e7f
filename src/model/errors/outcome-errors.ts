/**
 * One abstract base class per outcome: what happens after an error. Every error a job can see
 * (QBO HTTP errors, token errors, rate-limiter errors, network failures, the window job's own, a
 * store outage's wait, sync's) extends exactly one of them, so the class it is declared with is
 * the choice, made once; the window reads it through {@link windowOutcome} by `instanceof`, never
 * by a name, a message or a field.
 */
import { DelayedError } from 'bullmq';

/** The error's class name as its `name`, so logs and Bull Board say which error it was. */
abstract class NamedError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The QBO client repeats the request itself: a 429 wait, a 5xx/network backoff, one token refresh. */
export abstract class RetryRequestError extends NamedError {}

/** This attempt of the window job fails; the job runs again later, after the last committed page. */
export abstract class RetryWindowError extends NamedError {}

/** The same request would fail again: the window fails for good (the circuit breaker counts it). */
export abstract class FailWindowError extends NamedError {}

/**
 * Only an operator can fix it and every window of the run would fail alike: halt the run now.
 * Its message is the operator's instruction.
 */
export abstract class HaltRunError extends NamedError {}

/**
 * The job goes back to the queue without using up an attempt (shutdown, a busy realm, a store
 * outage, another attempt holding the window). It is BullMQ's DelayedError, which is how BullMQ
 * itself tells such a job from a failed one: thrown by a job, BullMQ keeps it as it is.
 */
export abstract class ReleaseJobError extends DelayedError {}

/** Every outcome, by the base class that says it; a class extends one, so at most one applies. */
const OUTCOMES = [
  ['retry-request', RetryRequestError],
  ['retry-window', RetryWindowError],
  ['fail-window', FailWindowError],
  ['halt-run', HaltRunError],
  ['release-job', ReleaseJobError],
] as const;

export type Outcome = (typeof OUTCOMES)[number][0];

/** Any error that chose an outcome by its class. */
export type OutcomeError = InstanceType<(typeof OUTCOMES)[number][1]>;

/** The outcome `err`'s class chose, or undefined when it chose none (not one of our job errors). */
export function outcomeOf(err: unknown): Outcome | undefined {
  return OUTCOMES.find(([, base]) => err instanceof base)?.[0];
}
