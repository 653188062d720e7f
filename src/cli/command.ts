import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../shared/usage-error.js';

/** Exit codes of the contract. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CommandIo {
  /** Command output (human or JSON). Logs go to stderr through pino, never here. */
  out: (line: string) => void;
  /** Standard input, for secrets such as `auth set`. */
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Resolves to the exit code. Throws UsageError/ConfigError for bad input. */
  run(argv: string[], io: CommandIo): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** `node:util` parseArgs with our error style: an unknown flag is a one-line usage error. */
export function parseFlags<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    // Node's own wording is long and changes between versions: say it in one short line.
    const unknown = /Unknown option '([^']+)'/.exec(raw);
    const message = unknown
      ? `unknown option ${unknown[1]}`
      : (raw.split('\n')[0] ?? 'bad arguments').replace(/\.$/, '');
    throw new UsageError(`${message}; usage: ${usage}`);
  }
}

export function intFlag(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}
