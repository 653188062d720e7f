import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { compiled } from '../helpers/compiled.js';
import { commands } from '../../src/cli/commands/index.js';

/** What a newcomer meets before any data: help, and a pipe closed early. */
void describe('the command line to a newcomer', () => {
  for (const command of commands) {
    void it(`${command.name} --help explains every flag of its usage`, async () => {
      const r = await runCli([command.name, '--help']);
      assert.equal(r.code, 0, r.stderr);
      const [usage, ...rest] = r.stdout.split('\n');
      const explained = rest.join('\n');
      const flags = [...new Set([...(usage ?? '').matchAll(/--[a-z][a-z0-9-]*/g)].map((m) => m[0]))];
      for (const flag of flags) assert.match(explained, new RegExp(`${flag}\\b`), `${command.name} ${flag}`);
    });
  }

  void it('dashboard --help names its pages', async () => {
    const r = await runCli(['dashboard', '--help']);
    for (const page of ['/runs', '/sync', '/connect', '/admin/queues', '/metrics', '/webhooks/intuit'])
      assert.ok(r.stdout.includes(page), page);
  });

  void it('enqueue --help gives the format of --start-at', async () => {
    const r = await runCli(['enqueue', '--help']);
    assert.match(r.stdout, /--start-at INSTANT .*ISO instant with an offset/s);
    assert.match(r.stdout, /2026-02-01T15:30:00Z/);
  });

  void it('exits quietly when the reader of its output goes away (entities | true)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'qbo-epipe-'));
    const err = path.join(dir, 'stderr');
    // `true` reads nothing and exits: every write of the command meets a closed pipe.
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${compiled(BIN)}" entities 2>"${err}" | true; exit \${PIPESTATUS[0]}`],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.equal(readFileSync(err, 'utf8'), '');
    assert.equal(r.status, 0);
  });

  void it("says how the default plan reads each entity in entities' read column", async () => {
    const r = await runCli(['entities']);
    assert.match(r.stdout, /invoices .* by LastUpdatedTime, split by day where dense/);
    assert.match(r.stdout, /company_info .* whole, once per run/);
    assert.doesNotMatch(r.stdout, /one window per UTC day \|/);
  });
});
