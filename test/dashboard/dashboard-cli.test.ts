import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { TestDatabase } from '../helpers/db.js';
import { freshStores } from '../helpers/stores.js';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { compiled } from '../helpers/compiled.js';
import { deletePrefix } from '../helpers/redis.js';

void describe('qbo-backfill dashboard', () => {
  let tdb: TestDatabase;
  let prefix: string;
  let env: Record<string, string | undefined>;

  before(async () => {
    const stores = await freshStores('dashcli');
    ({ tdb, prefix } = stores);
    env = {
      ...stores.env,
      DASHBOARD_USER: undefined,
      DASHBOARD_USER_FILE: undefined,
      DASHBOARD_PASSWORD: undefined,
      DASHBOARD_PASSWORD_FILE: undefined,
    };
  });
  after(async () => {
    await deletePrefix(prefix);
    await tdb.drop();
  });

  void it('refuses to start without DASHBOARD_USER / DASHBOARD_PASSWORD (exit 2, one line)', async () => {
    const r = await runCli(['dashboard', '--port', '0'], env, { timeoutMs: 60_000 });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'qbo-backfill dashboard: DASHBOARD_USER: the dashboard needs a login: set DASHBOARD_USER and DASHBOARD_PASSWORD (or DASHBOARD_PASSWORD_FILE), or pass --insecure-no-auth\n',
    );
    const noPassword = await runCli(['dashboard', '--port', '0'], { ...env, DASHBOARD_USER: 'ops' });
    assert.equal(noPassword.code, 2);
    assert.match(noPassword.stderr, /^qbo-backfill dashboard: DASHBOARD_PASSWORD: /);
  });

  void it('rejects a bad --port with exit 2', async () => {
    const r = await runCli(['dashboard', '--port', 'http'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port: expected an integer from 0 to 65535/);
  });

  void it('starts with --insecure-no-auth, serves, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [compiled(BIN), 'dashboard', '--insecure-no-auth', '--port', '0', '--host', '127.0.0.1'],
      // On a loopback address the missing login is said at info, not warned about.
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          const match = /listening on (http:\/\/\S+) /.exec(stdout);
          if (match?.[1]) resolve(match[1]);
        });
        void exited.then((code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
      });
      assert.match(stderr, /dashboard login disabled/);
      const res = await fetch(`${url}/admin/queues`);
      assert.equal(res.status, 200);
      await res.text();
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      clearTimeout(kill);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
