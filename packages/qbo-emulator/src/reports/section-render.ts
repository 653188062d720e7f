/**
 * The one loop that turns a statement's section tree (data: which account types each section
 * holds, which sections add up to which) into QBO's nested `Rows.Row` sections, for any number of
 * period columns.
 */
import type { AccountInfo } from '../ledger/realm-lookup.js';
import { cell, dataRow, formatCents, labelled, section, type ColData, type Row } from './report-shape.js';

export interface SectionSpec {
  readonly group: string;
  /** The header line; a section without one is a summary line only (Gross Profit, Net Income). */
  readonly title?: string;
  /** The summary line's label. */
  readonly total: string;
  /** Account types listed in this section, one data row per account with a non-zero amount. */
  readonly types?: readonly string[];
  readonly children?: readonly SectionSpec[];
  /** A summary-only section: the sum of other groups' totals, each with a sign. */
  readonly formula?: readonly (readonly [string, 1 | -1])[];
  /** A named value (Net Income, Beginning Cash) as a data row ('first'/'last') or as this summary ('value'). */
  readonly named?: { readonly name: string; readonly label: string; readonly at: 'first' | 'last' | 'value' };
  /** Shown even with no rows (QBO always shows a balance sheet's Equity). */
  readonly always?: boolean;
}

export interface StatementValues {
  /** Accounts of the chart, by id. */
  readonly accounts: ReadonlyMap<string, AccountInfo>;
  /** Per account id: its amount (display sign) in each column. */
  readonly byAccount: ReadonlyMap<string, readonly number[]>;
  /** Named per-column values (`NetIncome`, `BeginningCash`). */
  readonly named: ReadonlyMap<string, readonly number[]>;
  readonly columns: number;
}

const money = (values: readonly number[]): ColData[] => values.map((v) => cell(formatCents(v)));

/** Renders the sections; returns the rows and every group's totals (groups left out total zero). */
export function renderSections(
  specs: readonly SectionSpec[],
  values: StatementValues,
): { rows: Row[]; totals: Map<string, number[]> } {
  const totals = new Map<string, number[]>();
  const zero = () => new Array<number>(values.columns).fill(0);
  const byType = new Map<string, AccountInfo[]>();
  for (const [id, amounts] of values.byAccount) {
    const account = values.accounts.get(id);
    if (!account || amounts.every((a) => a === 0)) continue;
    const list = byType.get(account.type) ?? [];
    list.push(account);
    byType.set(account.type, list);
  }
  for (const list of byType.values())
    list.sort((a, b) => a.name.localeCompare(b.name) || Number(a.id) - Number(b.id));

  const render = (spec: SectionSpec): Row | undefined => {
    const sum = zero();
    const add = (v: readonly number[]) => v.forEach((x, i) => (sum[i] = (sum[i] as number) + x));
    const named = spec.named ? (values.named.get(spec.named.name) ?? zero()) : undefined;
    if (spec.formula || spec.named?.at === 'value') {
      if (spec.named?.at === 'value' && named) add(named);
      for (const [group, sign] of spec.formula ?? []) add((totals.get(group) ?? zero()).map((x) => sign * x));
      totals.set(spec.group, sum);
      return section(spec.group, undefined, undefined, [cell(spec.total), ...money(sum)]);
    }
    const rows: Row[] = [];
    const namedRow = () => {
      if (!spec.named || !named) return;
      rows.push(dataRow([cell(spec.named.label), ...money(named)]));
      add(named);
    };
    if (spec.named?.at === 'first') namedRow();
    for (const child of spec.children ?? []) {
      const row = render(child);
      if (row) rows.push(row);
      add(totals.get(child.group) ?? zero());
    }
    for (const type of spec.types ?? []) {
      for (const account of byType.get(type) ?? []) {
        const amounts = values.byAccount.get(account.id) ?? zero();
        rows.push(dataRow([cell(account.name, account.id), ...money(amounts)]));
        add(amounts);
      }
    }
    if (spec.named?.at === 'last') namedRow();
    totals.set(spec.group, sum);
    if (rows.length === 0 && !spec.always) return undefined;
    return section(spec.group, labelled(spec.title ?? '', values.columns + 1), rows, [
      cell(spec.total),
      ...money(sum),
    ]);
  };
  const rows: Row[] = [];
  for (const spec of specs) {
    const row = render(spec);
    if (row) rows.push(row);
  }
  return { rows, totals };
}
