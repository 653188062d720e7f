import { reportsTable } from './report-reports.js';
import { textTable } from '../../infra/text-table.js';
import { escapeControls, plural } from '../../infra/terminal-text.js';
import { bothZones } from '../../infra/time-format.js';
import type { ReportMeta, RunReport, WindowReport } from './report-types.js';

/** How `report` groups its human table. */
export type ReportGrouping = 'entity' | 'month' | 'day';
export const REPORT_GROUPINGS: readonly ReportGrouping[] = ['entity', 'month', 'day'];

/** Terminal width the summary is written for. */
const WIDTH = 80;
/** Runs longer than this are summarised per month by default: a line per entity per month. */
const MONTHLY_AFTER_DAYS = 62;

/** The grouping `report` uses when none is asked for: per entity, per month for long runs. */
export function defaultGrouping(meta: ReportMeta): ReportGrouping {
  const days = (meta.to.getTime() - meta.from.getTime()) / 86_400_000;
  return days > MONTHLY_AFTER_DAYS ? 'month' : 'entity';
}

/** Words wrapped at `width`, continuation lines indented by two spaces. */
export function wrap(text: string, width = WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

const clip = (s: string, width = WIDTH) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);

/** The run's head: status, realm and range in UTC and the display zone, each line within 80 columns. */
export function reportHead(report: RunReport & { meta: ReportMeta }, timeZone: string): string[] {
  return [
    `run ${report.runId}: ${report.status}`,
    ...(report.meta.statusReason ? wrap(`reason: ${escapeControls(report.meta.statusReason)}`) : []),
    `realm ${report.meta.realmId}`,
    `from ${bothZones(report.meta.from, timeZone)}`,
    `to   ${bothZones(report.meta.to, timeZone)} (exclusive)`,
  ];
}

/** The totals; `totals.windows` (the contract's JSON key) counts entity-days, read in `windowCount` windows. */
export function reportFoot(report: RunReport & { meta: ReportMeta }): string[] {
  const t = report.totals;
  return [
    ...wrap(
      `totals: ${plural(t.windows, 'entity-day')} read in ${plural(report.meta.windowCount, 'window')}: ${t.succeeded} succeeded, ${t.failed} failed`,
    ),
    ...wrap(
      `rows: ${t.rowsFetched} fetched, ${t.inserted} inserted, ${t.updated} updated, ${t.unchanged} unchanged, ` +
        `${t.skipped} skipped, ${t.temporalAnomalies} temporal anomalies`,
    ),
    ...wrap(`QBO requests: ${t.requests} (pages and COUNTs of the committed reads)`),
  ];
}

interface Group {
  entity: string;
  month: string;
  windows: number;
  succeeded: number;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
}

function groups(windows: WindowReport[], byMonth: boolean): Group[] {
  const map = new Map<string, Group>();
  for (const w of windows) {
    const month = byMonth ? w.day.slice(0, 7) : '';
    const key = `${w.entity}|${month}`;
    let g = map.get(key);
    if (!g) {
      g = {
        entity: w.entity,
        month,
        windows: 0,
        succeeded: 0,
        rows: 0,
        inserted: 0,
        updated: 0,
        unchanged: 0,
      };
      map.set(key, g);
    }
    g.windows++;
    if (w.status === 'succeeded') g.succeeded++;
    g.rows += w.rowsFetched;
    g.inserted += w.inserted;
    g.updated += w.updated;
    g.unchanged += w.unchanged;
  }
  return [...map.values()];
}

/**
 * The report for a person at a terminal: one line per entity (or per entity and month), the
 * windows that did not succeed with their error, and the totals, within 80 columns. The per-day
 * table (`--by day`), JSON and CSV keep every window.
 */
export function reportSummary(
  report: RunReport & { meta: ReportMeta },
  timeZone: string,
  grouping: Exclude<ReportGrouping, 'day'>,
): string {
  const byMonth = grouping === 'month';
  const rows = groups(report.windows, byMonth).map((g) => [
    g.entity,
    ...(byMonth ? [g.month] : []),
    `${g.succeeded}/${g.windows}`,
    g.rows,
    g.inserted,
    g.updated,
    g.unchanged,
  ]);
  const table = textTable(
    ['entity', ...(byMonth ? ['month'] : []), 'days ok', 'rows', 'inserted', 'updated', 'unchanged'],
    rows,
    { rule: true },
  );
  const unsuccessful = report.windows.filter((w) => w.status !== 'succeeded' || w.error);
  const problems = unsuccessful.length
    ? [
        '',
        `${plural(unsuccessful.length, 'entity-day')} not succeeded or with a note (all of them: --by day):`,
        ...unsuccessful
          .slice(0, 20)
          .map((w) => clip(`  ${w.entity} ${w.day} ${w.status}: ${escapeControls(w.error ?? '')}`)),
        ...(unsuccessful.length > 20 ? [`  ... and ${unsuccessful.length - 20} more`] : []),
      ]
    : [];
  const reports = reportsTable(report.reports ?? []);
  return [
    ...reportHead(report, timeZone),
    '',
    table,
    ...problems,
    '',
    ...reports,
    ...(reports.length ? [''] : []),
    ...reportFoot(report),
  ].join('\n');
}
