import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { followRuns, formatDuration, type RunProgress } from '../../src/cli/run-progress.js';

const run = (done: number, status = 'running'): RunProgress => ({
  runId: 'r20260101000000-abcdef',
  realmId: '4620816365',
  status,
  done,
  total: 93,
  rows: done * 10,
});

void describe('run progress', () => {
  void it('formats durations compactly', () => {
    assert.equal(formatDuration(12_400), '12s');
    assert.equal(formatDuration(250_000), '4m10s');
    assert.equal(formatDuration(3_900_000), '1h05m');
  });

  void it('prints plain lines without a terminal, with rates and an ETA, and stops when the run ends', async () => {
    const states = [run(0), run(31), run(62), run(93, 'succeeded')];
    const requests = [0, 40, 80, 120];
    let poll = 0;
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    const last = await followRuns({
      read: () => Promise.resolve([states[Math.min(poll++, states.length - 1)] as RunProgress]),
      requestsSoFar: () => Promise.resolve(requests[Math.min(poll - 1, requests.length - 1)]),
      stream,
      intervalMs: 5,
      plainEveryMs: 0,
    });
    assert.equal(last[0]?.status, 'succeeded');
    const lines = text.trim().split('\n');
    assert.equal(lines.length, 4, text);
    assert.match(
      lines[0] ?? '',
      /^r20260101000000-abcdef running: 0\/93 windows, 0 rows, - req\/min, ETA \?$/,
    );
    assert.match(lines[1] ?? '', /31\/93 windows, 310 rows, \d+ req\/min, ETA \S+$/);
    assert.equal(lines[3], 'r20260101000000-abcdef succeeded: 93/93 windows, 930 rows');
    assert.ok(
      lines.every((l) => l.length <= 80 && !l.includes('\u001b')),
      text,
    );
  });

  void it('counts down to the start while the run waits, then shows an ETA with its unit', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const startAt = new Date(now + 88_000);
    const states = [run(0, 'scheduled'), run(0, 'scheduled'), run(0), run(31), run(62), run(93, 'succeeded')];
    let poll = 0;
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    await followRuns({
      read: () => {
        // Each poll is 30 s after the one before on the injected clock.
        now += poll === 0 ? 0 : 30_000;
        return Promise.resolve([
          { ...(states[Math.min(poll++, states.length - 1)] as RunProgress), startAt },
        ]);
      },
      stream,
      intervalMs: 1,
      plainEveryMs: 0,
      now: () => now,
    });
    const lines = text.trim().split('\n');
    assert.match(lines[0] ?? '', /scheduled: 0\/93 windows, 0 rows, - req\/min, starts in 1m28s$/);
    assert.match(lines[1] ?? '', /scheduled: .*, starts in 58s$/);
    assert.match(lines[2] ?? '', /running: .*, ETA \?$/);
    // 31 windows every 30 s of the injected clock: the last 31 take 30 s more.
    assert.match(lines[4] ?? '', /running: 62\/93 windows, .*, ETA 30s$/);
  });

  void it('stops at once when aborted', async () => {
    const controller = new AbortController();
    const stream = new PassThrough();
    stream.resume();
    setTimeout(() => controller.abort(), 20);
    const last = await followRuns({
      read: () => Promise.resolve([run(1)]),
      stream,
      intervalMs: 60_000,
      signal: controller.signal,
    });
    assert.equal(last[0]?.done, 1);
  });
});
