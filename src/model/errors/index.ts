export {
  FailWindowError,
  HaltRunError,
  outcomeOf,
  ReleaseJobError,
  RetryRequestError,
  RetryWindowError,
  type Outcome,
  type OutcomeError,
} from './outcome-errors.js';
export { windowOutcome, type WindowOutcomeName } from './window-outcome.js';
