import { pino, type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { LogLevel } from '../config/config.js';
import { escapeControlsButColour } from './terminal-text.js';

export type { Logger };

/**
 * Paths redacted in every log line. Axios errors carry the request config and headers, token
 * responses carry tokens: redacting by path means even a whole logged error cannot leak them.
 */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'access_token',
  'refresh_token',
  '*.access_token',
  '*.refresh_token',
  'accessToken',
  'refreshToken',
  '*.accessToken',
  '*.refreshToken',
  'clientSecret',
  '*.clientSecret',
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.*.headers.authorization',
  '*.*.headers.Authorization',
  'err.config.headers',
  'err.config.data',
  'err.config.auth',
  'err.request',
  'err.response.config',
  'err.response.request',
  'config.headers',
  'config.data',
];

/** Defaults of a logger, declared once. */
export const LOGGER_DEFAULTS = Object.freeze({
  /** The `name` of every line (commands name their own: `qbo-backfill-worker`...). @defaultValue `qbo-backfill` */
  name: 'qbo-backfill',
});

export interface LoggerOptions {
  level: LogLevel;
  /**
   * Human-readable lines (`LOG_PRETTY=1`), or JSON (`LOG_PRETTY=0`). Default: human-readable
   * when the destination is a terminal, JSON otherwise (files, pipes, log collectors).
   */
  pretty?: boolean | undefined;
  /** See {@link LOGGER_DEFAULTS.name}. */
  name?: string;
  /** Where log lines go: the command's stderr (logs never mix with command output on stdout). Default file descriptor 2. */
  destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * Pretty lines, formatted in this thread (not in a transport worker) so that they reach the very
 * stream given, in order. Values logged may hold text from QBO: their control characters are
 * escaped, so a log line cannot drive the terminal it is shown on (colours pass).
 */
function prettyStream(destination: DestinationStream, colour: boolean): DestinationStream {
  const pretty = prettyFactory({ colorize: colour, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' });
  return { write: (line: string) => void destination.write(escapeControlsButColour(pretty(line))) };
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    name: options.name ?? LOGGER_DEFAULTS.name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  const tty = options.destination ? options.destination.isTTY === true : process.stderr.isTTY === true;
  const pretty = options.pretty ?? tty;
  const destination = options.destination ?? pino.destination(2);
  return pino(base, pretty ? prettyStream(destination, tty) : destination);
}
