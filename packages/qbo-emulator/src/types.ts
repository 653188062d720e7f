/** The emulator's public options and handle. */
import type { Clock } from '@qbo-backfill/clock';
import type { EmulatorConfig } from './config.js';
import type { ProfileName } from './data/profiles.js';
import type { StatsSnapshot } from './http/stats.js';

/** Minimal logger (pino's methods fit). */
export interface EmulatorLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. See {@link EMULATOR_DEFAULTS.port}. */
  port?: number;
  /** Interface to listen on. See {@link EMULATOR_DEFAULTS.host}. */
  host?: string;
  /** Seed of the generated companies: the same seed gives the same data, byte for byte. See {@link EMULATOR_DEFAULTS.seed}. */
  seed?: number;
  /** Data volume: `sandbox` (tens of records per entity and month) or `large` (~1,000 invoices a day). See {@link EMULATOR_DEFAULTS.profile}. */
  profile?: ProfileName;
  /** Realms (companies) served, each with its own data. See {@link EMULATOR_DEFAULTS.realmIds}. */
  realmIds?: string[];
  /** OAuth client id accepted by the token endpoint. See {@link EMULATOR_DEFAULTS.clientId}. */
  clientId?: string;
  /** OAuth client secret accepted by the token endpoint. See {@link EMULATOR_DEFAULTS.clientSecret}. */
  clientSecret?: string;
  /** The initial refresh token. See {@link EMULATOR_DEFAULTS.refreshToken}. */
  refreshToken?: string;
  /** Limits and faults at start; unspecified keys take their defaults (see {@link EmulatorConfig}). */
  config?: Partial<EmulatorConfig>;
  /** Where request-level logs go. Default: none. */
  logger?: EmulatorLogger;
  /**
   * The emulator's now, read by everything time-driven (drift, token lifetimes, the sliding
   * window, latency, the answers' `time`). A test passes a `ManualClock` and advances it.
   * Default: the system clock (`systemClock`).
   */
  clock?: Clock;
}

/** What `truth` reports: every current record (active or not, not deleted) updated in [from, to). */
export interface TruthResult {
  count: number;
  /** Counts by UTC day (`2026-01-01`), days in ascending order. */
  byDay: Record<string, number>;
  /** The record ids (numeric order), when asked for. */
  ids?: string[];
  /** With the ids: the hard-deleted transactions whose deletion (or generated stub) falls in the range. */
  deletedIds?: string[];
}

export interface TouchRequest {
  realmId: string;
  /** QBO entity name (`Customer`). */
  entity: string;
  id: string;
  /** New LastUpdatedTime; default now. */
  lastUpdatedTime?: Date | string;
  /** Name lists only: set Active (false is QBO's soft delete). */
  active?: boolean;
}

export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:8089` (API at `${url}/v3/company/...`, tokens at `${url}${tokenPath}`). */
  readonly url: string;
  readonly port: number;
  readonly realmIds: string[];
  readonly clientId: string;
  readonly clientSecret: string;
  /** The initial refresh token. */
  readonly refreshToken: string;
  /** The token endpoint's full URL. */
  readonly tokenUrl: string;
  /** The authorize page's full URL (Intuit's `/connect/oauth2`). */
  readonly authorizeUrl: string;
  /** The token revocation endpoint's full URL (Intuit's `/v2/oauth2/tokens/revoke`). */
  readonly revokeUrl: string;
  getConfig(): EmulatorConfig;
  /** Validates and applies a patch; throws `EmulatorConfigError` on bad keys or values. */
  setConfig(patch: Partial<EmulatorConfig>): void;
  stats(): StatsSnapshot;
  resetStats(): void;
  /** Catches up on activity and delivers every webhook event that waits, now (resolves when delivered or failed). */
  flushWebhooks(): Promise<void>;
  /** Records updated in [from, to); for a one-per-company entity (CompanyInfo) the whole entity. */
  truth(realmId: string, entity: string, from: Date, to: Date, options?: { ids?: boolean }): TruthResult;
  /** Changes a record at the source and returns its new payload (throws for unknown/deleted ones). */
  touchRecord(request: TouchRequest): Record<string, unknown>;
  /**
   * Deletes a record at the source now: a transaction is hard-deleted (gone from queries, a
   * `status: "Deleted"` stub in CDC), a name-list record becomes `Active: false`. Returns the new payload.
   */
  deleteRecord(realmId: string, entity: string, id: string): Record<string, unknown>;
  /** The current payload of a record (deletion stub for deleted invoices), or undefined. */
  getRecord(realmId: string, entity: string, id: string): Record<string, unknown> | undefined;
  /** Stops listening and cuts open connections; safe to call more than once. */
  close(): Promise<void>;
}
