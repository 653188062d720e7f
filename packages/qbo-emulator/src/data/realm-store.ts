/**
 * One company (realm): its generated records, day by day and on demand, plus the versions changed
 * while serving (touches, drift, activity). A changed record hides its generated version; its new
 * version lives in `overrides` with its new LastUpdatedTime. Records created while serving take
 * ids above every generated one, so they never collide with a day's range.
 *
 * Nothing exists after the clock's now: a generated record last updated later is not there yet
 * (real QBO never holds a record updated in the future, and a sync that trusted one would set its
 * mark ahead of the source and skip what happens in between).
 */
import { rngFor } from '../prng.js';
import { formatPacific } from '../pacific-time.js';
import { DATA_DAYS, dayIndexOf, dayStartMs } from './calendar.js';
import type { DayCache } from './day-cache.js';
import type { DayPlan } from './day-plan.js';
import type { EntityKind } from './entity-kind.js';
import type { Profile } from './profiles.js';
import { recordJson, type EmRecord } from './record.js';
import { deletionStub, RealmGenerator } from './realm-generator.js';

export interface TouchOptions {
  /** New LastUpdatedTime (epoch ms; truncated to the second). */
  at: number;
  /** Makes a name-list record active or inactive (a soft delete) as part of the change. */
  active?: boolean;
}

/** What changed at the source, as a webhook names it. */
export type ChangeOperation = 'Create' | 'Update' | 'Delete';

const NONE_CHANGED: ReadonlyMap<number, EmRecord> = new Map();
/** A day without records; frozen, since callers receive the cache's own arrays. */
const NO_RECORDS: EmRecord[] = Object.freeze([]) as unknown as EmRecord[];

export type ChangeListener = (kind: EntityKind, record: EmRecord, operation: ChangeOperation) => void;

export class RealmStore {
  /** The company as generated: plans, day index, records of any day. */
  readonly generated: RealmGenerator;
  private readonly overrides = new Map<string, Map<number, EmRecord>>();
  /** Records created while serving, per entity (their ids follow the generated ones). */
  private readonly created = new Map<string, number>();
  private readonly listeners: ChangeListener[] = [];
  private touches = 0;
  /** Changes made while serving (touches, removals): what was answered before may differ now. */
  private changes = 0;

  constructor(
    readonly seed: number,
    readonly realmId: string,
    readonly profile: Profile,
    private readonly cache: DayCache,
    /** The source's now (epoch ms). */
    private readonly now: () => number = () => Number.POSITIVE_INFINITY,
  ) {
    this.generated = new RealmGenerator(seed, realmId, profile);
  }

  plan(kind: EntityKind): DayPlan {
    return this.generated.plan(kind);
  }

  /** How many records were changed while serving so far: the data's version. */
  get version(): number {
    return this.changes;
  }

  /** Records changed while serving (their current versions). */
  changed(kind: EntityKind): ReadonlyMap<number, EmRecord> {
    return this.overrides.get(kind.qboName) ?? NONE_CHANGED;
  }

  /** Every generated record of a day, including deleted ones and ones changed since. */
  generatedDay(kind: EntityKind, day: number): EmRecord[] {
    // Most days of a small company hold nothing of most entities: the plan says so without the
    // cache. (Empty days in the cache made a year's read of a thousand companies walk and churn an
    // LRU of millions of keys, a third of the emulator's CPU, and held no records to bound it.)
    if (this.emptyDay(kind, day)) return NO_RECORDS;
    return this.cache.getOrCreate(this.dayKey(kind, day), () => this.generated.generate(kind, day));
  }

  /**
   * Generates a day (and its JSON) in the background, off the request path: extractors read day
   * after day, so the day after the one just served is usually next.
   */
  prefetch(kind: EntityKind, day: number): void {
    if (this.emptyDay(kind, day) || this.cache.has(this.dayKey(kind, day))) return;
    setImmediate(() => {
      for (const r of this.generatedDay(kind, day)) recordJson(r);
    }).unref();
  }

  /** Whether the plan gives the day no records (so every day outside the span). */
  private emptyDay(kind: EntityKind, day: number): boolean {
    return this.plan(kind).count(day) === 0;
  }

  private dayKey(kind: EntityKind, day: number): string {
    return `${this.realmId}|${kind.qboName}|${day}`;
  }

  /**
   * The current (unchanged) generated records of a day that exist by now: changed ones are served
   * from `changed()`. Only the day holding now is filtered; earlier days are returned as cached.
   */
  currentDay(kind: EntityKind, day: number): EmRecord[] {
    const now = this.now();
    if (dayStartMs(day) > now) return [];
    const changed = this.changed(kind);
    let records = this.generatedDay(kind, day);
    if (dayStartMs(day + 1) > now) records = records.filter((r) => r.lastUpdated <= now);
    return changed.size === 0 ? records : records.filter((r) => !changed.has(r.id));
  }

  /** Whether every record of the day exists by now (none of it is still to come). */
  pastDay(day: number): boolean {
    return dayStartMs(day + 1) <= this.now();
  }

  /** The current version of a record (deleted ones included), or undefined for an unknown id. */
  byId(kind: EntityKind, id: number): EmRecord | undefined {
    const changed = this.changed(kind).get(id);
    if (changed) return changed;
    const day = this.plan(kind).dayOfId(id);
    if (day === undefined) return undefined;
    const record = this.generatedDay(kind, day).find((r) => r.id === id);
    return record && record.lastUpdated <= this.now() ? record : undefined;
  }

  /** Called after every change made while serving (for webhooks). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  private changedTo(kind: EntityKind, record: EmRecord, operation: ChangeOperation): EmRecord {
    let changed = this.overrides.get(kind.qboName);
    if (!changed) {
      changed = new Map();
      this.overrides.set(kind.qboName, changed);
    }
    changed.set(record.id, record);
    this.changes++;
    for (const listener of this.listeners) listener(kind, record, operation);
    return record;
  }

  /** How many ids the entity has: the generated ones and those created while serving. */
  idCount(kind: EntityKind): number {
    return this.plan(kind).total + (this.created.get(kind.qboName) ?? 0);
  }

  /**
   * Creates a record at `at` (truncated to the second), built as generation builds one of that
   * moment, with the next id above every generated one.
   */
  create(kind: EntityKind, at: number): EmRecord {
    const when = Math.floor(at / 1000) * 1000;
    const n = (this.created.get(kind.qboName) ?? 0) + 1;
    this.created.set(kind.qboName, n);
    const id = this.plan(kind).total + n;
    const day = Math.min(DATA_DAYS - 1, Math.max(0, dayIndexOf(when)));
    const refs = this.generated.referencesOn(day);
    const rng = rngFor(this.seed, this.realmId, kind.qboName, 'created', id);
    const record = this.generated.build(
      kind,
      id,
      rng,
      { created: when, lastUpdated: when, syncToken: 0, active: true },
      refs,
    );
    return this.changedTo(kind, record, 'Create');
  }

  /** Current records (deleted included) whose LastUpdatedTime is in [from, to), unordered. */
  inRange(kind: EntityKind, from: number, to: number): EmRecord[] {
    const out: EmRecord[] = [];
    const first = Math.max(0, dayIndexOf(from));
    const last = Math.min(DATA_DAYS - 1, dayIndexOf(to - 1));
    for (let day = first; day <= last; day++) {
      for (const r of this.currentDay(kind, day))
        if (r.lastUpdated >= from && r.lastUpdated < to) out.push(r);
    }
    for (const r of this.changed(kind).values()) if (r.lastUpdated >= from && r.lastUpdated < to) out.push(r);
    return out;
  }

  /**
   * Changes a record at the source: SyncToken + 1, LastUpdatedTime = `at`, and a visible field
   * edit. Returns undefined for an unknown or deleted record.
   */
  touch(kind: EntityKind, id: number, options: TouchOptions): EmRecord | undefined {
    const current = this.byId(kind, id);
    if (!current || current.deleted) return undefined;
    const at = Math.floor(options.at / 1000) * 1000;
    const syncToken = Number(current.payload.SyncToken) + 1;
    // structuredClone keeps key order, so the changed record's JSON stays stable too.
    const payload = structuredClone(current.payload) as Record<string, unknown>;
    payload.SyncToken = String(syncToken);
    payload.MetaData = { CreateTime: formatPacific(current.created), LastUpdatedTime: formatPacific(at) };
    kind.change(
      payload,
      rngFor(this.seed, this.realmId, kind.qboName, 'change', id, syncToken, this.touches++),
    );
    let active = current.active;
    if (kind.nameList && options.active !== undefined) {
      active = options.active;
      payload.Active = active;
    }
    const record: EmRecord = {
      id,
      lastUpdated: at,
      created: current.created,
      active,
      deleted: false,
      payload,
    };
    return this.changedTo(kind, record, current.active && !active ? 'Delete' : 'Update');
  }

  /**
   * Hard-deletes a transaction at `at` (it leaves queries and shows in CDC as a deletion stub), or
   * soft-deletes a name-list record (Active=false, as QBO does). Undefined for unknown/deleted ones.
   */
  remove(kind: EntityKind, id: number, at: number): EmRecord | undefined {
    if (kind.nameList) return this.touch(kind, id, { at, active: false });
    const current = this.byId(kind, id);
    if (!current || current.deleted) return undefined;
    const when = Math.floor(at / 1000) * 1000;
    const record: EmRecord = {
      id,
      lastUpdated: when,
      created: current.created,
      active: current.active,
      deleted: true,
      payload: deletionStub(id, when),
    };
    return this.changedTo(kind, record, 'Delete');
  }
}
