/**
 * QBO's per-realm limits. The minute budget is a sliding window (Intuit does not document sliding
 * vs fixed; sliding is the stricter, so a client that passes here passes there). Only accepted
 * requests enter the window: a request refused with 429 does not use up budget, so a client that
 * backs off recovers once old requests slide out. Requests in flight (latency included) count
 * against `maxConcurrent`.
 */
import type { EmulatorConfig } from '../config.js';

export class RealmLimiter {
  private accepted: number[] = [];
  private head = 0;
  inFlight = 0;
  maxConcurrentSeen = 0;

  /** Admits a request (and counts it) or returns why not. */
  tryAcquire(now: number, config: EmulatorConfig): 'ok' | 'concurrency' | 'rate' {
    while (this.head < this.accepted.length && (this.accepted[this.head] as number) <= now - config.windowMs)
      this.head++;
    if (this.head > 1024 && this.head * 2 > this.accepted.length) {
      this.accepted = this.accepted.slice(this.head);
      this.head = 0;
    }
    if (this.inFlight >= config.maxConcurrent) return 'concurrency';
    if (this.accepted.length - this.head >= config.requestsPerMinute) return 'rate';
    this.accepted.push(now);
    this.inFlight++;
    this.maxConcurrentSeen = Math.max(this.maxConcurrentSeen, this.inFlight);
    return 'ok';
  }

  release(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  resetStats(): void {
    this.maxConcurrentSeen = this.inFlight;
  }
}
