/** What every step of a sync cycle needs: the store, QBO, the cycle's lease and its log. */
import type { Db } from '../infra/db.js';
import type { Logger } from '../infra/logger.js';
import type { QboQuery } from '../qbo/qbo-client.js';
import type { CdcResult } from '../qbo/qbo-client.js';
import type { CycleLease } from './sync-state.js';

/** QBO as sync reads it: queries (re-reads, COUNTs) and change data capture. */
export interface SyncQbo extends QboQuery {
  cdc(realmId: string, qboNames: readonly string[], changedSince: Date, label?: string): Promise<CdcResult>;
}

export interface CycleContext {
  db: Db;
  qbo: SyncQbo;
  lease: CycleLease;
  log: Logger;
  /** The mark a read answered at QBO's instant `at` may move to (see SYNC_DEFAULTS.markMarginMs). */
  markFrom(at: Date): Date;
}
