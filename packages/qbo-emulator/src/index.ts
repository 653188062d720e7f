/**
 * The built-in QBO emulator: token, query and CDC endpoints that behave like QuickBooks Online
 * (limits, faults, offsets, paging quirks), over deterministic companies generated from a seed.
 */
export { startEmulator } from './server.js';
export { ManualClock, systemClock, type Clock } from '@qbo-backfill/clock';
export type { EmulatorOptions, RunningEmulator, TruthResult, TouchRequest, EmulatorLogger } from './types.js';
export {
  DEFAULT_EMULATOR_CONFIG,
  EmulatorConfigError,
  validateConfigPatch,
  CONFIG_KEYS,
  type EmulatorConfig,
} from './config.js';
export type { StatsSnapshot } from './http/stats.js';
export { PROFILE_NAMES, type ProfileName } from './data/profiles.js';
export { EMULATOR_DEFAULTS } from './defaults.js';
export { findEntityKind } from './data/entities.js';
export { hostileJson, hostileKindOf, HOSTILE_KINDS } from './data/hostile-content.js';
