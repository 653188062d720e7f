import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEmulator } from '../src/index.js';
import {
  accessToken,
  CLOCK_START,
  manualClock,
  postJson,
  queryJson,
  rows,
  start,
  type Row,
} from './helpers.js';

const DAY = 86_400_000;
const ALL = { from: new Date(0), to: new Date(8.64e15) };

/** A webhook endpoint that records what it is sent and answers with `status()`. */
async function receiver(status: () => number = () => 200) {
  const bodies: { body: string; signature: string | undefined }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      bodies.push({ body, signature: req.headers['intuit-signature'] as string | undefined });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, bodies, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('a live emulator', () => {
  it('holds nothing last updated after now, and what was generated for later appears as time passes', async () => {
    const clock = manualClock(); // 2026-06-15T12:00Z
    const em = await start({ clock });
    try {
      const realm = em.realmIds[0] as string;
      const token = await accessToken(em);
      const later = em.truth(realm, 'Invoice', new Date(CLOCK_START), new Date(CLOCK_START + 200 * DAY));
      assert.equal(later.count, 0, 'nothing after now');
      const newest = rows(
        await queryJson(
          em,
          token,
          'SELECT * FROM Invoice ORDERBY MetaData.LastUpdatedTime DESC MAXRESULTS 1',
        ),
        'Invoice',
      )[0] as Row;
      assert.ok(Date.parse(newest.MetaData.LastUpdatedTime) <= CLOCK_START);
      const count = async (t: string) =>
        (await queryJson(em, t, 'SELECT COUNT(*) FROM Invoice')).QueryResponse.totalCount as number;
      const before = await count(token);
      // A month on, that month's generated invoices exist, counted alike by truth and by COUNT.
      clock.advance(30 * DAY);
      const fresh = await accessToken(em);
      const month = em.truth(realm, 'Invoice', new Date(CLOCK_START), new Date(CLOCK_START + 30 * DAY));
      assert.ok(month.count > 0, 'the month generated for later is there now');
      assert.equal(await count(fresh), before + month.count);
    } finally {
      await em.close();
    }
  });

  it('creates, edits and deletes activityPerMinute records at now, the same for the same seed', async () => {
    const clocks = [manualClock(), manualClock()];
    const ems = await Promise.all(clocks.map((clock) => start({ clock, realmIds: ['1001', '1002'] })));
    try {
      const changes = (em: RunningEmulator, realm: string) =>
        ['Invoice', 'Customer', 'Item', 'Payment', 'TimeActivity'].map((entity) => {
          const t = em.truth(realm, entity, new Date(CLOCK_START), new Date(CLOCK_START + DAY), {
            ids: true,
          });
          return { entity, ids: t.ids ?? [], deleted: t.deletedIds ?? [] };
        });
      for (const em of ems) em.setConfig({ activityPerMinute: 1 });
      for (const clock of clocks) clock.advance(10 * 60_000 + 500);
      const first = changes(ems[0] as RunningEmulator, '1001');
      assert.deepEqual(first, changes(ems[1] as RunningEmulator, '1001'), 'seeded: the same changes');
      assert.notDeepEqual(first, changes(ems[0] as RunningEmulator, '1002'), 'each realm its own');
      const touched = first.reduce((n, c) => n + c.ids.length + c.deleted.length, 0);
      // Ten moments; a moment that picks a record already deleted passes quietly.
      assert.ok(touched >= 8 && touched <= 10, `${touched} records changed in 10 minutes at 1/min`);
      // Creates take ids above every generated one of the entity.
      const em = ems[0] as RunningEmulator;
      for (const c of first) {
        const generated = em.truth('1001', c.entity, ALL.from, new Date(CLOCK_START), { ids: true });
        const top = Math.max(
          0,
          ...(generated.ids ?? []).map(Number),
          ...(generated.deletedIds ?? []).map(Number),
        );
        for (const id of c.ids) {
          const record = em.getRecord('1001', c.entity, id) as Row & { SyncToken: string };
          if (record.SyncToken === '0') assert.ok(Number(id) > top, `${c.entity} ${id} created above ${top}`);
        }
      }
      const before = changes(em, '1001');
      em.setConfig({ activityPerMinute: 0 });
      (clocks[0] as ReturnType<typeof manualClock>).advance(3_600_000);
      assert.deepEqual(changes(em, '1001'), before, 'no activity at rate 0');
    } finally {
      await Promise.all(ems.map((em) => em.close()));
    }
  });

  describe('webhooks', () => {
    let hook: Awaited<ReturnType<typeof receiver>>;
    let failing = false;
    before(async () => {
      hook = await receiver(() => (failing ? 500 : 200));
    });
    after(async () => {
      await hook.close();
    });

    it('POSTs every change as a signed CloudEvents batch, aggregated over webhookIntervalMs', async () => {
      const clock = manualClock();
      const em = await start({ clock, realmIds: ['1001', '1002'] });
      try {
        hook.bodies.length = 0;
        const bad = await postJson(`${em.url}/__emulator/config`, { webhookUrl: hook.url });
        assert.equal(bad.status, 400);
        assert.match(bad.text, /webhookUrl needs webhookVerifierToken/);
        em.setConfig({ webhookUrl: hook.url, webhookVerifierToken: 'verifier-1', webhookIntervalMs: 60_000 });
        em.touchRecord({ realmId: '1001', entity: 'Invoice', id: '3' });
        em.deleteRecord('1002', 'Invoice', '4');
        em.deleteRecord('1001', 'Customer', '2');
        await em.flushWebhooks(); // forced: the interval has not passed
        assert.equal(hook.bodies.length, 1);
        const { body, signature } = hook.bodies[0] as { body: string; signature: string };
        assert.equal(signature, createHmac('sha256', 'verifier-1').update(body).digest('base64'));
        const events = JSON.parse(body) as Record<string, string>[];
        assert.deepEqual(
          events.map((e) => [e.intuitaccountid, e.type, e.intuitentityid, e.specversion]),
          [
            ['1001', 'qbo.invoice.updated.v1', '3', '1.0'],
            ['1002', 'qbo.invoice.deleted.v1', '4', '1.0'],
            ['1001', 'qbo.customer.deleted.v1', '2', '1.0'],
          ],
        );
        assert.equal(new Set(events.map((e) => e.id)).size, 3);
        assert.equal(events[0]?.time, new Date(CLOCK_START).toISOString());

        // Aggregated: nothing goes out before the interval has passed since the last delivery.
        em.touchRecord({ realmId: '1001', entity: 'Item', id: '1' });
        clock.advance(59_999);
        await new Promise((resolve) => setTimeout(resolve, 600)); // the server's timer looks every 250 ms
        assert.equal(hook.bodies.length, 1, 'not due yet');
        clock.advance(1);
        for (let i = 0; i < 100 && hook.bodies.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(hook.bodies.length, 2, 'delivered by the timer once due');
        assert.equal((JSON.parse(hook.bodies[1]?.body ?? '[]') as unknown[]).length, 1);

        // A failing endpoint keeps the events for the next delivery, as Intuit retries.
        failing = true;
        em.touchRecord({ realmId: '1002', entity: 'Item', id: '2' });
        await em.flushWebhooks();
        failing = false;
        await em.flushWebhooks();
        assert.equal(hook.bodies.length, 4);
        assert.equal(hook.bodies[2]?.body, hook.bodies[3]?.body, 'the same events again');
        assert.deepEqual(em.stats().webhooks, { batches: 3, events: 5, failures: 1, dropped: 0 });

        // Off again with null: changes are no longer notified.
        em.setConfig({ webhookUrl: null, webhookVerifierToken: null } as never);
        assert.equal(em.getConfig().webhookUrl, undefined);
        em.touchRecord({ realmId: '1001', entity: 'Item', id: '3' });
        const flush = await postJson(`${em.url}/__emulator/webhooks/flush`, {});
        assert.equal(flush.status, 400);
        assert.equal(hook.bodies.length, 4);
      } finally {
        await em.close();
      }
    });

    it('notifies activity without anyone asking for the data', async () => {
      const clock = manualClock();
      const em = await start({ clock, realmIds: ['1001'] });
      try {
        hook.bodies.length = 0;
        em.setConfig({ webhookUrl: hook.url, webhookVerifierToken: 'v', activityPerMinute: 600 });
        clock.advance(60_000);
        for (let i = 0; i < 100 && hook.bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
        const res = await postJson(`${em.url}/__emulator/webhooks/flush`, {});
        assert.equal(res.status, 200);
        const events = hook.bodies.flatMap((b) => JSON.parse(b.body) as { type: string }[]);
        // 600 a minute for a minute: 600 moments, less the few that picked a deleted record.
        assert.ok(events.length >= 560 && events.length <= 600, String(events.length));
        assert.ok(events.some((e) => e.type === 'qbo.timeactivity.created.v1'));
        assert.deepEqual(JSON.parse(res.text), {
          batches: hook.bodies.length,
          events: events.length,
          failures: 0,
          dropped: 0,
          waiting: 0,
        });
      } finally {
        await em.close();
      }
    });
  });
});
