/**
 * Runtime fix for Bottleneck 2.19.5's Redis datastore on Redis 7.
 *
 * Bottleneck's Lua scripts signal lost state with `redis.error_reply('SETTINGS_KEY_NOT_FOUND')`
 * (the limiter's keys are gone: flushed, evicted, expired, or Redis restarted empty) and
 * `redis.error_reply('UNKNOWN_CLIENT')` (this process was dropped as unresponsive). Its
 * `RedisDatastore.runScript` recovers from both by re-creating the keys or re-registering, but it
 * recognises them with an exact comparison `e.message === "SETTINGS_KEY_NOT_FOUND"`. Redis 7
 * prefixes such Lua error replies with `ERR `, so the message arrives as
 * `ERR SETTINGS_KEY_NOT_FOUND`, the comparison never matches, the recovery never runs, and every
 * later `schedule()` on that limiter fails for the life of the process.
 *
 * The fix replaces `RedisDatastore.prototype.runScript` with the same logic, written against
 * normalised error codes (with or without the `ERR ` prefix). It also changes one decision: upstream,
 * a heartbeat that finds the keys gone does nothing, which leaves jobs already queued in this
 * process waiting for a "capacity" broadcast that only a healthy heartbeat sends; after a Redis
 * restart they would wait until some other `schedule()` call happened to re-create the keys. Here a
 * heartbeat re-creates the keys when this limiter has queued jobs, so they resume on their own.
 *
 * It also sends a heartbeat only when one is of use. Upstream, every live limiter runs its heartbeat
 * script on every tick, and each one publishes the realm's capacity to every process subscribed to
 * it. At a thousand realms live in three processes, ticking every 250 ms, that was 4.8 million
 * scripts in 13 minutes (220 for each QBO request) and a quarter of a Redis core. What the tick does
 * is of use to a process only while it has jobs queued for capacity (it frees the expired slots of
 * crashed processes and announces the capacity they wait for); otherwise a tick only says "still
 * here", which every other script says too. So a heartbeat runs when this limiter has jobs queued, or
 * when no script of this limiter has run for a third of `clientTimeout` (a live client is never
 * dropped for silence). See {@link heartbeatDue}.
 *
 * The patch is applied once per process (guarded by a symbol on the prototype) and refuses to
 * apply to any Bottleneck version other than the one it was written against, because it depends
 * on that version's internals.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The Bottleneck version whose internals this patch reproduces (package.json pins it exactly). */
export const PATCHED_BOTTLENECK_VERSION = '2.19.5';

const PATCHED = Symbol.for('qbo-backfill.bottleneck-redis7-patch');
/** When a script of this limiter (any script proves the client alive) last went to Redis. */
const LAST_SCRIPT_AT = Symbol('lastScriptAt');

/**
 * Whether a limiter's heartbeat tick should run its script: while jobs of this process wait for
 * capacity, always; otherwise once a third of `clientTimeout` has passed without any script, so
 * Redis keeps counting the client as alive.
 */
export function heartbeatDue(state: {
  queued: number;
  lastScriptAt: number | undefined;
  clientTimeoutMs: number;
  now: number;
}): boolean {
  if (state.queued > 0) return true;
  return state.lastScriptAt === undefined || state.now - state.lastScriptAt >= state.clientTimeoutMs / 3;
}

/** Error codes Bottleneck's Lua scripts return, as Bottleneck itself expects to see them. */
export type ScriptErrorCode = 'SETTINGS_KEY_NOT_FOUND' | 'UNKNOWN_CLIENT' | 'OVERWEIGHT';

/**
 * Strips the `ERR ` that Redis 7 adds in front of Bottleneck's own Lua error replies
 * (`ERR SETTINGS_KEY_NOT_FOUND` → `SETTINGS_KEY_NOT_FOUND`, `ERR OVERWEIGHT:2:1` →
 * `OVERWEIGHT:2:1`). Any other message is returned unchanged.
 */
export function normaliseScriptErrorMessage(message: string): string {
  const match = /^ERR ((?:SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$|OVERWEIGHT:)/.exec(message);
  return match ? message.slice('ERR '.length) : message;
}

function scriptErrorCode(message: string): ScriptErrorCode | undefined {
  if (message === 'SETTINGS_KEY_NOT_FOUND' || message === 'UNKNOWN_CLIENT') return message;
  if (message.startsWith('OVERWEIGHT:')) return 'OVERWEIGHT';
  return undefined;
}

/** The parts of Bottleneck 2.19.5's RedisDatastore that runScript uses. */
interface RedisDatastoreInternals {
  ready: Promise<unknown>;
  clientId: string;
  originalId: string;
  clientTimeout: number;
  [LAST_SCRIPT_AT]?: number;
  instance: {
    queued(): number;
    Events: { trigger(name: string, ...args: unknown[]): unknown };
  };
  connection: {
    __scriptArgs__(
      name: string,
      id: string,
      args: unknown[],
      cb: (err: Error | null | undefined, replies: unknown) => void,
    ): unknown[];
    __scriptFn__(name: string): (...args: unknown[]) => unknown;
  };
  prepareInitSettings(clear: boolean): string[];
  runScript(name: string, args: unknown[]): Promise<unknown>;
}

async function runScript(this: RedisDatastoreInternals, name: string, args: unknown[]): Promise<unknown> {
  // As upstream: every script but the two that build the state waits for the initial set-up.
  if (!(name === 'init' || name === 'register_client')) await this.ready;
  const now = Date.now();
  if (
    name === 'heartbeat' &&
    !heartbeatDue({
      queued: this.instance.queued(),
      lastScriptAt: this[LAST_SCRIPT_AT],
      clientTimeoutMs: this.clientTimeout,
      now,
    })
  ) {
    return undefined;
  }
  this[LAST_SCRIPT_AT] = now;
  try {
    return await new Promise<unknown>((resolve, reject) => {
      const allArgs = [Date.now(), this.clientId, ...args];
      this.instance.Events.trigger('debug', `Calling Redis script: ${name}.lua`, allArgs);
      const callArgs = this.connection.__scriptArgs__(name, this.originalId, allArgs, (err, replies) => {
        if (err != null) reject(err);
        else resolve(replies);
      });
      this.connection.__scriptFn__(name)(...callArgs);
    });
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // Normalise in place too: Bottleneck's __submit__ parses `OVERWEIGHT:weight:max` from it.
    error.message = normaliseScriptErrorMessage(error.message);
    const code = scriptErrorCode(error.message);
    if (code === 'SETTINGS_KEY_NOT_FOUND') {
      // Upstream skips heartbeats here; we re-create the state when local jobs are waiting for it.
      if (name === 'heartbeat' && this.instance.queued() === 0) return undefined;
      await this.runScript('init', this.prepareInitSettings(false));
      return this.runScript(name, args);
    }
    if (code === 'UNKNOWN_CLIENT') {
      await this.runScript('register_client', [this.instance.queued()]);
      return this.runScript(name, args);
    }
    throw error;
  }
}

/**
 * Installs the Redis 7 fix into Bottleneck's RedisDatastore. Idempotent; throws when the installed
 * Bottleneck is not the version the fix was written for (its internals may differ).
 */
export function applyBottleneckRedis7Patch(): void {
  const version = (require('bottleneck/lib/version.json') as { version: string }).version;
  if (version !== PATCHED_BOTTLENECK_VERSION) {
    throw new Error(
      `bottleneck ${version} is installed, but the rate limiter's Redis 7 fix was written for ` +
        `${PATCHED_BOTTLENECK_VERSION}; re-check src/qbo/rate-limit/bottleneck-redis7.ts before upgrading`,
    );
  }
  const RedisDatastore = require('bottleneck/lib/RedisDatastore.js') as {
    prototype: Record<PropertyKey, unknown>;
  };
  const proto = RedisDatastore.prototype;
  if (proto[PATCHED] === true) return;
  proto.runScript = runScript;
  proto[PATCHED] = true;
}

/** Whether the fix is installed (for tests and start-up checks). */
export function isBottleneckRedis7PatchApplied(): boolean {
  const RedisDatastore = require('bottleneck/lib/RedisDatastore.js') as {
    prototype: Record<PropertyKey, unknown>;
  };
  return RedisDatastore.prototype[PATCHED] === true;
}
