import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseConfig, type Config, type Env, type LogConfig, type ParseOptions } from '../config/config.js';
import { createLogger, type Logger } from '../infra/logger.js';
import { REALM_ID_PATTERN } from '../config/qbo-environments.js';
import { cutInput, quoteInput, UsageError } from '../model/usage-error.js';
import { escapeControls } from '../infra/terminal-text.js';

/** Exit codes of the contract. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/**
 * Everything a command line touches of its process, handed in: the real process in the binary,
 * strings and buffers in tests (which then run commands in-process, in milliseconds).
 */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  /** Error lines and logs (pino writes here). */
  stderr: NodeJS.WritableStream;
  /** Standard input, for secrets such as `auth set`. */
  stdin: NodeJS.ReadableStream;
  /** The environment the configuration is read from. */
  env: Env;
  /** The clock commands read "now" from (tests inject one). Default: the system clock. */
  now?: () => Date;
}

export interface CommandIo extends CliIo {
  /**
   * One line (or block) of command output, human or JSON, its control characters escaped
   * (escapeControls; JSON stays the same JSON). Logs go to stderr through pino, never here.
   */
  out: (line: string) => void;
  /** Parses the configuration from `env`; commands call it once, after their flags are checked. */
  config: (options?: ParseOptions) => Config;
  /** A logger writing to `stderr` at the configured level and format. */
  logger: (config: LogConfig, name?: string) => Logger;
  /** The current instant, from the injected clock when there is one. */
  now: () => Date;
}

/** Wraps the process streams and environment for the commands. */
export function commandIo(io: CliIo): CommandIo {
  return {
    ...io,
    now: io.now ?? (() => new Date()),
    // Every line a command prints may hold text from QBO: none reaches the terminal as a control.
    out: (line) => void io.stdout.write(`${escapeControls(line, 'keep')}\n`),
    config: (options) => parseConfig(io.env, options),
    logger: (config, name) =>
      createLogger({ level: config.logLevel, pretty: config.logPretty, name, destination: io.stderr }),
  };
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Resolves to the exit code. Throws UsageError/ConfigError for bad input. */
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** The flag options a command declares (`node:util` parseArgs options). */
export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** `node:util` parseArgs with our error style: an unknown flag is a one-line usage error. */
export function parseFlags<O extends FlagOptions>(
  argv: string[],
  options: O,
  usage: string,
  /** Commands that read positional arguments (or refuse them with their own words) say so. */
  readsPositionals = false,
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    // Node's own wording is long and changes between versions: say it in one short line.
    const unknown = /Unknown option '([^']+)'/.exec(raw);
    const message = unknown
      ? `unknown option ${cutInput(unknown[1] as string)}`
      : (raw.split('\n')[0] ?? 'bad arguments').replace(/\.$/, '');
    throw new UsageError(`${message}; usage: ${usage}`);
  }
  // A stray word (a flag's value without its flag, a typo) must not run the command without it.
  if (!readsPositionals && parsed.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument ${quoteInput(parsed.positionals[0] as string)}; usage: ${usage}`,
    );
  }
  return parsed;
}

export function intFlag(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got ${quoteInput(value)}`);
  }
  return Number(value);
}

const DURATION_UNITS_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** A duration flag such as `90s`, `10m` or `1h`, in ms, from `minMs` to `maxMs`. */
export function durationFlag(
  value: string | undefined,
  name: string,
  minMs: number,
  maxMs: number,
): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d{1,6})(s|m|h)$/.exec(value.trim());
  const ms = match ? Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number) : NaN;
  if (!(ms >= minMs && ms <= maxMs)) {
    throw new UsageError(
      `--${name}: expected a duration such as 90s, 10m or 1h, from ${minMs / 1000} s to ${maxMs / 3_600_000} h, got ${quoteInput(value)}`,
    );
  }
  return ms;
}

/** `--realm`: a QBO company id. `withValue` adds the value given to the message. */
export function checkRealmFlag(realm: string, withValue = false): string {
  if (!REALM_ID_PATTERN.test(realm)) {
    throw new UsageError(
      `--realm: expected a numeric company (realm) id${withValue ? `, got ${quoteInput(realm)}` : ''}`,
    );
  }
  return realm;
}

/** `--realm all`: every connected realm (a stored token, not disconnected). */
export const ALL_REALMS = 'all';

/** What `--realm` names: companies by id, or every connected one (resolved against the token store). */
export type RealmsFlag = { readonly all: true } | { readonly all: false; readonly ids: string[] };

/**
 * `--realm`, repeated or comma-separated (`--realm 1,2 --realm 3`): each company once, in the order
 * given; `fallback` (QBO_REALM_ID) when none is given; or `all`, alone. Every id is checked before
 * any is used.
 */
export function realmsFlag(values: string[] | undefined, fallback: string | undefined): RealmsFlag {
  const given = (values ?? []).flatMap((v) => v.split(','));
  if (given.some((realm) => realm.toLowerCase() === ALL_REALMS)) {
    if (given.length > 1)
      throw new UsageError('--realm all names every connected realm: give it alone, without ids');
    return { all: true };
  }
  if (given.length === 0 && fallback !== undefined) given.push(fallback);
  if (given.length === 0) throw new UsageError('--realm is required when QBO_REALM_ID is not set');
  for (const realm of given) checkRealmFlag(realm, true);
  return { all: false, ids: [...new Set(given)] };
}
