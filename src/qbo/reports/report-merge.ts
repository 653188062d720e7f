import { RetryWindowError } from '../../model/errors/index.js';
import { isSection, rowsOf, type ColData, type ReportAnswer, type ReportRow } from './report-shape.js';

/** Column batches of one period that do not line up: the data changed between them; read again. */
export class ReportBatchesDifferError extends RetryWindowError {}

/**
 * One report from the answers of the same period read in batches of columns (a day of a detail
 * report still cut whole): the same rows in the same order, each batch adding its cells. Rows that
 * do not line up mean the batches saw different data (a change between the requests): an error,
 * so the day is read again rather than stored mixed.
 */
export function mergeColumnBatches(answers: readonly ReportAnswer[]): ReportAnswer {
  const [first, ...rest] = answers;
  if (!first) throw new Error('no column batch to merge');
  if (rest.length === 0) return first;
  const cat = (cells: (ColData[] | undefined)[]) => cells.flatMap((c) => c ?? []);
  const mergeRows = (batches: ReportRow[][]): ReportRow[] => {
    const base = batches[0] ?? [];
    if (batches.some((b) => b.length !== base.length))
      throw new ReportBatchesDifferError('column batches of the report differ in their rows');
    return base.map((row, i) => {
      const same = batches.map((b) => b[i] as ReportRow);
      if (!isSection(row)) return { ...row, ColData: cat(same.map((r) => r.ColData)) };
      return {
        ...row,
        // A section's header names it once: the first batch's is kept.
        ...(row.Rows ? { Rows: { Row: mergeRows(same.map((r) => rowsOf(r))) } } : {}),
        ...(row.Summary ? { Summary: { ColData: cat(same.map((r) => r.Summary?.ColData)) } } : {}),
      };
    });
  };
  return {
    ...first,
    Columns: { Column: answers.flatMap((a) => a.Columns?.Column ?? []) },
    Rows: { Row: mergeRows(answers.map((a) => rowsOf(a))) },
  };
}
