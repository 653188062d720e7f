import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { commandArgs, retriedLine, runStates, type RunStates } from '../helpers/run-states.js';

/**
 * `resume` and `retry` where the run is not alone: another run of the same backfill beside it, or
 * the window named still waiting for its job. Either answers without changing anything.
 */
describe('resume and retry beside other runs and queued jobs', () => {
  let runs: RunStates;

  before(async () => {
    runs = await runStates('run-conflicts');
  });
  after(() => runs.close());

  for (const command of ['resume', 'retry'] as const) {
    it(`${command} of a cancelled run whose backfill was enqueued again exits 1 and changes nothing`, async () => {
      const run = await runs.enqueue();
      await runs.reach.cancelled(run);
      // The same backfill again: a new live run, which the old one may not run beside.
      const again = await runs.enqueue(run.from);
      assert.notEqual(again.runId, run.runId);
      const before = await runs.snapshot(run.runId);
      const beside = await runs.snapshot(again.runId);
      const r = await runCli(commandArgs[command](run), runs.env);
      assert.deepEqual(
        [r.code, r.stdout, r.stderr],
        [
          1,
          '',
          `qbo-backfill ${command}: another run of the same backfill is scheduled or running; see qbo-backfill status\n`,
        ],
      );
      assert.deepEqual(await runs.snapshot(run.runId), before);
      assert.deepEqual(await runs.snapshot(again.runId), beside);
    });
  }

  it('retry of the pending window of a running run names its queued job and changes nothing', async () => {
    const run = await runs.enqueue();
    await runs.reach.running(run);
    const before = await runs.snapshot(run.runId);
    const r = await runCli(
      ['retry', '--run', run.runId, '--entity', 'invoices', '--day', run.days[1] ?? ''],
      runs.env,
    );
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, `${retriedLine(1, 0)(run)}\n`, '']);
    assert.deepEqual(await runs.snapshot(run.runId), before);
  });
});
