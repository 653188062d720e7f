/**
 * The window job's types, in a leaf that imports nothing of the job: the job (window-job.ts), its
 * reading (window-read.ts), its density checks and its release all name them, and none of those
 * files imports another for a type.
 */
import type { Job } from 'bullmq';
import type { MetricsRecorder } from '../../infra/cluster-metrics.js';
import type { Db } from '../../infra/db.js';
import type { Logger } from '../../infra/logger.js';
import type { WindowJobData } from '../../infra/queue.js';
import type { StoreHealth } from '../../infra/store-outage.js';
import type { EntityDefinition } from '../../model/entities.js';
import type { QboQuery } from '../../qbo/qbo-client.js';
import type { RunState, WindowAttempt } from '../state/index.js';
import type { StoppedOutcome } from './window-stop.js';
import type { JobOrder } from '../plan/job-options.js';

/** Defaults of the window job, declared once. */
export const WINDOW_DEFAULTS = Object.freeze({
  /** Consecutive failed windows after which a run halts (circuit breaker). @defaultValue 3 */
  breakerThreshold: 3,
  /**
   * Extra passes over a window whose source count moved while it was paged (records changed under
   * the reader); what is still off after them is recorded on the window, never hidden.
   * @defaultValue 2
   */
  maxRereadPasses: 2,
  /**
   * A window whose realm's budget would make its next request wait longer than this goes back to
   * the queue (committed pages stay, no attempt used) until that wait is over, so its worker slot
   * serves another realm meanwhile. About two starts at QBO's pace (121-125 ms apart): a realm
   * keeps the few windows that keep its budget busy, and a realm whose windows took every slot
   * hands the others back at once (at 1 s it could keep some eight windows of twelve slots, each
   * waiting up to a second a page: ten realms got 0.49 of their budgets, bench ten-realms-paged).
   * @defaultValue 250
   */
  releaseAfterWaitMs: 250,
  /**
   * How soon a window not begun yet, whose realm's budget had no room at once, is tried again at
   * the earliest (see releaseIfRealmBusy): long enough that slots do not spin on a realm whose
   * begun windows keep its budget busy, short next to a window's pages.
   * @defaultValue 1000
   */
  beginRetryMs: 1_000,
});

export interface WindowProcessorOptions {
  db: Db;
  qbo: QboQuery;
  logger: Logger;
  /** See {@link WINDOW_DEFAULTS.breakerThreshold}. */
  breakerThreshold?: number;
  /** See {@link WINDOW_DEFAULTS.maxRereadPasses}. */
  maxRereadPasses?: number;
  /** Aborted on shutdown: the job stops after its current page and goes back to the queue. */
  signal?: AbortSignal;
  /** Cluster-wide rows and window durations. Default: none recorded. */
  metrics?: MetricsRecorder;
  /**
   * Adds the jobs of a run's pending windows (the producer's addPendingJobs): `fair` for the parts
   * of a window that split (ranked with its realm's other windows, see fairPriority), `first` for
   * windows a retried failed job requeues when it reopens its halted run. Default: none added.
   */
  addPendingJobs?: (runId: string, order: JobOrder) => Promise<void>;
  /** The realms' shared budget, asked before each page how long a request would wait (see releaseIfRealmBusy). */
  budget?: RealmBudget;
  /** See {@link WINDOW_DEFAULTS.releaseAfterWaitMs}. */
  releaseAfterWaitMs?: number;
  /** See {@link WINDOW_DEFAULTS.beginRetryMs}. */
  beginRetryMs?: number;
  /**
   * Windows a realm may have begun and not ended at once (see releaseIfRealmBusy); the worker sets
   * it to the realm's requests in flight (`QBO_MAX_CONCURRENT`): more windows than requests in
   * flight cannot go faster, they only hold more of the source half read. Default: no limit.
   */
  maxBegunWindows?: number;
  /** Which store this process finds away; a job that hits an outage waits for it (see waitForStore). */
  health?: StoreHealth;
}

/** What a window asks of the shared budget before a page. */
export interface RealmBudget {
  /** With `atLeastMs`, may answer any wait above it from what it knows, without asking Redis. */
  expectedWaitMs(realmId: string, atLeastMs?: number): Promise<number>;
}

export type WindowOutcome =
  | {
      status: 'succeeded';
      pages: number;
      rowsFetched: number;
      sourceCount: number | null;
      /** QBO's id of the request, for a window answered by one page (which writes no page log). */
      intuitTid?: string;
    }
  | StoppedOutcome
  | { status: 'already-done'; reason: string };

/** Everything reading one window needs. */
export interface WindowRead {
  job: Job<WindowJobData>;
  /** The job's lock token, to move it back to the queue on shutdown. */
  token: string | undefined;
  /** The window and the lease this job holds on it: every page commit names it. */
  attempt: WindowAttempt;
  entity: EntityDefinition;
  /** Where a retried job resumes: the committed pages of the current pass, and that pass. */
  from: { page: number; pass: number };
  /**
   * The window's range as stored (not the job's data: a split shrinks it). Its end moves when the
   * window splits while this job reads it.
   */
  range: { start: Date; end: Date };
  /** The window may split when its first page finds it dense (adaptive runs, see planSplit). */
  splittable: boolean;
  options: WindowProcessorOptions;
  log: Logger;
  /**
   * The run as the window's start found it: the first page's halt/cancel check uses it instead of
   * reading the run again a moment later. Pages after the first read it each time.
   */
  run?: RunState | undefined;
  /** Time the job has spent on the window so far, recorded when a one-page window ends with its page. */
  elapsedMs: () => number;
}

export interface ReadResult {
  pages: number;
  rowsFetched: number;
  sourceCount: number | null;
  /** Set when the source count and what was read still differ after every re-read pass. */
  shortfall: string | null;
  /** Records stored with a change that made them storable, by reason (this job's pages). */
  adjusted: Record<string, number>;
  /**
   * True when the window's success was committed with its one page (commitPageWithUpsert): only
   * the run's part of finishing is left to do.
   */
  finished: boolean;
  /** The intuit_tid of the one page that finished the window (see `finished`). */
  intuitTid?: string | undefined;
  /** COUNTs asked after the last page committed, for the window's request count. */
  uncountedRequests: number;
}
