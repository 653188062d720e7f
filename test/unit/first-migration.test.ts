import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import * as firstMigration from '../../migrations/0001_ops_schema.js';

describe('the first migration', () => {
  it('runs exactly the SQL it always ran', async () => {
    const statements: string[] = [];
    const db = new Kysely<unknown>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
      log: (event) => {
        statements.push(`${event.query.sql} ${JSON.stringify(event.query.parameters)}`);
      },
    });
    await firstMigration.up(db);
    await firstMigration.down(db);
    const text = statements.join('\n---\n');
    assert.match(
      text,
      /CHECK \(status IN \('scheduled','running','succeeded','failed','halted','cancelled'\)\)/,
    );
    assert.match(
      text,
      /CHECK \(status IN \('pending','running','succeeded','failed','skipped','cancelled'\)\)/,
    );
    assert.match(text, /WHERE status IN \('scheduled','running'\)/);
    // The hash of the SQL as first released: any change would leave migrated databases behind.
    assert.equal(
      createHash('sha256').update(text).digest('hex'),
      'c4c0430179056e07d3eaa9753f34e167c9637db0b79ba88796f1cfcb505c7e3a',
    );
  });
});
