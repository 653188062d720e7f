/** The QBO client's answers, in a leaf the windows and sync import for types. */
import type { ReportAnswer } from './reports/report-shape.js';

/** The part of the QBO client a window needs. */
export interface QboQuery {
  query(realmId: string, statement: string, entity?: string): Promise<QueryResult>;
  /** A report (`GET /reports/{name}`); absent in fakes that serve queries only. */
  report?(realmId: string, name: string, params: Record<string, string>): Promise<ReportResult>;
}

export interface ReportResult {
  report: ReportAnswer;
  /** The path and query string sent (minorversion included), for raw.qb_reports.request_payload. */
  request: string;
  intuitTid: string | undefined;
  requests: number;
}
export interface QueryResult {
  /** The parsed `QueryResponse` object (possibly `{}` for an empty page). */
  queryResponse: Record<string, unknown>;
  intuitTid: string | undefined;
  /** The answer's `time`: QBO's clock when it answered (null when absent). */
  time: Date | null;
  /** HTTP requests this answer took, the ones retried (401, 429, 5xx) included. */
  requests: number;
}
