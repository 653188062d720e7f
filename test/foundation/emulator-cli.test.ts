import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, spawnCli, waitFor } from '../helpers/cli.js';
import { getJson } from '../helpers/emulator-http.js';

describe('qbo-backfill emulator', () => {
  it('prints its URL, realms, client id and refresh token, serves, and exits 0 on SIGTERM', async () => {
    const cli = spawnCli(
      [
        'emulator',
        '--port',
        '0',
        '--seed',
        '5',
        '--realm',
        '111',
        '--realm',
        '222',
        '--client-id',
        'cid',
        '--refresh-token',
        'rt-1',
        '--requests-per-minute',
        '7',
        '--latency-ms',
        '1,2',
        '--xml429',
        '--rotate-after',
        '0',
      ],
      // The emulator reads only the log settings: a bad DATABASE_URL must not stop it.
      { DATABASE_URL: 'not-a-url', LOG_LEVEL: 'warn' },
    );
    try {
      const url = await waitFor(
        () => Promise.resolve(/listening on (http:\/\/\S+)/.exec(cli.output())?.[1]),
        20_000,
        'the emulator URL',
      );
      await waitFor(
        () => Promise.resolve(cli.output().includes('initial refresh token') ? true : undefined),
        5_000,
        'the banner',
      );
      const out = cli.output();
      assert.match(out, /realm ids: 111, 222/);
      assert.match(out, /client id: cid/);
      assert.match(out, /initial refresh token: rt-1/);
      const config = await getJson<Record<string, unknown>>(`${url}/__emulator/config`);
      assert.equal(config.requestsPerMinute, 7);
      assert.deepEqual(config.latencyMs, [1, 2]);
      assert.equal(config.xml429, true);
      assert.equal(config.rotateRefreshTokenAfterSeconds, 0);
      assert.equal(config.maxConcurrent, 10);
      const stats = await getJson<{ realms: Record<string, unknown> }>(`${url}/__emulator/stats`);
      assert.deepEqual(Object.keys(stats.realms), ['111', '222']);
    } finally {
      assert.equal(await cli.stop(), 0);
    }
  });

  it('refuses bad flags with exit code 2', async () => {
    for (const args of [
      ['--bogus'],
      ['--drop-rate', '2'],
      ['--port', 'x'],
      ['--profile', 'huge'],
      ['--latency-ms', '5,a'],
      ['--seed', 'abc'],
    ]) {
      const res = await runCli(['emulator', ...args], {}, { timeoutMs: 20_000 });
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, /qbo-backfill emulator: /);
    }
  });
});
