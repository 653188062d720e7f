/**
 * Intuit's webhooks, emulated: every change made while serving (touches, deletes, drift, activity)
 * becomes a CloudEvents event, and events are POSTed to `webhookUrl` as one JSON array per
 * delivery, signed with `intuit-signature` = base64(HMAC-SHA256(body, webhookVerifierToken)).
 * Production aggregates changes over 1 to 5 minutes; `webhookIntervalMs` sets the aggregation
 * (0: at once, as in the sandbox). A delivery that fails (no answer, or not 2xx) keeps its events
 * for the next one, as Intuit retries; what a delivery holds is bounded so that an endpoint down
 * for long does not grow one body without end.
 */
import { createHash, createHmac } from 'node:crypto';
import type { EntityKind } from '../data/entity-kind.js';
import type { EmRecord } from '../data/record.js';
import type { ChangeOperation } from '../data/realm-store.js';

/** Events per delivery at most; the rest wait for the next one. */
const MAX_EVENTS_PER_DELIVERY = 1000;
/** Events kept while the endpoint fails; older ones are dropped (and counted) beyond it. */
const MAX_PENDING = 100_000;
/** A delivery that gets no answer within this is a failure. */
const DELIVERY_TIMEOUT_MS = 5000;

const VERB: Record<ChangeOperation, string> = { Create: 'created', Update: 'updated', Delete: 'deleted' };

export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  datacontenttype: 'application/json';
  time: string;
  intuitentityid: string;
  intuitaccountid: string;
  data: Record<string, never>;
}

export interface WebhookStats {
  /** Deliveries answered 2xx. */
  batches: number;
  /** Events in those deliveries. */
  events: number;
  /** Deliveries that failed (no answer, or not 2xx). */
  failures: number;
  /** Events dropped because too many waited. */
  dropped: number;
}

export interface WebhookTarget {
  url: string;
  verifierToken: string;
  intervalMs: number;
}

/**
 * The signature Intuit sends: base64 of HMAC-SHA256 over the raw body, keyed with the verifier token.
 * Written here rather than shared with the dashboard's check on purpose: the emulator is the tests'
 * ground truth, and a signing mistake shared by both sides would pass every test.
 */
export function intuitSignature(body: string, verifierToken: string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

export class WebhookOutbox {
  private pending: CloudEvent[] = [];
  private lastDelivery: number;
  private inFlight: Promise<void> | undefined;
  private counts: WebhookStats = { batches: 0, events: 0, failures: 0, dropped: 0 };

  constructor(now: number) {
    this.lastDelivery = now;
  }

  stats(): WebhookStats {
    return { ...this.counts };
  }

  resetStats(): void {
    this.counts = { batches: 0, events: 0, failures: 0, dropped: 0 };
  }

  /** Events waiting for a delivery. */
  get waiting(): number {
    return this.pending.length;
  }

  add(realmId: string, kind: EntityKind, record: EmRecord, operation: ChangeOperation): void {
    const time = new Date(record.lastUpdated).toISOString();
    // Deterministic ids: the same change is the same event, as a repeated delivery of it would be.
    const id = createHash('sha256')
      .update(`${realmId}|${kind.qboName}|${record.id}|${operation}|${record.lastUpdated}`)
      .digest('hex')
      .slice(0, 32);
    this.pending.push({
      specversion: '1.0',
      id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
      source: 'intuit.emulator',
      type: `qbo.${kind.qboName.toLowerCase()}.${VERB[operation]}.v1`,
      datacontenttype: 'application/json',
      time,
      intuitentityid: String(record.id),
      intuitaccountid: realmId,
      data: {},
    });
    // Not while a delivery is under way: its batch is the oldest events, removed by position once
    // the endpoint has taken them.
    if (this.inFlight === undefined && this.pending.length > MAX_PENDING) {
      const over = this.pending.length - MAX_PENDING;
      this.pending.splice(0, over);
      this.counts.dropped += over;
    }
  }

  /** Whether a delivery is due: events wait and the aggregation interval has passed. */
  due(now: number, intervalMs: number): boolean {
    return this.pending.length > 0 && this.inFlight === undefined && now - this.lastDelivery >= intervalMs;
  }

  /** Delivers what waits (in batches of at most 1000 events); resolves when done. One at a time. */
  async deliver(target: WebhookTarget, now: number): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.inFlight = this.deliverAll(target, now);
    try {
      await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  }

  private async deliverAll(target: WebhookTarget, now: number): Promise<void> {
    this.lastDelivery = now;
    // What waits now; events added while this delivery is under way wait for the next interval.
    let due = this.pending.length;
    while (due > 0) {
      const batch = this.pending.slice(0, Math.min(due, MAX_EVENTS_PER_DELIVERY));
      const body = JSON.stringify(batch);
      let ok = false;
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'intuit-signature': intuitSignature(body, target.verifierToken),
          },
          body,
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
        await res.arrayBuffer();
        ok = res.ok;
      } catch {
        ok = false;
      }
      if (!ok) {
        this.counts.failures++;
        return; // the events stay for the next delivery
      }
      this.pending.splice(0, batch.length);
      due -= batch.length;
      this.counts.batches++;
      this.counts.events += batch.length;
    }
  }
}
