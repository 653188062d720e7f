import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seededRun, seededWindow, type TestDatabase } from '../helpers/db.js';
import { commandStores, type CommandStores } from '../helpers/stores.js';
import { runCli } from '../helpers/cli.js';
import { encryptionKey } from '../../src/config/config.js';
import { EMULATOR_DEVELOPMENT_VALUES } from '../../src/config/qbo-environments.js';
import { setRefreshToken } from '../../src/qbo/auth/token-store.js';

/**
 * A hostile answer from QBO, stored as sent: its fault message retitles the terminal (OSC 0,
 * ended by BEL), clears the screen (CSI 2J), and does it again with the one-byte C1 CSI; the
 * company name moves the cursor up and rewrites the line above.
 */
const FAULT = 'QBO answered 400: \u001b]0;pwned\u0007\u001b[2J\u009b2J bad query\r\nintuit_tid=1-2-3';
const COMPANY = 'Acme\u001b[1A\u001b[2KInc';
/** Raw control characters a terminal acts on (the line feeds of the output itself aside). */
// eslint-disable-next-line no-control-regex -- looking for control characters is the test
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

void describe('text from QBO on the terminal', () => {
  let stores: CommandStores | undefined;
  let tdb: TestDatabase;
  let env: Record<string, string>;
  const realm = '4620816365';

  before(async () => {
    stores = await commandStores('escapes');
    ({ tdb, env } = stores);
    const run = {
      ...seededRun(realm, ['invoices'], '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z'),
      start_at_utc: '2026-01-01T00:00:00Z',
    };
    await tdb.db
      .insertInto('ops.runs')
      .values({ ...run, run_id: 'r-hostile', dedupe_key: 'h', status: 'failed', status_reason: FAULT })
      .execute();
    await tdb.db
      .insertInto('ops.windows')
      .values(
        ['2026-01-01', '2026-01-02'].map((day, i) => ({
          ...seededWindow('r-hostile', 'invoices', day),
          status: i === 0 ? ('succeeded' as const) : ('failed' as const),
          attempts: 3,
          error: i === 0 ? null : FAULT,
        })),
      )
      .execute();
    const key = encryptionKey(EMULATOR_DEVELOPMENT_VALUES.encryptionKey) as Buffer;
    await setRefreshToken(tdb.db, key, realm, 'token-1');
    await tdb.db
      .updateTable('ops.tokens')
      .set({ company_name: COMPANY })
      .where('realm_id', '=', realm)
      .execute();
  });

  after(async () => {
    await stores?.close();
  });

  const printing: string[][] = [
    ['report', '--run', 'r-hostile'],
    ['report', '--run', 'r-hostile', '--by', 'day'],
    ['report', '--run', 'r-hostile', '--format', 'csv'],
    ['status'],
    ['status', '--run', 'r-hostile'],
    ['auth', 'status'],
  ];
  for (const args of printing) {
    void it(`${args.join(' ')} prints QBO's text with its control characters escaped`, async () => {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, RAW_CONTROL, JSON.stringify(r.stdout));
      if (args[0] === 'auth') assert.match(r.stdout, /Acme\\u001b\[1A\\u001b\[2KInc/);
      // The summary clips a line at 80 columns: the escaped sequence shows, at least its start.
      else assert.ok(r.stdout.includes('QBO answered 400: \\u001b]0;pwned\\u0007'), r.stdout);
    });
  }

  void it('report --format json and status --json stay JSON, with the very text QBO sent', async () => {
    const report = await runCli(['report', '--run', 'r-hostile', '--format', 'json'], env);
    assert.doesNotMatch(report.stdout, RAW_CONTROL);
    const parsed = JSON.parse(report.stdout) as { windows: { error: string | null }[] };
    assert.equal(parsed.windows[1]?.error, FAULT);
    const status = await runCli(['status', '--json'], env);
    assert.doesNotMatch(status.stdout, RAW_CONTROL);
    assert.equal((JSON.parse(status.stdout) as { statusReason: string }[])[0]?.statusReason, FAULT);
  });

  void it("escapes an error message quoting QBO on the command line's error line too", async () => {
    const r = await runCli(['report', '--run', `r-${FAULT}`], env);
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr.trimEnd(), RAW_CONTROL, JSON.stringify(r.stderr));
  });
});
