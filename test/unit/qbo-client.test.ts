import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ManualClock, startEmulator } from '@qbo-backfill/emulator';
import { QboClient, type QboClientOptions } from '../../src/qbo/qbo-client.js';
import { QboConfigurationError, QboNetworkError } from '../../src/qbo/qbo-errors.js';
import { outcomeOf } from '../../src/model/errors/index.js';
import { emulatorStats } from '../helpers/backfill.js';
import { waitFor } from '../helpers/cli.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const THROTTLE_WAIT = 'QBO throttled the request (429); waiting';

/** The product's own QBO client against the emulator over real HTTP, without Redis or a database. */
describe('QBO client', () => {
  let emulator: Emulator;
  let realmId: string;
  let accessToken: string;
  // The emulator's sliding window (and, in the throttling test, the client's backoff) moves only
  // with this clock, when the test says so.
  const clock = new ManualClock(Date.now());

  before(async () => {
    // Two requests per second per realm, throttled with QBO's XML body.
    emulator = await startEmulator({
      port: 0,
      seed: 7,
      clock,
      config: { xml429: true, requestsPerMinute: 2, windowMs: 1_000 },
    });
    realmId = emulator.realmIds[0] as string;
    const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');
    const res = await fetch(emulator.tokenUrl, {
      method: 'POST',
      headers: { Authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${emulator.refreshToken}`,
    });
    accessToken = ((await res.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await emulator.close();
  });

  /** A client whose scheduler counts the requests it lets through, and whose warnings are kept. */
  function client(overrides: Partial<QboClientOptions> = {}) {
    const warnings: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          warnings.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const sent = { requests: 0 };
    const qbo = new QboClient({
      baseUrl: emulator.url,
      scheduler: {
        schedule<T>(_realm: string, fn: () => Promise<T>) {
          sent.requests++;
          return fn();
        },
      },
      tokens: {
        getAccessToken: () => Promise.resolve(accessToken),
        refreshAfterUnauthorized: () => Promise.resolve(accessToken),
      },
      logger: pino({ level: 'warn' }, sink),
      throttleBackoff: { baseMs: 200, capMs: 1_000 },
      serverBackoff: { baseMs: 10, capMs: 20 },
      ...overrides,
    });
    return { qbo, warnings, sent };
  }

  it('reads the XML 429 body QBO sends when throttling, waits, and gets every page', async () => {
    // The emulator really answers its 429s in XML.
    const burst = await Promise.all(
      [1, 2, 3, 4].map(() =>
        fetch(
          `${emulator.url}/v3/company/${realmId}/query?query=${encodeURIComponent('SELECT * FROM Item')}`,
          {
            headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
          },
        ).then(async (r) => ({ status: r.status, body: await r.text() })),
      ),
    );
    // The clock stands still: two fit the window, two are refused.
    assert.deepEqual(burst.map((r) => r.status).sort(), [200, 200, 429, 429]);
    const throttled = burst.filter((r) => r.status === 429);
    for (const r of throttled) assert.match(r.body, /^<\?xml/);

    const { qbo, warnings, sent } = client({ clock });
    const statement = 'SELECT * FROM Invoice STARTPOSITION 1 MAXRESULTS 5';
    let done = 0;
    const queries = [1, 2, 3, 4, 5].map(() => qbo.query(realmId, statement).then((r) => (done++, r)));
    // Explicit ticks: once every query is either answered or waiting out its backoff, the clock
    // moves one window, which also ends every backoff (at most 1 s here).
    const rounds: Array<[waiting: number, answered: number]> = [];
    while (done < 5) {
      await waitFor(
        () => Promise.resolve(clock.sleeping + done === 5 ? true : undefined),
        30_000,
        'every query answered or waiting',
        5,
      );
      rounds.push([clock.sleeping, done]);
      clock.advance(1_000);
    }
    // The window holds 2: the burst filled it, so all five wait; then 2 get through per window.
    assert.deepEqual(rounds, [
      [5, 0],
      [3, 2],
      [1, 4],
      [0, 5],
    ]);
    for (const r of await Promise.all(queries))
      assert.ok(Array.isArray(r.queryResponse.Invoice), JSON.stringify(r.queryResponse));

    const waits = warnings.filter((w) => w.msg === THROTTLE_WAIT);
    assert.equal(waits.length, 5 + 3 + 1, 'one wait per refusal');
    assert.equal(sent.requests, 5 + waits.length, 'every wait was followed by one more request');
    // The fault code comes from the XML body: the client parsed it.
    for (const w of waits) assert.deepEqual([w.status, w.code], [429, '3001']);
    const stats = (await emulatorStats(emulator.url)).realms[realmId];
    assert.deepEqual(stats?.requests, { '200': 2 + 5, '429': throttled.length + waits.length });
  });

  it('does not retry an API URL that can never work, and says what to fix', async () => {
    for (const baseUrl of ['ftp://127.0.0.1:8089', 'not a url', 'http://qbo-backfill-no-such-host.invalid']) {
      const { qbo, sent } = client({ baseUrl, maxAttempts: 5 });
      await assert.rejects(qbo.query(realmId, 'SELECT * FROM Item'), (err: unknown) => {
        assert.ok(err instanceof QboConfigurationError, String(err));
        assert.equal(outcomeOf(err), 'halt-run');
        assert.match(err.message, /^cannot call the QBO API at .*: check QBO_BASE_URL and QBO_ENVIRONMENT$/);
        return true;
      });
      assert.equal(sent.requests, 1, baseUrl);
    }
  });

  it('retries a refused connection as a network blip, up to its attempts', async () => {
    const { qbo, sent } = client({ baseUrl: 'http://127.0.0.1:9', maxAttempts: 3 });
    await assert.rejects(qbo.query(realmId, 'SELECT * FROM Item'), (err: unknown) => {
      assert.ok(err instanceof QboNetworkError, String(err));
      assert.equal(err.message, 'network error: ECONNREFUSED');
      assert.equal(outcomeOf(err), 'retry-request');
      return true;
    });
    assert.equal(sent.requests, 3);
  });
});
