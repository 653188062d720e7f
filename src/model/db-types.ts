import type { ColumnType, Generated } from 'kysely';
import type { RawTableName } from './entities.js';
import type { RunStatus, WindowStatus } from './statuses.js';

export type { RunStatus, WindowStatus };

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
/** JSONB columns: pg hands back parsed values; we always write JSON text ourselves (see upsert). */
type Json = ColumnType<unknown, string, string>;

/** One row of `raw.qb_<entity>`: the record as QBO sent it, plus where and how it was extracted. */
export interface RawRecordTable {
  realm_id: string;
  id: string;
  payload: Json;
  /** QBO's SyncToken as a number: breaks ties between two versions with the same LastUpdatedTime. */
  sync_token: ColumnType<string | null, number | string | null, number | string | null>;
  source_last_updated_utc: NullableTimestamp;
  ingested_at_utc: Timestamp;
  extract_window_start_utc: Timestamp;
  extract_window_end_utc: Timestamp;
  page_number: number;
  page_size: number;
  request_payload: string;
  /** The backfill run, or the sync cycle, that wrote this version. */
  run_id: string | null;
  /** When the record was found deleted at the source; null while it exists (migration 0007). */
  deleted_at_utc: NullableTimestamp;
}

export interface RunTable {
  run_id: string;
  realm_id: string;
  entities: ColumnType<string[], string[], string[]>;
  range_start_utc: Timestamp;
  range_end_utc: Timestamp;
  page_size: number;
  start_at_utc: Timestamp;
  /** Same realm, entities and range: at most one run with this key is scheduled or running. */
  dedupe_key: string;
  status: RunStatus;
  /** Why a run was halted (circuit breaker, invalid_grant) or failed. */
  status_reason: string | null;
  /** `day`: a window per entity and UTC day; `adaptive`: a window per entity, split when dense (0006). */
  windows_plan: Generated<WindowsPlan>;
  /** Reports the run extracts per calendar month of its range (migration 0008). */
  reports: ColumnType<string[], string[] | undefined, string[]>;
  /** The reports' accounting method (`Accrual` or `Cash`); null for a run without reports. */
  accounting_method: ColumnType<string | null, string | null | undefined, string | null>;
  consecutive_failures: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  finished_at: NullableTimestamp;
}

export interface WindowTable {
  run_id: string;
  entity: string;
  day: ColumnType<string, string, string>;
  window_start_utc: Timestamp;
  window_end_utc: Timestamp;
  status: WindowStatus;
  pages: Generated<number>;
  rows_fetched: Generated<number>;
  inserted: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
  skipped: Generated<number>;
  temporal_anomalies: Generated<number>;
  source_count: number | null;
  /** Pages of the current pass already committed: a retried job resumes after them. */
  committed_pages: Generated<number>;
  reread_passes: Generated<number>;
  attempts: Generated<number>;
  duration_ms: Generated<number>;
  error: string | null;
  /** Bumped by resume/retry so the window gets a fresh BullMQ job id. */
  generation: Generated<number>;
  job_id: string | null;
  /**
   * The number of the attempt that owns the window (migration 0004): every write of a job names it
   * and changes nothing once another attempt, or resume/retry/cancel, has taken a newer one.
   */
  lease: Generated<number>;
  /** QBO requests the window's committed work took: its pages and COUNTs (migration 0006). */
  requests: Generated<number>;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Generated<Date>;
}

/** What each page of a window added per UTC day of its records (migration 0006). */
export interface WindowDayTable {
  run_id: string;
  entity: string;
  day: ColumnType<string, string, string>;
  pages: Generated<number>;
  rows_fetched: Generated<number>;
  inserted: Generated<number>;
  updated: Generated<number>;
  unchanged: Generated<number>;
}

/** How a run's windows were planned (see WindowTable). */
export type WindowsPlan = 'day' | 'adaptive';

export interface TokenTable {
  realm_id: string;
  /** AES-256-GCM ciphertext (`v1:iv:tag:data`, base64 parts) of the newest refresh token. */
  refresh_token_enc: string;
  refresh_token_obtained_at: Timestamp;
  access_token_enc: string | null;
  access_token_expires_at: NullableTimestamp;
  refresh_token_expires_at: NullableTimestamp;
  refreshed_at: NullableTimestamp;
  refresh_count: Generated<number>;
  updated_at: Generated<Date>;
  /** When the company was connected (`auth connect`, the dashboard, `auth set`, or the first bootstrap). */
  connected_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** Intuit's 5-year limit (`x_refresh_token_hard_expires_in`); null until Intuit has said it. */
  refresh_token_hard_expires_at: NullableTimestamp;
  /** `CompanyName` of CompanyInfo when connected through OAuth; null for tokens stored by `auth set`. */
  company_name: string | null;
}

/** A realm disconnected by `auth disconnect`: its runs are refused until it is connected again. */
export interface DisconnectedRealmTable {
  realm_id: string;
  company_name: string | null;
  connected_at: Timestamp;
  disconnected_at: Timestamp;
  /** `revoked` by Intuit's revoke endpoint, or `already-invalid` when Intuit no longer knew the token. */
  revocation: 'revoked' | 'already-invalid';
}

/** Per realm and entity: the instant up to which the source's changes are in raw (migration 0007). */
export interface SyncMarkTable {
  realm_id: string;
  entity: string;
  mark_utc: Timestamp;
  /** What set the mark: a backfill's hand-over, the newest row in raw, a CDC read, or a whole re-read. */
  basis: 'backfill' | 'raw' | 'cdc' | 'reread';
  /** When the entity was last re-read whole and compared by id. */
  reread_at: NullableTimestamp;
  updated_at: Generated<Date>;
}

/** A realm's sync: the lease of its one running cycle, and its schedule (migration 0007). */
export interface SyncRealmTable {
  realm_id: string;
  lease: Generated<number>;
  cycle_id: string | null;
  heartbeat_at: NullableTimestamp;
  every_ms: number | null;
  entities: ColumnType<string[] | null, string[] | null, string[] | null>;
  reread_every_ms: number | null;
  updated_at: Generated<Date>;
}

export type SyncCycleStatus = 'running' | 'succeeded' | 'failed' | 'skipped';

export interface SyncCycleTable {
  cycle_id: string;
  realm_id: string;
  trigger: 'once' | 'schedule' | 'webhook';
  status: SyncCycleStatus;
  requests: Generated<number>;
  error: string | null;
  started_at: Generated<Date>;
  finished_at: NullableTimestamp;
}

export interface SyncCycleEntityTable {
  cycle_id: string;
  entity: string;
  method: 'cdc' | 'reread' | 'none';
  upserted: Generated<number>;
  deleted: Generated<number>;
  requests: Generated<number>;
}

export type RawTables = { [K in RawTableName as `raw.${K}`]: RawRecordTable };

/** One stored report answer (migration 0008). */
export interface ReportTable {
  realm_id: string;
  report_name: string;
  accounting_method: string;
  period_start: ColumnType<string, string, string>;
  period_end: ColumnType<string, string, string>;
  payload: Json;
  request_payload: string;
  fetched_at_utc: Timestamp;
  checks: Json;
}

/** One flattened row of a stored report (migration 0008). */
export interface ReportRowTable {
  realm_id: string;
  report_name: string;
  accounting_method: string;
  period_start: ColumnType<string, string, string>;
  period_end: ColumnType<string, string, string>;
  row_number: number;
  path: ColumnType<string[], string[], string[]>;
  section_group: string | null;
  row_type: 'data' | 'summary';
  account_id: string | null;
  label: string | null;
  amount: ColumnType<string | null, string | null, string | null>;
  cells: Json;
}

/** A part a report window stored, as its run stored it (migration 0008). */
export interface WindowReportTable {
  run_id: string;
  entity: string;
  day: ColumnType<string, string, string>;
  realm_id: string;
  report_name: string;
  accounting_method: string;
  period_start: ColumnType<string, string, string>;
  period_end: ColumnType<string, string, string>;
  rows: number;
  checks: Json;
  requests: Generated<number>;
  stored_at: Generated<Date>;
}

export interface Database extends RawTables {
  'raw.qb_reports': ReportTable;
  'raw.qb_report_rows': ReportRowTable;
  'ops.window_reports': WindowReportTable;
  'ops.runs': RunTable;
  'ops.windows': WindowTable;
  'ops.window_days': WindowDayTable;
  'ops.tokens': TokenTable;
  'ops.disconnected_realms': DisconnectedRealmTable;
  'ops.sync_marks': SyncMarkTable;
  'ops.sync_realms': SyncRealmTable;
  'ops.sync_cycles': SyncCycleTable;
  'ops.sync_cycle_entities': SyncCycleEntityTable;
}
