/** What a run's report is made of: the types the report, its days and its summary all name. */
import type { WindowCounters } from '../state/index.js';
import type { RunReportEntry } from './report-reports.js';

/** One entity and UTC day of a run, as `report --format json` lists it. */
export interface WindowReport {
  entity: string;
  day: string;
  status: string;
  pages: number;
  rowsFetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  sourceCount: number | null;
  durationMs: number;
  attempts: number;
  error: string | null;
}

/** A run's entries (entity-days) counted, and the sums of their windows' counters. */
export interface ReportTotals extends WindowCounters {
  windows: number;
  succeeded: number;
  failed: number;
  /** QBO requests the run's committed work took (pages and COUNTs). */
  requests: number;
}

/** The contract's `report --format json` object, keys in the documented order. */
export interface RunReport {
  runId: string;
  status: string;
  totals: ReportTotals;
  windows: WindowReport[];
  /** A run with reports: one entry per report, method and period stored. */
  reports?: RunReportEntry[];
}

export interface ReportMeta {
  realmId: string;
  /** The run's windows (reads, one job each), which its entity-days were read in. */
  windowCount: number;
  from: Date;
  to: Date;
  startAt: Date;
  statusReason: string | null;
}
