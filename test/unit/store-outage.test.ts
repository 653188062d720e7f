import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { ManualClock } from '@qbo-backfill/clock';
import { StoreHealth, unreachableStore } from '../../src/infra/store-outage.js';
import { QboNetworkError } from '../../src/qbo/qbo-errors.js';
import {
  RateLimiterError,
  RateLimiterUnavailableError,
} from '../../src/qbo/rate-limit/rate-limiter-error.js';
import { TokenRefreshError } from '../../src/qbo/auth/token-errors.js';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
/** Lets every promise chain already under way run (probes here answer at once or never). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('which store an error says is away', () => {
  const cases: [string, unknown, string | undefined][] = [
    ['an idle client cut by a restart', new Error('Connection terminated unexpectedly'), 'postgres'],
    [
      'a fast or immediate stop',
      coded('terminating connection due to administrator command', '57P01'),
      'postgres',
    ],
    ['a server in recovery', coded('the database system is starting up', '57P03'), 'postgres'],
    ['a connection exception', coded('connection failure', '08006'), 'postgres'],
    ['too many clients after a restart', coded('sorry, too many clients already', '53300'), 'postgres'],
    ['a refused connection', coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), 'postgres'],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect'), 'postgres'],
    ['a frozen server', new Error('Query read timeout'), 'postgres'],
    [
      'a client left unqueryable',
      new Error('Client has encountered a connection error and is not queryable'),
      'postgres',
    ],
    [
      'ioredis giving up on a command',
      Object.assign(new Error('Reached the max retries per request limit (which is 3).'), {
        name: 'MaxRetriesPerRequestError',
      }),
      'redis',
    ],
    ['a closed Redis connection', new Error('Connection is closed.'), 'redis'],
    [
      'the shared limiter without Redis',
      new RateLimiterUnavailableError('rate limiter unavailable'),
      'redis',
    ],
    ['wrapped in a cause', new Error('commit failed', { cause: coded('x', '57P01') }), 'postgres'],
    [
      'QBO dropping a connection',
      new QboNetworkError('network error: ECONNREFUSED', { cause: coded('x', 'ECONNREFUSED') }),
      undefined,
    ],
    ['the token endpoint away', new TokenRefreshError('token refresh failed: ECONNREFUSED'), undefined],
    [
      'a refused PostgreSQL connection awaited inside a BullMQ job',
      Object.assign(coded('connect ECONNREFUSED 127.0.0.1:40807', 'ECONNREFUSED'), {
        stack:
          'Error: connect ECONNREFUSED 127.0.0.1:40807\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n' +
          '    at async Worker.processJob (/app/node_modules/bullmq/dist/cjs/classes/worker.js:1:1)',
      }),
      'postgres',
    ],
    ['a unique violation', coded('duplicate key value', '23505'), undefined],
    ['a jsonb refusal', coded('unsupported Unicode escape sequence', '22P05'), undefined],
    ['the limiter closing', new RateLimiterError('CLOSED', 'closed'), undefined],
    ['not an Error', 'boom', undefined],
  ];
  for (const [name, err, store] of cases) {
    it(`${name}: ${store ?? 'not a store outage'}`, () => assert.equal(unreachableStore(err), store));
  }
});

describe('StoreHealth', () => {
  it('logs one line when a store goes away and one when it is back, and caps its backoff', () => {
    const lines: Array<{ msg: string }> = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _e, done) {
          lines.push(JSON.parse(chunk.toString()) as { msg: string });
          done();
        },
      }),
    );
    const health = new StoreHealth(log, { baseMs: 100, capMs: 1_000 });
    const delays = Array.from({ length: 12 }, () =>
      health.down('postgres', new Error('Connection terminated')),
    );
    health.up('postgres');
    health.up('postgres');
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['PostgreSQL unreachable: windows wait for it and go on when it is back', 'PostgreSQL is back'],
    );
    assert.ok(
      delays.every((d) => d >= 50 && d <= 1_000),
      delays.join(),
    );
    assert.ok(
      delays.slice(-3).every((d) => d >= 500),
      'the delay grows to its cap',
    );
    assert.equal(health.isDown('postgres'), false);
  });

  it('probes a store that went away and hands the parked jobs over once it answers', async () => {
    let answers = 0;
    const backs: Array<[string, string[]]> = [];
    let hanging: (() => void) | undefined;
    const clock = new ManualClock(0);
    const health = new StoreHealth(
      pino({ level: 'silent' }),
      { baseMs: 20, capMs: 1_000 },
      {
        probes: {
          postgres: () => {
            answers++;
            // The second probe hangs like a frozen server: no other probe may start meanwhile.
            if (answers === 2)
              return new Promise((_, reject) => (hanging = () => reject(new Error('frozen'))));
            return answers < 4 ? Promise.reject(new Error('ECONNREFUSED')) : Promise.resolve();
          },
        },
        onBack: (store, ids) => backs.push([store, ids]),
        clock,
      },
    );
    /** One probe interval: the loop runs on until it waits for the clock again. */
    const tick = async () => {
      clock.advance(20);
      await settled();
    };
    health.down('postgres', new Error('Connection terminated'));
    health.park('postgres', 'job-1');
    health.park('postgres', 'job-2');
    health.park('redis', 'job-3'); // Redis is not away: nothing to park it for
    assert.equal(answers, 0, 'the first probe waits one interval');
    await tick();
    assert.equal(answers, 1);
    await tick();
    assert.equal(answers, 2, 'the second probe hangs');
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(answers, 2, 'one probe at a time, even when one hangs');
    hanging?.();
    await tick(); // the hung probe's refusal is read: no new probe yet
    assert.equal(answers, 2);
    await tick();
    assert.equal(answers, 3);
    assert.equal(health.isDown('postgres'), true);
    await tick();
    assert.equal(answers, 4);
    assert.equal(health.isDown('postgres'), false);
    assert.deepEqual(backs, [['postgres', ['job-1', 'job-2']]]);
    assert.equal(clock.sleeping, 0, 'no probe waits once the store is back');
    health.close();
  });

  it('tells the stores apart by the port a refused connection names', () => {
    const health = new StoreHealth(pino({ level: 'silent' }), undefined, {
      urls: { postgres: 'postgres://u@127.0.0.1:40807/db', redis: 'redis://127.0.0.1:6390' },
    });
    const refused = (port: number) =>
      Object.assign(coded(`connect ECONNREFUSED 127.0.0.1:${port}`, 'ECONNREFUSED'), {
        port,
        stack: `Error: connect ECONNREFUSED\n    at async Worker.processJob (bullmq/worker.js:1:1)`,
      });
    assert.equal(health.storeOf(refused(40807)), 'postgres');
    assert.equal(health.storeOf(refused(6390)), 'redis');
  });

  it('stops probing once closed', async () => {
    let probes = 0;
    const clock = new ManualClock(0);
    const health = new StoreHealth(
      pino({ level: 'silent' }),
      { baseMs: 10, capMs: 100 },
      {
        probes: { postgres: () => (probes++, Promise.reject(new Error('down'))) },
        clock,
      },
    );
    health.down('postgres', new Error('Connection terminated'));
    clock.advance(10);
    await settled();
    assert.equal(probes, 1);
    assert.equal(clock.sleeping, 1, 'waiting for the next probe');
    health.close();
    assert.equal(clock.sleeping, 0, 'close ends the wait at once');
    await settled();
    clock.advance(10);
    await settled();
    assert.equal(probes, 1, 'no probe after close');
  });
});
