import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { isBottleneckRedis7PatchApplied } from '../../src/qbo/rate-limit/bottleneck-redis7.js';
import { importSrcModules } from '../helpers/src-modules.js';

describe('importing the product', () => {
  it("patches nothing and sets no parser: Bottleneck's fix and pg's types wait for an explicit call", async () => {
    const parser = (oid: number) => pg.types.getTypeParser(oid) as (value: string) => unknown;
    const int8 = parser(pg.types.builtins.INT8);
    const date = parser(pg.types.builtins.DATE);
    const modules = await importSrcModules(
      ['config', 'model', 'infra', 'qbo', 'raw', 'backfill', 'sync', 'worker', 'dashboard', 'cli'],
      // The binary runs the command line when imported: that is its one job.
      ['cli/bin.'],
    );
    assert.ok(modules.has('infra/db.js') || modules.has('infra/db.ts'), [...modules.keys()].join());
    assert.equal(isBottleneckRedis7PatchApplied(), false);
    assert.equal(parser(pg.types.builtins.INT8), int8);
    assert.equal(parser(pg.types.builtins.DATE), date);
    assert.equal(int8('12'), '12', "pg's own int8 parser: a string");
  });
});
