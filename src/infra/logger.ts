import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { LogLevel } from '../config/config.js';

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
  /** Pretty, human-readable lines (`LOG_PRETTY=1`, see the configuration); JSON otherwise. Off unless set. */
  pretty?: boolean;
  /** See {@link LOGGER_DEFAULTS.name}. */
  name?: string;
  /** Where log lines go: the command's stderr (logs never mix with command output on stdout). Default file descriptor 2. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    name: options.name ?? LOGGER_DEFAULTS.name,
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  // pino-pretty as a stream in this thread (not a transport worker): lines reach the very stream given.
  const destination = options.destination ?? pino.destination(2);
  const stream = options.pretty ? PinoPretty({ destination, sync: true }) : destination;
  return pino(base, stream);
}
