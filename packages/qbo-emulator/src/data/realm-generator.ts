/**
 * One company's generated data, a pure function of (seed, realm, profile): how many records each
 * entity has on each UTC day (its plan, made on first use), how many of them a query hides
 * (the day index), and the records of any day on demand. Nothing here changes while serving; the
 * store (realm-store.ts) keeps the changes and the cache.
 */
import { chance, hashSeeds, intBetween, mulberry32, rngFor, type Rng } from '../prng.js';
import { formatPacific } from '../pacific-time.js';
import { DATA_DAYS, dayStartMs } from './calendar.js';
import { DayPlan } from './day-plan.js';
import { findEntityKind } from './entities.js';
import { payloadHead, type EntityKind } from './entity-kind.js';
import { volumeOf, type Profile } from './profiles.js';
import type { EmRecord } from './record.js';
import { References } from './references.js';

const DAY_SECONDS = 86_400;

/** QBO's deletion stub, as CDC returns it: only Id, domain, status and MetaData. */
export function deletionStub(id: number, at: number): Record<string, unknown> {
  return {
    domain: 'QBO',
    status: 'Deleted',
    Id: String(id),
    MetaData: { LastUpdatedTime: formatPacific(at) },
  };
}

/** A record's head: what it is as generated, before its entity's fields. */
export interface RecordHead {
  created: number;
  lastUpdated: number;
  syncToken: number;
  active: boolean;
}

/**
 * Which generated records a query matches, as far as the day index can tell them apart: the
 * active ones (every transaction not deleted), the inactive ones (name lists only), or both.
 */
export interface IndexedMatch {
  readonly active: boolean;
  readonly inactive: boolean;
}

export class RealmGenerator {
  private readonly plans = new Map<string, DayPlan>();
  /** Per entity: the seed of each record's own stream, by id. */
  private readonly recordSeeds = new Map<string, (id: number) => number>();
  /**
   * Per entity and day: generated records a default query hides (deleted transactions, inactive
   * name-list records). Made on first use for the whole span, from the first draws of each record.
   */
  private readonly hidden = new Map<string, Uint8Array | Uint16Array>();

  constructor(
    readonly seed: number,
    readonly realmId: string,
    readonly profile: Profile,
  ) {}

  plan(kind: EntityKind): DayPlan {
    let plan = this.plans.get(kind.qboName);
    if (!plan) {
      plan = new DayPlan(
        [this.seed, this.realmId, kind.qboName],
        volumeOf(this.profile, kind.qboName),
        this.profile.pinnedMin,
        { singleton: kind.singleton, firstDayMin: kind.firstDayMin },
      );
      this.plans.set(kind.qboName, plan);
    }
    return plan;
  }

  /** Generated records of a whole day that a query matching `match` returns, without generating them. */
  matchesOnDay(kind: EntityKind, day: number, match: IndexedMatch): number {
    const count = this.plan(kind).count(day);
    if (count === 0) return 0;
    const hidden = this.hiddenByDay(kind)[day] as number;
    // A transaction is never inactive; its hidden records are deleted, which no query returns.
    return (match.active ? count - hidden : 0) + (match.inactive && kind.nameList ? hidden : 0);
  }

  /** Whether the generated version of a record is one `match` matches (deleted ones never are). */
  matchesAsGenerated(kind: EntityKind, id: number, match: IndexedMatch): boolean {
    const { active, deleted } = this.head(kind, id, 0);
    return !deleted && (active ? match.active : match.inactive);
  }

  private hiddenByDay(kind: EntityKind): Uint8Array | Uint16Array {
    let hidden = this.hidden.get(kind.qboName);
    if (hidden) return hidden;
    const plan = this.plan(kind);
    let most = 0;
    for (let day = 0; day < DATA_DAYS; day++) most = Math.max(most, plan.count(day));
    hidden = most <= 0xff ? new Uint8Array(DATA_DAYS) : new Uint16Array(DATA_DAYS);
    if (kind.deletedRate > 0 || kind.inactiveRate > 0) {
      for (let day = 0; day < DATA_DAYS; day++) {
        const first = plan.firstId(day);
        const end = first + plan.count(day);
        let n = 0;
        for (let id = first; id < end; id++) {
          const { active, deleted } = this.head(kind, id, 0);
          if (deleted || !active) n++;
        }
        hidden[day] = n;
      }
    }
    this.hidden.set(kind.qboName, hidden);
    return hidden;
  }

  /**
   * Every generated record of a day, including deleted ones, sorted by LastUpdatedTime; with
   * `keepCreated`, only the records whose CreateTime it accepts (the others are not built: a
   * record's own stream decides its CreateTime before anything else, so skipping is cheap).
   */
  generate(kind: EntityKind, day: number, keepCreated?: (created: number) => boolean): EmRecord[] {
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
      const record = this.generateOne(kind, id, start + (seconds[i] as number) * 1000, refs, keepCreated);
      if (record) records.push(record);
    }
    return records;
  }

  /** Reference targets (customers, items, ...) that exist by this day, each plan asked once. */
  referencesOn(day: number): References {
    const targets = new Map<string, number>();
    return new References(this, (name) => {
      let n = targets.get(name);
      if (n === undefined) {
        const kind = findEntityKind(name);
        n = kind ? Math.max(1, this.plan(kind).idsThrough(day)) : 1;
        targets.set(name, n);
      }
      return n;
    });
  }

  private recordSeed(kind: EntityKind): (id: number) => number {
    let seeds = this.recordSeeds.get(kind.qboName);
    if (!seeds) {
      seeds = hashSeeds(this.seed, this.realmId, kind.qboName, 'record');
      this.recordSeeds.set(kind.qboName, seeds);
    }
    return seeds;
  }

  /**
   * The first draws of a record's own stream, which decide whether it exists as generated. Kept in
   * one place so that the day index and references read them exactly as generation does.
   */
  private head(kind: EntityKind, id: number, lastUpdated: number) {
    // Each record has its own stream, so its content does not depend on its neighbours.
    const rng: Rng = mulberry32(this.recordSeed(kind)(id));
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

  /** The customer or vendor a generated transaction was drawn with (its builder's first draw). */
  partyOf(kind: EntityKind, id: number, partyQboName: string): number {
    const day = this.plan(kind).dayOfId(id) ?? 0;
    const party = findEntityKind(partyQboName);
    const n = Math.max(1, party ? this.plan(party).idsThrough(day) : 1);
    return 1 + Math.floor(this.head(kind, id, 0).rng() * n);
  }

  private generateOne(
    kind: EntityKind,
    id: number,
    lastUpdated: number,
    refs: References,
    keepCreated?: (created: number) => boolean,
  ): EmRecord | undefined {
    const { rng, created, syncToken, active, deleted } = this.head(kind, id, lastUpdated);
    if (keepCreated && !keepCreated(created)) return undefined;
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

  /** A record of `kind` built from its own stream `rng`, positioned after its head. */
  build(kind: EntityKind, id: number, rng: Rng, head: RecordHead, refs: References): EmRecord {
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
