import { requireValue, type Config } from '../../config/config.js';
import { openDb, type Db } from '../../infra/db.js';
import { CommandFailedError } from '../../model/usage-error.js';

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
