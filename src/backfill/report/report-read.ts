/**
 * Reading one report window: a report, an accounting method and a calendar month (of a run, or
 * one of the trailing months a sync cycle refreshes). Every
 * report goes through this one loop, driven by its registry entry: ask for the month (or its last
 * day), keep what is whole, split what QBO cut (report-split-plan.ts) until every part is whole,
 * and commit each whole part with its checks as soon as it is read. A cut answer is never stored.
 */
import type { Logger } from '../../infra/logger.js';
import { FailWindowError } from '../../model/errors/index.js';
import type { ReportDefinition } from '../../model/reports.js';
import type { QboQuery } from '../../qbo/qbo-client.js';
import { checkReport } from '../../qbo/reports/report-checks.js';
import { reportCut } from '../../qbo/reports/report-cut.js';
import { flattenReport } from '../../qbo/reports/report-flatten.js';
import { mergeColumnBatches } from '../../qbo/reports/report-merge.js';
import type { ReportAnswer } from '../../qbo/reports/report-shape.js';
import type { StoredReport } from '../../raw/report-store.js';
import {
  isColumnSplit,
  monthPart,
  reportParams,
  splitCutPart,
  type ReportPart,
} from './report-split-plan.js';

/** QBO cut a report part that cannot split further: storing it would keep a silent truncation. */
export class ReportStillCutError extends FailWindowError {}

export interface ReportRead {
  qbo: QboQuery;
  /** The month read (its first day): a period report over it, an as-of one at its last day. */
  month: string;
  /**
   * Stores one whole part in one transaction, fenced by whoever reads it (a run's window, a sync
   * cycle), adding `requests` to its count; returns the rows stored.
   */
  commit: (report: StoredReport, requests: number) => Promise<number>;
  realmId: string;
  report: ReportDefinition;
  accountingMethod: string;
  log: Logger;
  /** Stops between requests on shutdown (the job goes back to the queue). */
  checkStop?: () => Promise<void>;
}

export interface ReportReadResult {
  /** Whole parts stored. */
  parts: number;
  rows: number;
  requests: number;
  /** Parts whose checks failed. */
  failedChecks: number;
}

interface Answered {
  part: ReportPart;
  answer: ReportAnswer;
  request: string;
  requests: number;
}

/** Reads the window's month of the report and stores it whole, in as many parts as it takes. */
export async function readReportWindow(read: ReportRead): Promise<ReportReadResult> {
  const result: ReportReadResult = { parts: 0, rows: 0, requests: 0, failedChecks: 0 };
  // Requests are counted on the window with the next part it commits: cut answers' included.
  let committed = 0;
  const store = async (whole: Answered) => {
    const { report } = read;
    const checks = checkReport(report.name, whole.answer, report.amountKey);
    const rows = await read.commit(
      {
        realmId: read.realmId,
        reportName: report.name,
        accountingMethod: read.accountingMethod,
        periodStart: whole.part.start,
        periodEnd: whole.part.end,
        answer: whole.answer,
        rows: flattenReport(whole.answer, report.amountKey),
        request: whole.request,
        checks,
        fetchedAt: new Date(),
      },
      result.requests - committed,
    );
    committed = result.requests;
    result.parts++;
    result.rows += rows;
    if (!checks.ok) {
      result.failedChecks++;
      read.log.warn({ period: [whole.part.start, whole.part.end], checks }, 'report checks failed');
    }
  };
  await readPart(read, monthPart(read.report, read.month), store, result);
  return result;
}

/** Asks QBO for one part; the requests it took are added to the window's once the part commits. */
async function ask(read: ReportRead, part: ReportPart, result: ReportReadResult): Promise<Answered> {
  await read.checkStop?.();
  if (!read.qbo.report) throw new Error('this QBO client cannot read reports');
  const params = reportParams(read.report, part, read.accountingMethod);
  const answer = await read.qbo.report(read.realmId, read.report.name, params);
  result.requests += answer.requests;
  return { part, answer: answer.report, request: answer.request, requests: answer.requests };
}

function cutOf(read: ReportRead, answer: ReportAnswer): string | null {
  return reportCut(answer, read.report.detailColumns !== undefined);
}

/**
 * Reads `part`, splitting it while QBO cuts it; each whole period goes to `store` as it is read.
 * Returns whether QBO cut it (or it was taken as cut). `siblingCut`: the part before it, of the same
 * split, was cut: this one, as long and of the same company, very likely is too, so its own parts
 * are asked at once, saving a request QBO would answer cut (a month of the large profile's
 * GeneralLedger: four weeks' requests of 47).
 */
async function readPart(
  read: ReportRead,
  part: ReportPart,
  store: (whole: Answered) => Promise<void>,
  result: ReportReadResult,
  siblingCut = false,
): Promise<boolean> {
  const below = splitCutPart(read.report, part);
  if (siblingCut && below.length > 0 && !isColumnSplit(below)) {
    await readParts(read, below, store, result);
    return true;
  }
  const answered = await ask(read, part, result);
  const cut = cutOf(read, answered.answer);
  if (cut === null) {
    await store(answered);
    return false;
  }
  read.log.info({ period: [part.start, part.end], cut, parts: below.length }, 'report cut by QBO; splitting');
  if (below.length === 0) throw stillCut(read, part, cut);
  if (isColumnSplit(below)) await store(await readColumns(read, below, result));
  else await readParts(read, below, store, result);
  return true;
}

async function readParts(
  read: ReportRead,
  parts: ReportPart[],
  store: (whole: Answered) => Promise<void>,
  result: ReportReadResult,
): Promise<void> {
  let cut = false;
  for (const p of parts) cut = await readPart(read, p, store, result, cut);
}

/**
 * A day read in batches of columns, halved again while a batch is cut; the batches are merged into
 * the day's one report (raw.qb_reports keys by period, not by columns).
 */
async function readColumns(
  read: ReportRead,
  batches: ReportPart[],
  result: ReportReadResult,
): Promise<Answered> {
  const answers: Answered[] = [];
  for (const batch of batches) {
    const answered = await ask(read, batch, result);
    const cut = cutOf(read, answered.answer);
    if (cut === null) {
      answers.push(answered);
      continue;
    }
    const halves = splitCutPart(read.report, batch);
    if (halves.length === 0) throw stillCut(read, batch, cut);
    answers.push(await readColumns(read, halves, result));
  }
  const [first] = answers;
  if (!first) throw new Error('no column batch read');
  const { columns: _columns, ...period } = first.part;
  return {
    part: period,
    answer: mergeColumnBatches(answers.map((a) => a.answer)),
    request: answers.map((a) => a.request).join('\n'),
    requests: answers.reduce((n, a) => n + a.requests, 0),
  };
}

function stillCut(read: ReportRead, part: ReportPart, cut: string): ReportStillCutError {
  const columns = part.columns ? ` (columns ${part.columns.join(',')})` : '';
  return new ReportStillCutError(
    `${read.report.name} ${part.start}..${part.end}${columns} is cut by QBO (${cut}) and cannot be split further`,
  );
}
