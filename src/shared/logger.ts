import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

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

export interface LoggerOptions {
  level: LogLevel;
  /** Pretty, human-readable lines (only when asked: `LOG_PRETTY=1`); JSON otherwise. */
  pretty?: boolean;
  name?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const pretty = options.pretty ?? process.env.LOG_PRETTY === '1';
  return pino(
    {
      name: options.name ?? 'qbo-backfill',
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      ...(pretty ? { transport: { target: 'pino-pretty', options: { destination: 2 } } } : {}),
    },
    pretty ? undefined : pino.destination(2),
  );
}
