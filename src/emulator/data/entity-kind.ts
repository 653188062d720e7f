/**
 * What the emulator needs to know about one QBO entity: how to generate a record, which fields a
 * query may filter and sort on, and how a touch changes it. Adding an entity means writing one
 * such object (see `invoice.ts`) and listing it in `entities.ts`.
 */
import type { Rng } from '../prng.js';
import { formatPacific } from '../pacific-time.js';
import type { EmRecord } from './record.js';

/** How a query literal is read and compared for a field. */
export type FieldType = 'id' | 'time' | 'date' | 'number' | 'string' | 'boolean';

export interface FieldDef {
  /** Canonical spelling, e.g. `MetaData.LastUpdatedTime`; queries match it case-insensitively. */
  readonly name: string;
  readonly type: FieldType;
  /** The comparable value: epoch ms for `time`, a number for `id`/`number`, else string/boolean. */
  readonly get: (record: EmRecord) => unknown;
}

export interface BuildContext {
  readonly seed: number;
  readonly realmId: string;
  /** This record's own stream (already positioned for it). */
  readonly rng: Rng;
  readonly id: number;
  readonly created: number;
  readonly lastUpdated: number;
  readonly syncToken: number;
  readonly active: boolean;
  /** Number of ids another entity has by this record's day (valid reference targets are 1..n). */
  idsThrough(qboName: string): number;
}

export interface EntityKind {
  /** QBO entity name, as in `FROM Invoice` and the response key. */
  readonly qboName: string;
  /** Name lists are soft-deleted with `Active=false` and hidden unless the query names `Active`. */
  readonly nameList: boolean;
  /** Fraction of generated records that are hard-deleted (transactions). */
  readonly deletedRate: number;
  /** Fraction of generated records that are inactive (name lists). */
  readonly inactiveRate: number;
  /** Queryable fields beyond the common ones (Id, SyncToken, MetaData times, Active for name lists). */
  readonly fields: readonly FieldDef[];
  /**
   * Appends the entity-specific fields to `payload` (which already holds domain, sparse, Id,
   * SyncToken, MetaData). Fields are assigned in order rather than spread: key order is the JSON
   * order, and plain assignment keeps generation fast enough for the `large` profile.
   */
  build(ctx: BuildContext, payload: Record<string, unknown>): void;
  /** Makes a visible change to a copy of the payload, as an edit in QBO would. */
  change(payload: Record<string, unknown>, rng: Rng): void;
}

/** The head every QBO entity payload starts with. */
export function payloadHead(
  id: number,
  syncToken: number,
  created: number,
  lastUpdated: number,
): Record<string, unknown> {
  return {
    domain: 'QBO',
    sparse: false,
    Id: String(id),
    SyncToken: String(syncToken),
    MetaData: { CreateTime: formatPacific(created), LastUpdatedTime: formatPacific(lastUpdated) },
  };
}

/** Fields every entity can be queried on. */
export const COMMON_FIELDS: readonly FieldDef[] = [
  { name: 'Id', type: 'id', get: (r) => r.id },
  { name: 'SyncToken', type: 'number', get: (r) => Number(r.payload.SyncToken) },
  { name: 'MetaData.CreateTime', type: 'time', get: (r) => r.created },
  { name: 'MetaData.LastUpdatedTime', type: 'time', get: (r) => r.lastUpdated },
];

export const ACTIVE_FIELD: FieldDef = { name: 'Active', type: 'boolean', get: (r) => r.active };

/** Reads `payload[key]`, or `payload[key][sub]` for references and nested values. */
export function payloadField(key: string, sub?: string): (r: EmRecord) => unknown {
  return (r) => {
    const value = r.payload[key];
    if (sub === undefined) return value;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[sub] : undefined;
  };
}
