/**
 * The drills that fit in `npm test`, at the QUICK scale (a week, PostgreSQL down 5 s): PostgreSQL
 * restarted mid-run (the outage that once made every worker exit) and invalid_grant then auth set
 * (the token race). `npm run test:drills` runs all of them at the FULL scale.
 */
import { describe, it } from 'node:test';
import { DRILLS, QUICK as SCALE } from './drills.js';

const QUICK = ['PostgreSQL restarted mid-run', 'invalid_grant, then auth set and resume'];

describe('drills (the quick ones)', () => {
  for (const drill of DRILLS.filter((d) => QUICK.some((q) => d.name.startsWith(q)))) {
    it(drill.name, async (t) => {
      t.diagnostic(`drill ${drill.name}: ${JSON.stringify(await drill.run(SCALE))}`);
    });
  }
});
