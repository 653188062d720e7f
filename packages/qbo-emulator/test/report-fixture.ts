/**
 * The report tests' emulator (seed 11, a manual clock, limits out of the way), started once per
 * file, and how those tests read a report and the groups, totals and rows in it.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { RunningEmulator } from '../src/index.js';
import { parseCents, type Report, type Row, type SectionRow } from '../src/reports/report-shape.js';
import { accessToken, http, manualClock, start } from './helpers.js';

/** The running emulator, an access token and its first realm. */
export interface Ctx {
  em: RunningEmulator;
  token: string;
  realm: string;
}

export async function report(ctx: Ctx, name: string, params: Record<string, string>): Promise<Report> {
  const res = await http(
    `${ctx.em.url}/v3/company/${ctx.realm}/reports/${name}?${new URLSearchParams({ ...params, minorversion: '75' }).toString()}`,
    { headers: { authorization: `Bearer ${ctx.token}`, accept: 'application/json' } },
  );
  assert.equal(res.status, 200, res.text.slice(0, 500));
  return JSON.parse(res.text) as Report;
}

/** The section of a group, searched depth first. */
export function group(rows: readonly Row[], name: string): SectionRow | undefined {
  for (const r of rows) {
    if (r.type !== 'Section') continue;
    if (r.group === name) return r;
    const inner = group(r.Rows?.Row ?? [], name);
    if (inner) return inner;
  }
  return undefined;
}

/** A group's summary amount in column `col` (1 = first money column), in cents. */
export function total(rep: Report, name: string, col = 1): number {
  const s = group(rep.Rows.Row, name);
  return s?.Summary ? parseCents(s.Summary.ColData[col]?.value ?? '') : 0;
}

/** Every data row (depth first). */
export function dataRows(rows: readonly Row[]): Row[] {
  return rows.flatMap((r) => (r.type === 'Data' ? [r] : dataRows(r.Rows?.Row ?? [])));
}

/** Starts the emulator before the enclosing tests and closes it after them. */
export function useReportEmulator(): Ctx {
  const ctx = {} as Ctx;
  before(async () => {
    ctx.em = await start({
      seed: 11,
      clock: manualClock(),
      config: { requestsPerMinute: 100_000, maxConcurrent: 100 },
    });
    ctx.token = await accessToken(ctx.em);
    ctx.realm = ctx.em.realmIds[0] as string;
  });
  after(() => ctx.em.close());
  return ctx;
}
