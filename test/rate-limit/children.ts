/** Spawns and drives limiter-child.ts processes; every child is killed in cleanup. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { RateLimiterOptions } from '../../src/qbo/rate-limit/rate-limiter.js';
import { compiled } from '../helpers/compiled.js';

const CHILD = fileURLToPath(new URL('./fixtures/limiter-child.ts', import.meta.url));

export interface ChildMessage {
  type: 'ready' | 'start' | 'end' | 'done' | 'closed';
  tag?: string;
  /** A gated request's id (`<tag>-<n>`), to release it by. */
  id?: string;
  t?: number;
  start?: number;
  end?: number;
  errors?: string[];
}

export class LimiterChild {
  readonly messages: ChildMessage[] = [];
  private readonly waiters: Array<{
    test: (m: ChildMessage) => boolean;
    resolve: (m: ChildMessage) => void;
  }> = [];

  private constructor(readonly process: ChildProcess) {
    process.on('message', (raw) => {
      const message = raw as ChildMessage;
      this.messages.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
  }

  static async start(options: RateLimiterOptions): Promise<LimiterChild> {
    const child = new LimiterChild(
      fork(compiled(CHILD), [JSON.stringify(options)], {
        execArgv: [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      }),
    );
    await child.next((m) => m.type === 'ready', 30_000);
    return child;
  }

  send(command: object): void {
    this.process.send(command);
  }

  /** The first message (already received or future) that passes test. */
  next(test: (m: ChildMessage) => boolean, timeoutMs: number): Promise<ChildMessage> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child ${this.process.pid}: no message within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Counts messages passing test until there are n of them. */
  async count(test: (m: ChildMessage) => boolean, n: number, timeoutMs: number): Promise<ChildMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter(test);
      if (found.length >= n) return found;
      if (Date.now() > deadline) throw new Error(`child ${this.process.pid}: ${found.length}/${n} messages`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    try {
      this.send({ type: 'close' });
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = once(this.process, 'exit');
    this.process.kill('SIGKILL');
    await exited;
  }
}
