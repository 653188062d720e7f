import express, { type Router } from 'express';
import type { Db } from '../infra/db.js';
import { escapeHtml } from '../infra/html.js';
import { shortDuration, utcInstant, zonedWallClock } from '../infra/time-format.js';
import {
  readRealmSyncs,
  recentCycles,
  RECENT_CYCLES,
  type RealmSyncReport,
  type SyncCycleReport,
} from '../sync/sync-report.js';
import { scheduleText } from '../sync/sync-status-text.js';
import { badge, nav, page, SYNC_PATH } from './run-pages.js';

const escape = escapeHtml;
const count = (n: number) => n.toLocaleString('en-US');

function realmHtml(r: RealmSyncReport): string {
  const rows = r.lags
    .map(
      (l) => `<tr><td>${escape(l.entity)}</td><td>${escape(shortDuration(Math.floor(l.lagSeconds)))}</td>
<td>${utcInstant(l.mark)}</td><td>${escape(l.basis)}</td></tr>`,
    )
    .join('\n');
  return `<h2>Realm ${escape(r.realmId)} <span class="muted">${escape(scheduleText(r.schedule))}</span></h2>
${
  r.lags.length === 0
    ? '<p class="muted">No marks yet.</p>'
    : `<table class="runs"><tr><th>entity</th><th>lag</th><th>mark (UTC)</th><th>moved by</th></tr>${rows}</table>`
}`;
}

function duration(c: SyncCycleReport): string {
  if (!c.finishedAt) return c.status === 'running' ? 'running' : '';
  return shortDuration(Math.round((c.finishedAt.getTime() - c.startedAt.getTime()) / 1000));
}

function cycleRow(c: SyncCycleReport, timeZone: string): string {
  const rereads =
    c.rereads.length > 0
      ? `<br><span class="muted">re-read whole: ${escape(c.rereads.join(', '))}</span>`
      : '';
  return `<tr><td>${escape(c.realmId)}</td><td>${escape(c.cycleId)}</td><td>${escape(c.trigger)}</td>
<td>${badge(c.status)}</td>
<td>${utcInstant(c.startedAt)}<br><span class="muted">${escape(zonedWallClock(c.startedAt, timeZone))}</span></td>
<td>${escape(duration(c))}</td><td>${count(c.requests)}</td><td>${count(c.upserted)}${rereads}</td>
<td>${count(c.deleted)}</td><td>${escape(c.error ?? '')}</td></tr>`;
}

/** Each synced realm's schedule and lag per entity, and the most recent cycles of every realm. */
export function syncHtml(
  realms: RealmSyncReport[],
  cycles: SyncCycleReport[],
  timeZone: string,
  emulatorMode = false,
): string {
  const links = nav(SYNC_PATH);
  const body =
    realms.length === 0
      ? `${links}<h1>Sync</h1><p>No sync yet: <code>qbo-backfill sync --realm ID --once</code> runs a cycle after a backfill, <code>--every 15m</code> keeps it current.</p>`
      : `${links}<h1>Sync</h1>
<p class="muted">Lag: now minus the instant up to which the source's changes are in raw (largest first).</p>
${realms.map(realmHtml).join('\n')}
<h2>Recent cycles <span class="muted">the ${RECENT_CYCLES} newest</span></h2>
<table class="runs"><tr><th>realm</th><th>cycle</th><th>trigger</th><th>status</th><th>started</th><th>duration</th><th>requests</th><th>upserted</th><th>deleted</th><th>error</th></tr>
${cycles.map((c) => cycleRow(c, timeZone)).join('\n')}</table>`;
  return page(
    'Sync',
    body,
    cycles.some((c) => c.status === 'running'),
    emulatorMode,
  );
}

/** `/sync`: read at each request, like the run pages. */
export function syncPageRouter(
  db: Db,
  timeZone: string,
  emulatorMode = false,
  now: () => Date = () => new Date(),
): Router {
  const router = express.Router();
  router.get('/', (_req, res, next) => {
    Promise.all([readRealmSyncs(db, now()), recentCycles(db)]).then(
      ([realms, cycles]) =>
        res
          .type('html')
          .set('Cache-Control', 'no-store')
          .send(syncHtml(realms, cycles, timeZone, emulatorMode)),
      next,
    );
  });
  return router;
}
