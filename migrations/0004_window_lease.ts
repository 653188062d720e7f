import { sql, type Kysely } from 'kysely';

/**
 * The window's lease: the number of the attempt that owns the window. A job that starts the window
 * takes the next number (only if the window still has the number it read when it loaded it), and
 * every write of that job names its number, so a worker whose BullMQ lock lapsed (a long GC pause,
 * a frozen VM) and which wakes up after another worker took the window over changes nothing.
 * resume, retry and cancel take a new number too, fencing out whatever attempt was still running.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE ops.windows ADD COLUMN lease int NOT NULL DEFAULT 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE ops.windows DROP COLUMN IF EXISTS lease`.execute(db);
}
