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
import { chance, intBetween, rngFor, type Rng } from '../prng.js';
import { formatPacific } from '../pacific-time.js';
import { DATA_DAYS, dayIndexOf, dayStartMs } from './calendar.js';
import { DayCache } from './day-cache.js';
import { DayPlan } from './day-plan.js';
import { ENTITY_KINDS } from './entities.js';
import { payloadHead, type EntityKind } from './entity-kind.js';
import { volumeOf, type Profile } from './profiles.js';
import { recordJson, type EmRecord } from './record.js';
import { References } from './references.js';

const DAY_SECONDS = 86_400;

/** QBO's deletion stub, as CDC returns it: only Id, domain, status and MetaData. */
function deletionStub(id: number, at: number): Record<string, unknown> {
  return {
    domain: 'QBO',
    status: 'Deleted',
    Id: String(id),
    MetaData: { LastUpdatedTime: formatPacific(at) },
  };
}

export interface TouchOptions {
  /** New LastUpdatedTime (epoch ms; truncated to the second). */
  at: number;
  /** Makes a name-list record active or inactive (a soft delete) as part of the change. */
  active?: boolean;
}

/** What changed at the source, as a webhook names it. */
export type ChangeOperation = 'Create' | 'Update' | 'Delete';

export type ChangeListener = (kind: EntityKind, record: EmRecord, operation: ChangeOperation) => void;

export class RealmStore {
  private readonly plans = new Map<string, DayPlan>();
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
    for (const kind of ENTITY_KINDS) {
      this.plans.set(
        kind.qboName,
        new DayPlan([seed, realmId, kind.qboName], volumeOf(profile, kind.qboName), profile.pinnedMin, {
          singleton: kind.singleton,
          firstDayMin: kind.firstDayMin,
        }),
      );
      this.overrides.set(kind.qboName, new Map());
    }
  }

  plan(kind: EntityKind): DayPlan {
    return this.plans.get(kind.qboName) as DayPlan;
  }

  /** How many records were changed while serving so far: the data's version. */
  get version(): number {
    return this.changes;
  }

  /** Records changed while serving (their current versions). */
  changed(kind: EntityKind): ReadonlyMap<number, EmRecord> {
    return this.overrides.get(kind.qboName) as Map<number, EmRecord>;
  }

  /** Every generated record of a day, including deleted ones and ones changed since. */
  generatedDay(kind: EntityKind, day: number): EmRecord[] {
    if (day < 0 || day >= DATA_DAYS) return [];
    return this.cache.getOrCreate(this.dayKey(kind, day), () => this.generate(kind, day));
  }

  /**
   * Generates a day (and its JSON) in the background, off the request path: extractors read day
   * after day, so the day after the one just served is usually next.
   */
  prefetch(kind: EntityKind, day: number): void {
    if (day < 0 || day >= DATA_DAYS || this.cache.has(this.dayKey(kind, day))) return;
    setImmediate(() => {
      for (const r of this.generatedDay(kind, day)) recordJson(r);
    }).unref();
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
    (this.overrides.get(kind.qboName) as Map<number, EmRecord>).set(record.id, record);
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
    const refs = this.referencesOn(day);
    const rng = rngFor(this.seed, this.realmId, kind.qboName, 'created', id);
    const record = this.build(
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

  private generate(kind: EntityKind, day: number): EmRecord[] {
    const plan = this.plan(kind);
    const count = plan.count(day);
    if (count === 0) return [];
    const dayRng = rngFor(this.seed, this.realmId, kind.qboName, 'day', day);
    const seconds = Array.from({ length: count }, () => Math.floor(dayRng() * DAY_SECONDS)).sort(
      (a, b) => a - b,
    );
    // Ids are the day's consecutive range, shuffled: Id order is not LastUpdatedTime order.
    const first = plan.firstId(day);
    const ids = Array.from({ length: count }, (_, i) => first + i);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = Math.floor(dayRng() * (i + 1));
      [ids[i], ids[j]] = [ids[j] as number, ids[i] as number];
    }
    const start = dayStartMs(day);
    const refs = this.referencesOn(day);
    const records: EmRecord[] = [];
    for (let i = 0; i < count; i++) {
      const id = ids[i] as number;
      records.push(this.generateOne(kind, id, start + (seconds[i] as number) * 1000, refs));
    }
    return records;
  }

  /** Reference targets (customers, items, ...) that exist by this day; computed once per day. */
  private referencesOn(day: number): References {
    const targets = new Map<string, number>();
    for (const [name, p] of this.plans) targets.set(name, Math.max(1, p.idsThrough(day)));
    return new References(this, (name) => targets.get(name) ?? 1);
  }

  /**
   * The first draws of a record's own stream, which decide whether it exists as generated. Kept in
   * one place so that {@link generatedDeleted} reads them exactly as generation does.
   */
  private head(kind: EntityKind, id: number, lastUpdated: number) {
    // Each record has its own stream, so its content does not depend on its neighbours.
    const rng: Rng = rngFor(this.seed, this.realmId, kind.qboName, 'record', id);
    const edited = chance(rng, 0.4);
    const created = edited ? lastUpdated - intBetween(rng, 60, 30 * DAY_SECONDS) * 1000 : lastUpdated;
    const syncToken = edited ? intBetween(rng, 1, 5) : 0;
    const active = !(kind.nameList && chance(rng, kind.inactiveRate));
    const deleted = chance(rng, kind.deletedRate);
    return { rng, created, syncToken, active, deleted };
  }

  /** Whether a record was generated hard-deleted, without generating it (references avoid those). */
  generatedDeleted(kind: EntityKind, id: number): boolean {
    return kind.deletedRate > 0 && this.head(kind, id, 0).deleted;
  }

  /**
   * The stream of a generated record positioned after its head, for reading the first values its
   * builder draws (a transaction's customer or vendor) without generating it.
   */
  streamAfterHead(kind: EntityKind, id: number): Rng {
    return this.head(kind, id, 0).rng;
  }

  partyOf(kind: EntityKind, id: number, partyQboName: string): number {
    const day = this.plan(kind).dayOfId(id) ?? 0;
    const n = Math.max(1, this.plans.get(partyQboName)?.idsThrough(day) ?? 1);
    return 1 + Math.floor(this.streamAfterHead(kind, id)() * n);
  }

  private generateOne(kind: EntityKind, id: number, lastUpdated: number, refs: References): EmRecord {
    const { rng, created, syncToken, active, deleted } = this.head(kind, id, lastUpdated);
    if (deleted) {
      return {
        id,
        lastUpdated,
        created,
        active,
        deleted,
        payload: deletionStub(id, lastUpdated),
      };
    }
    return this.build(kind, id, rng, { created, lastUpdated, syncToken, active }, refs);
  }

  private build(
    kind: EntityKind,
    id: number,
    rng: Rng,
    head: { created: number; lastUpdated: number; syncToken: number; active: boolean },
    refs: References,
  ): EmRecord {
    const { created, lastUpdated, syncToken, active } = head;
    const payload = payloadHead(id, syncToken, created, lastUpdated);
    kind.build(
      {
        seed: this.seed,
        realmId: this.realmId,
        rng,
        id,
        created,
        lastUpdated,
        syncToken,
        active,
        idsThrough: refs.idsThrough,
        ref: (name) => refs.ref(rng, name),
        accountRef: (type) => refs.accountRef(rng, type),
        linked: (name, party) => refs.linked(rng, name, party),
      },
      payload,
    );
    return { id, lastUpdated, created, active, deleted: false, payload };
  }
}
