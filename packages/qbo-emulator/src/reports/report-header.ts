/** The `Header` of every report, in QBO's key order. */
import { formatPacific } from '../pacific-time.js';
import type { ReportParams } from './report-params.js';

export function reportHeader(
  name: string,
  params: ReportParams,
  noData: boolean,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    Time: formatPacific(params.now),
    ReportName: name,
    ReportBasis: params.basis,
    StartPeriod: params.start,
    EndPeriod: params.end,
    SummarizeColumnsBy: params.summarizeBy,
    Currency: 'USD',
    ...extra,
    Option: [
      { Name: 'AccountingStandard', Value: 'GAAP' },
      { Name: 'NoReportData', Value: String(noData) },
    ],
  };
}
