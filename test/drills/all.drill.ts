/**
 * Every drill (`npm run test:drills`): one at a time, since each runs a whole cluster. Each prints
 * its figures as a diagnostic line (`# drill <name>: {...}`), the figures of docs/RELIABILITY.md.
 */
import { describe, it } from 'node:test';
import { DRILLS } from './drills.js';

const only = process.env.DRILL;

describe('drills', () => {
  for (const drill of DRILLS) {
    if (only && !drill.name.includes(only)) continue;
    it(drill.name, async (t) => {
      const figures = await drill.run();
      t.diagnostic(`drill ${drill.name}: ${JSON.stringify(figures)}`);
    });
  }
});
