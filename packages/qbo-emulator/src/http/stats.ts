/** Request counters served at `GET /__emulator/stats`. */
import type { WebhookStats } from './webhook-outbox.js';

export interface StatsSnapshot {
  /** Per realm: responses by HTTP status (`"dropped"` for cut connections), and peak concurrency. */
  realms: Record<string, { requests: Record<string, number>; maxConcurrentSeen: number }>;
  /** Token-endpoint responses by HTTP status. */
  token: { requests: Record<string, number> };
  /** Requests for unknown realms or paths, by HTTP status. */
  other: { requests: Record<string, number> };
  /** Webhook deliveries to `webhookUrl` (see webhook-outbox.ts). */
  webhooks?: WebhookStats;
}

export class StatsRecorder {
  private realms = new Map<string, Record<string, number>>();
  private token: Record<string, number> = {};
  private other: Record<string, number> = {};

  constructor(private readonly realmIds: readonly string[]) {
    this.reset();
  }

  realm(realmId: string, outcome: number | 'dropped'): void {
    const counts = this.realms.get(realmId);
    if (counts) counts[String(outcome)] = (counts[String(outcome)] ?? 0) + 1;
    else this.unrouted(outcome);
  }

  tokenEndpoint(status: number): void {
    this.token[String(status)] = (this.token[String(status)] ?? 0) + 1;
  }

  unrouted(outcome: number | 'dropped'): void {
    this.other[String(outcome)] = (this.other[String(outcome)] ?? 0) + 1;
  }

  reset(): void {
    this.realms = new Map(this.realmIds.map((r) => [r, {}]));
    this.token = {};
    this.other = {};
  }

  snapshot(maxConcurrentSeen: (realmId: string) => number): StatsSnapshot {
    const realms: StatsSnapshot['realms'] = {};
    for (const [realmId, counts] of this.realms) {
      realms[realmId] = { requests: { ...counts }, maxConcurrentSeen: maxConcurrentSeen(realmId) };
    }
    return { realms, token: { requests: { ...this.token } }, other: { requests: { ...this.other } } };
  }
}
