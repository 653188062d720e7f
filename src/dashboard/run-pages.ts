import express, { type Router } from 'express';
import type { Db } from '../infra/db.js';
import { escapeHtml } from '../infra/html.js';
import { WINDOW_STATUSES } from '../backfill/state/index.js';
import { plural } from '../infra/terminal-text.js';
import { shortDuration, utcInstant, zonedWallClock } from '../infra/time-format.js';
import type { WindowReport } from '../backfill/runs/report.js';
import { listRuns, loadRun, type RunRow } from '../backfill/runs/run-list.js';
import type { RunReportEntry } from '../backfill/runs/report-reports.js';

/** Where the run pages live, behind the dashboard login like the board. */
export const RUNS_PATH = '/runs';
/** Where the sync page (sync-page.ts) lives; declared here so the pages link to each other without a cycle. */
export const SYNC_PATH = '/sync';
/** The connect page (connect-pages.ts): connected companies and Intuit's connect button. */
export const CONNECT_PATH = '/connect';

/** The pages, linked from the top of each. */
const PAGES: [string, string][] = [
  [RUNS_PATH, 'Backfill runs'],
  [SYNC_PATH, 'Sync'],
  [CONNECT_PATH, 'Connected companies'],
  ['/admin/queues', 'Jobs (Bull Board)'],
];

/** The links to every other page, on top of each page. */
export function nav(current: string): string {
  return `<p class="nav">${PAGES.filter(([path]) => path !== current)
    .map(([path, label]) => `<a href="${path}">${label}</a>`)
    .join(' · ')}</p>`;
}

/** Run statuses whose page keeps refreshing itself. */
const LIVE = new Set(['scheduled', 'running']);
const REFRESH_SECONDS = 5;

const escape = escapeHtml;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2530;background:#fafbfc}
a{color:#1f5fbf;text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:22px 0 6px}
table{border-collapse:collapse}th,td{padding:4px 8px;text-align:left}
.runs th{border-bottom:2px solid #d5dae1}.runs td{border-bottom:1px solid #e4e7eb}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px}
.bar{width:160px;height:10px;background:#e4e7eb;border-radius:5px;overflow:hidden;display:inline-block;vertical-align:middle}
.bar i{display:block;height:100%;background:#2e9d57}
.grid td{width:16px;height:16px;padding:0;border:2px solid #fafbfc;border-radius:3px;cursor:pointer}
.grid th{font-weight:normal;font-size:11px;color:#66707d;padding:0 4px}
.grid td.none{background:transparent;cursor:default}
.l0{background:#d4eedc}.l1{background:#a5d8b3}.l2{background:#6cbf85}.l3{background:#3a9d5a}.l4{background:#1e6b3a}
.legend span{display:inline-block;margin-right:14px}.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:4px;vertical-align:-1px}
#detail{position:fixed;right:24px;bottom:24px;box-shadow:0 2px 8px rgba(0,0,0,.12);width:340px;white-space:pre-wrap;background:#fff;border:1px solid #d5dae1;border-radius:6px;padding:12px;font:12px/1.5 ui-monospace,monospace;display:none}
.muted{color:#66707d}
.banner{background:#fff4e0;border:1px solid #e08a1e;border-radius:6px;padding:6px 12px}
`;

const EMULATOR_BANNER =
  '<p class="banner">Emulator mode: this cluster reads the built-in QBO emulator, not QuickBooks Online.</p>';

/** Window and run statuses to colours; anything unknown is grey. */
const COLOURS: Record<string, string> = {
  pending: '#b8c0cc',
  scheduled: '#b8c0cc',
  running: '#2f7fd8',
  succeeded: '#2e9d57',
  failed: '#d23f3f',
  halted: '#e08a1e',
  skipped: '#e08a1e',
  cancelled: '#5b6470',
  // Token health (the connect page).
  ok: '#2e9d57',
  expiring: '#e08a1e',
  expired: '#d23f3f',
};
const colour = (status: string) => COLOURS[status] ?? '#b8c0cc';

/** A dashboard page in the dashboard's style (the connect pages use it too). */
export function page(title: string, body: string, refresh: boolean, emulatorMode = false): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title><link rel="icon" href="data:,">
${refresh ? `<meta http-equiv="refresh" content="${REFRESH_SECONDS}">` : ''}<style>${STYLE}</style></head>
<body>${emulatorMode ? EMULATOR_BANNER : ''}${body}</body></html>`;
}

/** A status as a coloured pill. */
export const badge = (status: string) =>
  `<span class="badge" style="background:${colour(status)}">${escape(status)}</span>`;

/** Windows no longer pending or running. */
const windowsDone = (run: RunRow) =>
  run.totalWindows - (run.windows.pending ?? 0) - (run.windows.running ?? 0);

function progress(run: RunRow): string {
  const done = windowsDone(run);
  const pct = run.totalWindows === 0 ? 0 : Math.round((done / run.totalWindows) * 100);
  return `<span class="bar"><i style="width:${pct}%"></i></span> ${done} of ${run.totalWindows}`;
}

/** How long a run took (or has taken so far, while live): from its start to its end. */
function took(run: RunRow, now: Date): string {
  const end = run.finishedAt ?? now;
  return end > run.startAt ? shortDuration(Math.round((end.getTime() - run.startAt.getTime()) / 1000)) : '-';
}

const day = (d: Date) => utcInstant(d).slice(0, 10);
/** The range's last day: ranges are half-open, so the end instant itself is not in it. */
const lastDay = (end: Date) => day(new Date(end.getTime() - 1));

export function runListHtml(
  runs: RunRow[],
  timeZone: string,
  emulatorMode = false,
  now = new Date(),
): string {
  const rows = runs
    .map(
      (r) => `<tr><td><a href="${RUNS_PATH}/${encodeURIComponent(r.runId)}">${escape(r.runId)}</a></td>
<td>${badge(r.status)}</td><td>${progress(r)}</td><td>${r.rowsFetched.toLocaleString('en-US')}</td><td>${took(r, now)}</td>
<td>${escape(r.realmId)}</td><td>${escape(r.entities.join(', '))}</td>
<td>${day(r.rangeStart)} to ${lastDay(r.rangeEnd)}</td>
<td>${utcInstant(r.createdAt)}<br><span class="muted">${escape(zonedWallClock(r.createdAt, timeZone))}</span></td></tr>`,
    )
    .join('\n');
  const body = `${nav(RUNS_PATH)}<h1>Backfill runs</h1><p class="muted">Newest first.</p>
${
  runs.length === 0
    ? '<p>No runs yet: <code>qbo-backfill enqueue</code> plans one.</p>'
    : `<table class="runs"><tr><th>run</th><th>status</th><th>windows done</th><th>rows</th><th>took</th><th>realm</th><th>entities</th><th>range (UTC days)</th><th>created</th></tr>${rows}</table>`
}`;
  return page(
    'Backfill runs',
    body,
    runs.some((r) => LIVE.has(r.status)),
    emulatorMode,
  );
}

function cellTitle(runId: string, w: WindowReport): string {
  const lines = [
    `${w.entity} ${w.day}: ${w.status}`,
    `${plural(w.rowsFetched, 'row')} (inserted ${w.inserted}, updated ${w.updated}, unchanged ${w.unchanged}) in ${plural(w.pages, 'page')}`,
    `source count ${w.sourceCount ?? 'n/a'}, ${plural(w.attempts, 'attempt')}, ${(w.durationMs / 1000).toFixed(1)} s`,
  ];
  if (w.error) lines.push(`error: ${w.error}`);
  if (w.status === 'failed' || w.error)
    lines.push(`read it again: qbo-backfill retry --run ${runId} --entity ${w.entity} --day ${w.day}`);
  return lines.join('\n');
}

/** Succeeded days are shaded by their rows: 0 (none) to 4 (the entity's busiest day of the run). */
function shade(rows: number, busiest: number): number {
  return rows === 0 || busiest === 0 ? 0 : Math.max(1, Math.ceil((4 * rows) / busiest));
}

/** One entity's entity-days as a calendar: a row per month, a column per day of the month. */
function entityGrid(runId: string, entity: string, days: WindowReport[]): string {
  const byMonth = new Map<string, Map<number, WindowReport>>();
  for (const w of days) {
    const month = w.day.slice(0, 7);
    let inMonth = byMonth.get(month);
    if (!inMonth) byMonth.set(month, (inMonth = new Map<number, WindowReport>()));
    inMonth.set(Number(w.day.slice(8, 10)), w);
  }
  const busiest = Math.max(0, ...days.filter((w) => w.status === 'succeeded').map((w) => w.rowsFetched));
  const header = `<tr><th></th>${Array.from({ length: 31 }, (_, i) => `<th>${i + 1}</th>`).join('')}</tr>`;
  const rows = [...byMonth]
    .map(([month, inMonth]) => {
      const cells = Array.from({ length: 31 }, (_, i) => {
        const w = inMonth.get(i + 1);
        if (!w) return '<td class="none"></td>';
        const look =
          w.status === 'succeeded'
            ? `class="l${shade(w.rowsFetched, busiest)}"`
            : `style="background:${colour(w.status)}"`;
        return `<td ${look} title="${escape(cellTitle(runId, w))}"></td>`;
      }).join('');
      return `<tr><th>${month}</th>${cells}</tr>`;
    })
    .join('\n');
  const counts = new Map<string, number>();
  for (const w of days) counts.set(w.status, (counts.get(w.status) ?? 0) + 1);
  const summary = [...counts].map(([s, n]) => `${s} ${n}`).join(', ');
  const rowsFetched = days.reduce((n, w) => n + w.rowsFetched, 0);
  return `<h2>${escape(entity)} <span class="muted">${plural(days.length, 'day')}: ${summary}; ${plural(rowsFetched, 'row')}${
    busiest > 0 ? `, busiest day ${plural(busiest, 'row')}` : ''
  }</span></h2>
<table class="grid">${header}${rows}</table>`;
}

/** The run page's one script: a click on a day shows its counts beside the grid. */
export const RUN_PAGE_SCRIPT = `
document.addEventListener('click', (ev) => {
  const cell = ev.target.closest('.grid td[title]');
  const panel = document.getElementById('detail');
  if (!cell) { panel.style.display = 'none'; return; }
  panel.textContent = cell.getAttribute('title');
  panel.style.display = 'block';
});
`;

/** The run's stored reports: one line per report, method and period, its checks in red when failed. */
function reportsHtml(reports: RunReportEntry[]): string {
  if (reports.length === 0) return '';
  const failed = reports.filter((r) => r.checks !== 'ok').length;
  const rows = reports
    .map(
      (r) =>
        `<tr><td>${escape(r.report)}</td><td>${escape(r.accountingMethod)}</td><td>${escape(r.periodStart)}</td><td>${escape(r.periodEnd)}</td><td>${r.rows}</td><td${r.checks === 'ok' ? '' : ' style="color:#b00020"'}>${escape(r.checks)}</td></tr>`,
    )
    .join('');
  return `<h2>Reports</h2>
<p>${plural(reports.length, 'report')} stored${failed ? `; <b>${failed} with checks failed or not stored</b>` : ', every check ok'}.</p>
<table class="runs"><tr><th>report</th><th>method</th><th>from</th><th>to</th><th>rows</th><th>checks</th></tr>${rows}</table>`;
}

export function runHtml(
  run: RunRow,
  days: WindowReport[],
  timeZone: string,
  emulatorMode = false,
  now = new Date(),
  reports: RunReportEntry[] = [],
): string {
  const entities = [...new Set(days.map((w) => w.entity))];
  const legend = WINDOW_STATUSES.filter((s) => s !== 'succeeded')
    .map((s) => `<span><i style="background:${colour(s)}"></i>${s}</span>`)
    .join('');
  const shades = [0, 1, 2, 3, 4].map((l) => `<i class="l${l}"></i>`).join('');
  const adaptive = run.windowsPlan === 'adaptive';
  const ended = run.finishedAt
    ? `; ended ${utcInstant(run.finishedAt)}, took ${took(run, now)}`
    : now < run.startAt
      ? `; starts in ${shortDuration(Math.ceil((run.startAt.getTime() - now.getTime()) / 1000))}`
      : '';
  const body = `${nav('')}
<h1>Run ${escape(run.runId)} ${badge(run.status)}</h1>
${run.statusReason ? `<p><b>${escape(run.statusReason)}</b></p>` : ''}
<p>Realm ${escape(run.realmId)}; ${day(run.rangeStart)} to ${lastDay(run.rangeEnd)} (UTC days):
${plural(days.length, 'entity-day')} read in ${plural(run.totalWindows, 'window')} (one job each${adaptive ? '; one window per entity, split into days where the data is dense' : ''}).<br>
Windows done: ${progress(run)}; ${plural(run.rowsFetched, 'row')} fetched in ${plural(run.requests, 'QBO request')}${LIVE.has(run.status) ? ' so far' : ''}.<br>
<span class="muted">Starts ${utcInstant(run.startAt)} = ${escape(zonedWallClock(run.startAt, timeZone))}${ended}</span></p>
<p class="legend"><span>succeeded, shaded by rows: none ${shades} most</span>${legend}<span class="muted">hover or click a day for its counts</span></p>
${entities
  .map((e) =>
    entityGrid(
      run.runId,
      e,
      days.filter((w) => w.entity === e),
    ),
  )
  .join('\n')}
${reportsHtml(reports)}
<div id="detail"></div>
<script>${RUN_PAGE_SCRIPT}</script>`;
  return page(`Run ${run.runId}`, body, LIVE.has(run.status), emulatorMode);
}

/**
 * Run ids the product makes (`r20260101120000-1a2b3c`) and any a test or an older version made:
 * letters, digits, `-` and `_`. Anything else is no run, answered before the database is asked.
 */
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `/runs` (the list) and `/runs/<run id>` (one run as a grid of entity by day). */
export function runPagesRouter(db: Db, timeZone: string, emulatorMode = false): Router {
  const router = express.Router();
  router.get('/', (_req, res, next) => {
    listRuns(db).then(
      (runs) =>
        res
          .type('html')
          .set('Cache-Control', 'no-store')
          .send(runListHtml(runs, timeZone, emulatorMode)),
      next,
    );
  });
  router.get('/:runId', (req, res, next) => {
    const { runId } = req.params;
    const noSuchRun = () =>
      res
        .status(404)
        .type('html')
        .send(
          page(
            'No such run',
            `<p>No run ${escape(runId)}. <a href="${RUNS_PATH}">All runs</a></p>`,
            false,
            emulatorMode,
          ),
        );
    if (!RUN_ID.test(runId)) return noSuchRun();
    return loadRun(db, runId).then((found) => {
      if (!found) return noSuchRun();
      return res
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(runHtml(found.run, found.windows, timeZone, emulatorMode, new Date(), found.reports));
    }, next);
  });
  return router;
}
