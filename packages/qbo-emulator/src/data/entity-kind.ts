/**
 * What the emulator needs to know about one QBO entity: how to generate a record, which fields a
 * query may filter and sort on, and how a touch changes it. Adding an entity means writing one
 * such object (see `invoice.ts`) and listing it in `entities.ts`.
 */
import { intBetween, type Rng } from '../prng.js';
import { formatPacific } from '../pacific-time.js';
import { refName, type AccountType } from './list-names.js';

export type { AccountType };
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
  /**
   * A reference to a record of another entity that exists by this record's day and was not
   * generated deleted, drawn from this record's stream: `{value, name}` for name lists (QBO puts
   * the display name in the reference), `{value}` for transactions. Undefined when none exists yet.
   */
  ref(qboName: string): Ref | undefined;
  /** An account of the given AccountType that exists by this record's day (the chart always has one). */
  accountRef(type: AccountType): Ref;
  /**
   * A transaction of `qboName` to link to (by this day, not deleted) and the id of the customer or
   * vendor it was generated with, so that a payment names its invoice's customer.
   */
  linked(qboName: string, partyQboName: string): { txnId: string; partyId: number } | undefined;
}

/** A QBO reference (`CustomerRef`, `AccountRef`, ...). */
export interface Ref {
  value: string;
  name?: string;
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
  /**
   * One record per company (CompanyInfo, Preferences): generated once with Id 1, on a day drawn
   * from the seed. Default false.
   */
  readonly singleton?: boolean;
  /**
   * Minimum records on the first generated day, so that references from other entities (accounts
   * of each type, say) have targets from the start. Default: the profile's pinned minimum.
   */
  readonly firstDayMin?: number;
  /**
   * Whether change data capture serves the entity. Intuit's CDC page leaves out TimeActivity,
   * TaxAgency, TaxCode and TaxRate (and JournalCode): their changes and deletions show only on a
   * full re-read. Default true.
   */
  readonly cdc?: boolean;
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

/** A reference field queried by the id it points at (`CustomerRef`, `VendorRef`). */
export function refIdField(key: string): FieldDef {
  return { name: key, type: 'id', get: (r) => Number(payloadField(key, 'value')(r)) };
}

/**
 * Queryable payload fields, by name and type, in order: an `id` field is a reference compared by
 * the id it points at; `[type, key]` reads a value nested in the field (`PrimaryEmailAddr.Address`).
 */
export function payloadFields(
  spec: Readonly<Record<string, FieldType | readonly [FieldType, string]>>,
): FieldDef[] {
  return Object.entries(spec).map(([name, type]) => {
    if (type === 'id') return refIdField(name);
    const [fieldType, sub] = typeof type === 'string' ? [type, undefined] : type;
    return { name, type: fieldType, get: payloadField(name, sub) };
  });
}

/** What a kind declares beyond how QBO deletes it. */
type KindBody = Omit<EntityKind, 'nameList' | 'deletedRate' | 'inactiveRate'>;

/** A transaction: hard-deleted at `deletedRate`, never inactive (it has no `Active`). */
export function transactionKind(deletedRate: number, body: KindBody): EntityKind {
  return { nameList: false, deletedRate, inactiveRate: 0, ...body };
}

/** A name list: soft-deleted with `Active=false` at `inactiveRate`, never hard-deleted. */
export function nameListKind(inactiveRate: number, body: KindBody): EntityKind {
  return { nameList: true, deletedRate: 0, inactiveRate, ...body };
}

/** What a name list with referenced names declares: its builder also gets the record's name. */
type NamedKindBody = Omit<KindBody, 'build'> & {
  build(ctx: BuildContext, payload: Record<string, unknown>, name: string): void;
};

/**
 * A name list whose records carry the name references to them quote (see `refName`): the name
 * depends only on (seed, realm, id), so the builder is handed it rather than drawing it.
 */
export function namedListKind(inactiveRate: number, body: NamedKindBody): EntityKind {
  return nameListKind(inactiveRate, {
    ...body,
    build: (ctx, p) => body.build(ctx, p, refName(ctx.seed, ctx.realmId, body.qboName, ctx.id) as string),
  });
}

/**
 * An edit that renames nothing (names and numbers are referenced elsewhere) but is visible in the
 * payload: `field` becomes `<prefix> <4 digits>`.
 */
export function noteEdit(field: string, prefix = 'Updated'): EntityKind['change'] {
  return (payload, rng) => {
    payload[field] = `${prefix} ${intBetween(rng, 1000, 9999)}`;
  };
}
