import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { int4Array, int8Array, textArray, timestamptzArray } from '../../src/raw/pg-binary-array.js';

describe('binary array parameters', () => {
  let tdb: TestDatabase;
  let client: pg.Client;
  before(async () => {
    tdb = await createTestDatabase({ migrate: false });
    client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
  });
  after(async () => {
    await client.end();
    await tdb.drop();
  });
  const text = async (value: Buffer, cast: string) =>
    (await client.query<{ v: string }>(`SELECT ($1::${cast})::text AS v`, [value])).rows[0]?.v;

  it('reads back as the values they were built from, NULLs and empty arrays included', async () => {
    assert.equal(await text(int4Array([1, -2, 2147483647]), 'int[]'), '{1,-2,2147483647}');
    assert.equal(await text(int4Array([]), 'int[]'), '{}');
    assert.equal(
      await text(int8Array([0, null, 9007199254740991, -5]), 'bigint[]'),
      '{0,NULL,9007199254740991,-5}',
    );
    assert.equal(
      await text(textArray(['1', '', 'é 中 🙂', 'a"b\\c', 'NULL']), 'text[]'),
      '{1,"","é 中 🙂","a\\"b\\\\c","NULL"}',
    );
    const dates = [new Date('2026-01-15T16:20:03.123Z'), null, new Date('1999-12-31T23:59:59Z')];
    const { rows } = await client.query<{ v: Date[] }>(`SELECT $1::timestamptz[] AS v`, [
      timestamptzArray(dates),
    ]);
    assert.deepEqual(rows[0]?.v, dates);
  });

  it('is refused when the cast names another element type', async () => {
    await assert.rejects(
      text(int4Array([1]), 'bigint[]'),
      /element type 23 \(integer\) instead of expected 20/,
    );
  });
});
