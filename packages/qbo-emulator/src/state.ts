/** Everything one running emulator holds: config, companies, tokens, limits, counters, its clock. */
import type { Clock } from '@qbo-backfill/clock';
import {
  DEFAULT_EMULATOR_CONFIG,
  EmulatorConfigError,
  validateConfigPatch,
  type EmulatorConfig,
} from './config.js';
import { Activity } from './data/activity.js';
import { DayCache } from './data/day-cache.js';
import { Drift } from './data/drift.js';
import { findEntityKind } from './data/entities.js';
import type { EntityKind } from './data/entity-kind.js';
import { PROFILES, type ProfileName } from './data/profiles.js';
import { RealmStore } from './data/realm-store.js';
import { LedgerCache } from './ledger/ledger-cache.js';
import { AuthorizationCodes } from './http/authorization-codes.js';
import { RealmLimiter } from './http/realm-limiter.js';
import { ReplyCache } from './http/reply-cache.js';
import { StatsRecorder, type StatsSnapshot } from './http/stats.js';
import { TokenAuthority } from './http/token-authority.js';
import { WebhookOutbox } from './http/webhook-outbox.js';
import { parseInstant, utcDate } from './pacific-time.js';
import { truthByDay } from './query/indexed-days.js';
import { hashSeed, mulberry32, type Rng } from './prng.js';
import type { TouchRequest, TruthResult } from './types.js';

/** A request the caller got wrong (unknown realm, entity or id): HTTP 400/404 at the admin API. */
export class EmulatorRequestError extends Error {
  override readonly name = 'EmulatorRequestError';
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

/** The truth's shape of counts by UTC date: their sum and the dates in order. */
function dayTotals(counts: ReadonlyMap<string, number>): Pick<TruthResult, 'count' | 'byDay'> {
  const byDay: Record<string, number> = {};
  let count = 0;
  for (const day of [...counts.keys()].sort()) {
    byDay[day] = counts.get(day) as number;
    count += byDay[day];
  }
  return { count, byDay };
}

/** Every instant a record can have: the truth of an entity read whole. */
export const WHOLE_SPAN = Object.freeze({ from: 0, to: 8.64e15 });

export interface StateOptions {
  seed: number;
  profile: ProfileName;
  realmIds: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  config: Partial<EmulatorConfig>;
  /** The emulator's now: every time-driven behaviour reads it (see clock.ts). */
  clock: Clock;
}

export class EmulatorState {
  config: EmulatorConfig;
  readonly stores = new Map<string, RealmStore>();
  readonly limiters = new Map<string, RealmLimiter>();
  readonly tokens: TokenAuthority;
  /** Codes of the authorize page, until `grant_type=authorization_code` spends them. */
  readonly codes = new AuthorizationCodes();
  readonly stats: StatsRecorder;
  readonly drift: Drift;
  readonly activity: Activity;
  /** Changes waiting to be POSTed to `webhookUrl`. */
  readonly webhooks: WebhookOutbox;
  /** Decides faults and latency: seeded too, so a run with the same requests sees the same faults. */
  readonly faultRng: Rng;
  /** Per-realm ledgers the reports read, folded once per day (bounded, shared by every realm). */
  readonly ledgers = new LedgerCache();
  /** Answers kept when `cacheReplies` is on. */
  readonly replies = new ReplyCache();
  readonly clock: Clock;

  constructor(readonly options: StateOptions) {
    this.clock = options.clock;
    const now = this.clock.now();
    this.config = { ...DEFAULT_EMULATOR_CONFIG, ...validateConfigPatch(options.config) };
    const profile = PROFILES[options.profile];
    const cache = new DayCache(profile.cacheRecords);
    this.webhooks = new WebhookOutbox(now);
    for (const realmId of options.realmIds) {
      const store = new RealmStore(options.seed, realmId, profile, cache, () => this.clock.now());
      // Only while an endpoint is set: changes made before it was are not notified later.
      store.onChange((kind, record, operation) => {
        if (this.config.webhookUrl) this.webhooks.add(realmId, kind, record, operation);
      });
      this.stores.set(realmId, store);
      this.limiters.set(realmId, new RealmLimiter());
    }
    this.tokens = new TokenAuthority(options.refreshToken, now);
    this.stats = new StatsRecorder(options.realmIds);
    this.drift = new Drift(options.seed, now);
    this.activity = new Activity(options.seed, now);
    this.faultRng = mulberry32(hashSeed(options.seed, 'faults'));
  }

  setConfig(patch: unknown): EmulatorConfig {
    const valid = validateConfigPatch(patch);
    // The changes due at the old rates happen whether or not anyone looked before the change.
    this.catchUpDrift();
    if (valid.driftPerMinute !== undefined && valid.driftPerMinute !== this.config.driftPerMinute)
      this.drift.restart(this.clock.now());
    if (valid.activityPerMinute !== undefined && valid.activityPerMinute !== this.config.activityPerMinute)
      this.activity.restart(this.clock.now());
    const next = { ...this.config, ...valid };
    if (next.webhookUrl && !next.webhookVerifierToken)
      throw new EmulatorConfigError('webhookUrl needs webhookVerifierToken (the key of intuit-signature)');
    this.config = next;
    for (const key of Object.keys(valid) as (keyof EmulatorConfig)[])
      if (valid[key] === undefined) delete (this.config as Partial<EmulatorConfig>)[key];
    return this.getConfig();
  }

  getConfig(): EmulatorConfig {
    const c = this.config;
    return {
      ...c,
      latencyMs: Array.isArray(c.latencyMs) ? [c.latencyMs[0], c.latencyMs[1]] : c.latencyMs,
      unfilterableEntities: [...c.unfilterableEntities],
    };
  }

  /** Applies due drift and activity; call before anything observes the data. */
  catchUpDrift(now = this.clock.now()): void {
    const stores = [...this.stores.values()];
    this.drift.catchUp(now, this.config.driftPerMinute, stores);
    this.activity.catchUp(now, this.config.activityPerMinute, stores);
  }

  /**
   * Delivers the webhook events that wait, when the aggregation interval has passed (or at once
   * with `force`). The server calls it on a timer, so changes are notified without anyone asking.
   */
  async deliverWebhooks(force = false): Promise<void> {
    const { webhookUrl, webhookVerifierToken, webhookIntervalMs } = this.config;
    if (!webhookUrl) return;
    const now = this.clock.now();
    this.catchUpDrift(now);
    if (!force && !this.webhooks.due(now, webhookIntervalMs)) return;
    await this.webhooks.deliver(
      { url: webhookUrl, verifierToken: webhookVerifierToken ?? '', intervalMs: webhookIntervalMs },
      now,
    );
  }

  statsSnapshot(): StatsSnapshot {
    return {
      ...this.stats.snapshot((realmId) => this.limiters.get(realmId)?.maxConcurrentSeen ?? 0),
      webhooks: this.webhooks.stats(),
    };
  }

  resetStats(): void {
    this.stats.reset();
    this.webhooks.resetStats();
    for (const limiter of this.limiters.values()) limiter.resetStats();
  }

  store(realmId: string): RealmStore {
    const store = this.stores.get(realmId);
    if (!store) throw new EmulatorRequestError(404, `unknown realm ${JSON.stringify(realmId)}`);
    return store;
  }

  kind(entity: string): EntityKind {
    const kind = findEntityKind(entity);
    if (!kind) throw new EmulatorRequestError(400, `unknown entity ${JSON.stringify(entity)}`);
    return kind;
  }

  truth(realmId: string, entity: string, from: number, to: number, withIds: boolean): TruthResult {
    this.catchUpDrift();
    const kind = this.kind(entity);
    // One record per company, read whole by extractors: its truth is the whole entity.
    const span = kind.singleton ? WHOLE_SPAN : { from, to };
    const store = this.store(realmId);
    // Counts alone: whole days come from the day index, without generating them.
    if (!withIds) return dayTotals(truthByDay(store, kind, span.from, span.to));
    const all = store.inRange(kind, span.from, span.to).sort((a, b) => a.id - b.id);
    const records = all.filter((r) => !r.deleted);
    const counts = new Map<string, number>();
    for (const r of records) {
      const day = utcDate(r.lastUpdated);
      counts.set(day, (counts.get(day) ?? 0) + 1);
    }
    // Hard-deleted transactions, whose deletion falls in the range (what sync must mark deleted).
    const deletedIds = all.filter((r) => r.deleted).map((r) => String(r.id));
    return { ...dayTotals(counts), ids: records.map((r) => String(r.id)), deletedIds };
  }

  touch(request: TouchRequest): Record<string, unknown> {
    this.catchUpDrift();
    const store = this.store(request.realmId);
    const kind = this.kind(request.entity);
    let at = this.clock.now();
    if (request.lastUpdatedTime !== undefined) {
      const parsed =
        request.lastUpdatedTime instanceof Date
          ? request.lastUpdatedTime.getTime()
          : parseInstant(request.lastUpdatedTime);
      if (parsed === undefined || Number.isNaN(parsed)) {
        throw new EmulatorRequestError(400, 'lastUpdatedTime: expected an ISO-8601 date-time with an offset');
      }
      at = parsed;
    }
    if (request.active !== undefined && typeof request.active !== 'boolean') {
      throw new EmulatorRequestError(400, 'active: expected true or false');
    }
    const record = store.touch(kind, Number(request.id), { at, active: request.active });
    if (!record)
      throw new EmulatorRequestError(
        404,
        `no ${kind.qboName} with Id ${JSON.stringify(request.id)} (or it is deleted)`,
      );
    return record.payload;
  }

  /** Deletes a record at the source (hard for transactions, Active=false for name lists). */
  remove(request: { realmId: string; entity: string; id: string; at?: number }): Record<string, unknown> {
    this.catchUpDrift();
    const kind = this.kind(request.entity);
    const record = this.store(request.realmId).remove(
      kind,
      Number(request.id),
      request.at ?? this.clock.now(),
    );
    if (!record)
      throw new EmulatorRequestError(
        404,
        `no ${kind.qboName} with Id ${JSON.stringify(request.id)} (or it is deleted)`,
      );
    return record.payload;
  }

  getRecord(realmId: string, entity: string, id: string): Record<string, unknown> | undefined {
    this.catchUpDrift();
    return this.store(realmId).byId(this.kind(entity), Number(id))?.payload;
  }
}
