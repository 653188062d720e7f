/**
 * `qbo-backfill reconcile`: the trial balance from `staging.general_ledger` beside QBO's
 * TrialBalance as of one date, account by account, to the cent. The ledger is rebuilt from the
 * entities alone; QBO's report is computed by QBO. Nobody else checks one against the other
 * (qbo-facts.md, Reports): this is the check that a warehouse's statements are QBO's.
 */
import type { Db } from '../infra/db.js';
import { ledgerTrialBalance, type BalanceLine } from './trial-balance.js';
import { qboTrialBalance, type ReportSource } from './qbo-trial-balance.js';

/** One account on both sides, in cents (debit positive); absent on a side counts as zero. */
export interface AccountComparison {
  readonly accountId: string;
  readonly name: string | null;
  readonly ledgerCents: bigint;
  readonly qboCents: bigint;
}

export interface Reconciliation {
  readonly realmId: string;
  readonly asOf: string;
  readonly source: 'stored' | 'qbo';
  readonly request: string;
  /** Every account either side names, by numeric Id. */
  readonly accounts: AccountComparison[];
  /** The accounts whose balances differ (none: the ledger agrees with QBO). */
  readonly differing: AccountComparison[];
}

export async function reconcile(
  db: Db,
  qbo: () => ReportSource,
  realmId: string,
  asOf: string,
): Promise<Reconciliation> {
  const qboSide = await qboTrialBalance(db, qbo, realmId, asOf);
  const ledger = await ledgerTrialBalance(db, realmId, asOf);
  const accounts = compare(ledger, qboSide.lines);
  return {
    realmId,
    asOf,
    source: qboSide.source,
    request: qboSide.request,
    accounts,
    differing: accounts.filter((a) => a.ledgerCents !== a.qboCents),
  };
}

export function compare(ledger: BalanceLine[], qbo: BalanceLine[]): AccountComparison[] {
  const ids = new Set([...ledger, ...qbo].map((l) => l.accountId));
  const ours = new Map(ledger.map((l) => [l.accountId, l]));
  const theirs = new Map(qbo.map((l) => [l.accountId, l]));
  return [...ids]
    .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b))
    .map((accountId) => ({
      accountId,
      name: theirs.get(accountId)?.name ?? ours.get(accountId)?.name ?? null,
      ledgerCents: ours.get(accountId)?.cents ?? 0n,
      qboCents: theirs.get(accountId)?.cents ?? 0n,
    }));
}
