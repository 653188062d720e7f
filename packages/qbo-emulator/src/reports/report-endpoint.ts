/**
 * `GET /v3/company/{realmId}/reports/{Name}`: the reports served, as data (name, which basis, how
 * built), computed from the company's postings (ledger/). QBO answers the report object itself,
 * without an envelope, and a report over `reportCellLimit` cells is cut, still 200.
 */
import { findEntityKind } from '../data/entities.js';
import type { EntityKind } from '../data/entity-kind.js';
import { refName } from '../data/list-names.js';
import type { RealmStore } from '../data/realm-store.js';
import type { LedgerCache } from '../ledger/ledger-cache.js';
import type { Basis } from '../ledger/postings.js';
import type { LedgerView, RealmLedger } from '../ledger/realm-ledger.js';
import { jsonFault, parameterFault, type FaultReply } from '../http/faults.js';
import { aging, AGING_SPECS, AGING_WINDOW, type AgingSpec } from './aging.js';
import { generalLedger } from './general-ledger.js';
import { parseReportParams, ReportParamError, type ReportParams } from './report-params.js';
import { cutToCellLimit, type Report } from './report-shape.js';
import { balanceSheet, cashFlow, profitAndLoss, trialBalance } from './statements.js';

interface BuildContext {
  readonly params: ReportParams;
  readonly ledger: RealmLedger;
  readonly store: RealmStore;
  readonly cellLimit: number;
  readonly view: (lastDay: number) => LedgerView;
  readonly partyName: (qboName: 'Customer' | 'Vendor', id: string) => string;
}

interface ReportDef {
  readonly name: string;
  /** Aging is about what is owed: always accrual. */
  readonly accrualOnly?: boolean;
  build(ctx: BuildContext): Report | Promise<Report>;
}

function kindsOf(names: readonly string[]): EntityKind[] {
  return names.map((n) => findEntityKind(n)).filter((k): k is EntityKind => k !== undefined);
}

function agingDef(spec: AgingSpec): ReportDef {
  return {
    name: spec.name,
    accrualOnly: true,
    build: async ({ params, ledger, view, partyName }) => {
      const day = params.reportDay;
      const entries = await ledger.entries(
        'Accrual',
        day - AGING_WINDOW,
        day,
        params.now,
        kindsOf(spec.kinds),
      );
      return aging({ spec, view: view(day), entries, params, partyName });
    },
  };
}

export const REPORTS: readonly ReportDef[] = [
  { name: 'ProfitAndLoss', build: ({ params, view }) => profitAndLoss(view(params.endDay), params) },
  { name: 'BalanceSheet', build: ({ params, view }) => balanceSheet(view(params.endDay), params) },
  { name: 'TrialBalance', build: ({ params, view }) => trialBalance(view(params.endDay), params) },
  { name: 'CashFlow', build: ({ params, view }) => cashFlow(view(params.endDay), params) },
  {
    name: 'GeneralLedger',
    build: async ({ params, ledger, view, partyName, cellLimit }) =>
      generalLedger({
        view: view(params.endDay),
        entries: await ledger.entries(params.basis, params.startDay, params.endDay, params.now),
        params,
        partyName,
        cellLimit,
      }),
  },
  ...AGING_SPECS.map(agingDef),
];

const byLowerName = new Map(REPORTS.map((r) => [r.name.toLowerCase(), r]));

/** The company's preferred basis: `Preferences.ReportPrefs.ReportBasis` (Accrual when unknown). */
function preferredBasis(store: RealmStore): Basis {
  const kind = findEntityKind('Preferences');
  const prefs = kind ? store.byId(kind, 1) : undefined;
  const basis = (prefs?.payload.ReportPrefs as { ReportBasis?: unknown } | undefined)?.ReportBasis;
  return basis === 'Cash' ? 'Cash' : 'Accrual';
}

export interface ReportReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export async function handleReport(
  name: string,
  search: URLSearchParams,
  store: RealmStore,
  ledgers: LedgerCache,
  now: number,
  cellLimit: number,
): Promise<ReportReply | FaultReply> {
  const def = byLowerName.get(name.toLowerCase());
  if (!def) {
    return jsonFault(now, 400, 'ValidationFault', {
      Message: 'Unsupported Operation',
      Detail: `Report ${name} is not supported by the emulator; supported: ${REPORTS.map((r) => r.name).join(', ')}`,
      code: '400',
    });
  }
  let params: ReportParams;
  try {
    params = parseReportParams(search, now, preferredBasis(store));
  } catch (err) {
    if (err instanceof ReportParamError) return parameterFault(err.property, err.message, now);
    throw err;
  }
  if (def.accrualOnly) params = { ...params, basis: 'Accrual' };
  const ledger = ledgers.get(store, now);
  await ledger.ready(Math.max(params.endDay, params.reportDay));
  const report = await def.build({
    params,
    ledger,
    store,
    cellLimit,
    view: (lastDay) => ledger.view(params.basis, lastDay, now),
    partyName: (qboName, id) => refName(store.seed, store.realmId, qboName, Number(id)) ?? id,
  });
  cutToCellLimit(report, cellLimit);
  return { status: 200, contentType: 'application/json;charset=UTF-8', body: JSON.stringify(report) };
}
