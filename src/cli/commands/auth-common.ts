import { readFile } from 'node:fs/promises';
import { requireValue, type Config } from '../../config/config.js';
import { openDb, type Db } from '../../infra/db.js';
import { CommandFailedError, cutInput, UsageError } from '../../model/usage-error.js';
import type { CommandIo } from '../command.js';

/** Refresh tokens are opaque ASCII; anything with whitespace inside is a paste mistake. */
export const TOKEN_SHAPE = /^[\x21-\x7e]{1,4096}$/;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Secret input: the file `--file` names, or stdin (with `prompt` first when it is a terminal).
 * Never an argument, which would land in shell history and the process list.
 */
export async function readSecretInput(
  file: string | undefined,
  io: CommandIo,
  prompt: string,
): Promise<string> {
  if (file !== undefined) {
    try {
      return await readFile(file, 'utf8');
    } catch {
      throw new UsageError(`--file: cannot read ${cutInput(file)}`);
    }
  }
  if ((io.stdin as { isTTY?: boolean }).isTTY) io.stderr.write(`${prompt}\n`);
  return readAll(io.stdin);
}

/** `TOKEN_ENCRYPTION_KEY`, which every auth command that stores or reads a token needs. */
export function requireKey(config: Config): Buffer {
  return requireValue(
    config.tokenEncryptionKey,
    'TOKEN_ENCRYPTION_KEY',
    'required to store tokens encrypted (e.g. openssl rand -hex 32)',
  );
}

/** An operator error (table missing: not migrated) deserves a hint rather than a SQL message. */
export async function withDb<T>(config: Config, work: (db: Db) => Promise<T>): Promise<T> {
  const db = openDb(config, { max: 2, applicationName: 'qbo-backfill auth' });
  try {
    return await work(db);
  } catch (err) {
    if ((err as { code?: unknown }).code === '42P01') {
      throw new CommandFailedError('the token store does not exist yet: run qbo-backfill migrate first');
    }
    throw err;
  } finally {
    await db.destroy();
  }
}
