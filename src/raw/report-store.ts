import { sql, type Transaction } from 'kysely';
import type { Database } from '../model/db-types.js';
import { storableJson } from '../infra/storable-json.js';
import type { FlatReportRow } from '../qbo/reports/report-flatten.js';
import type { ReportAnswer } from '../qbo/reports/report-shape.js';
import type { ReportChecks } from '../qbo/reports/report-checks.js';

/** One whole report answer to keep, under the key of raw.qb_reports. */
export interface StoredReport {
  realmId: string;
  reportName: string;
  accountingMethod: string;
  periodStart: string;
  periodEnd: string;
  answer: ReportAnswer;
  rows: FlatReportRow[];
  request: string;
  checks: ReportChecks;
  fetchedAt: Date;
}

/** Rows per INSERT: a month of GeneralLedger is thousands of rows, sent as arrays. */
const ROWS_PER_STATEMENT = 2_000;

/**
 * Replaces the stored report of this period and its rows with `report`, inside the caller's
 * transaction (past periods change: the newest read is the one kept; rows go with their report by
 * the foreign key's cascade). Returns the rows written.
 */
export async function replaceReport(trx: Transaction<Database>, report: StoredReport): Promise<number> {
  const key = {
    realm_id: report.realmId,
    report_name: report.reportName,
    accounting_method: report.accountingMethod,
    period_start: report.periodStart,
    period_end: report.periodEnd,
  };
  await trx
    .deleteFrom('raw.qb_reports')
    .where('realm_id', '=', key.realm_id)
    .where('report_name', '=', key.report_name)
    .where('accounting_method', '=', key.accounting_method)
    .where('period_start', '=', key.period_start)
    .where('period_end', '=', key.period_end)
    .execute();
  await trx
    .insertInto('raw.qb_reports')
    .values({
      ...key,
      payload: storableJson(report.answer).json,
      request_payload: report.request,
      fetched_at_utc: report.fetchedAt,
      checks: JSON.stringify(report.checks),
    })
    .execute();
  for (let i = 0; i < report.rows.length; i += ROWS_PER_STATEMENT) {
    const batch = report.rows.slice(i, i + ROWS_PER_STATEMENT);
    // unnest of arrays: one statement per batch whatever its size (no parameter limit). Paths go
    // as JSON (a text[] per row does not fit in one array parameter).
    await sql`
      INSERT INTO raw.qb_report_rows (realm_id, report_name, accounting_method, period_start,
        period_end, row_number, path, section_group, row_type, account_id, label, amount, cells)
      SELECT ${key.realm_id}, ${key.report_name}, ${key.accounting_method}, ${key.period_start}::date,
        ${key.period_end}::date, r.n, ARRAY(SELECT jsonb_array_elements_text(r.path)), r.grp, r.kind,
        r.account, r.label, r.amount, r.cells
      FROM unnest(${batch.map((r) => r.rowNumber)}::int[],
        ${batch.map((r) => JSON.stringify(r.path))}::jsonb[], ${batch.map((r) => r.sectionGroup)}::text[],
        ${batch.map((r) => r.rowType)}::text[], ${batch.map((r) => r.accountId)}::text[],
        ${batch.map((r) => r.label)}::text[], ${batch.map((r) => r.amount)}::numeric[],
        ${batch.map((r) => storableJson(r.cells).json)}::jsonb[])
        AS r(n, path, grp, kind, account, label, amount, cells)`.execute(trx);
  }
  return report.rows.length;
}
