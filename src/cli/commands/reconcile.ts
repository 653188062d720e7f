import { centsText } from '../../qbo/reports/report-shape.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';
import { textTable } from '../../infra/text-table.js';
import { reconcile, type AccountComparison, type Reconciliation } from '../../staging/reconcile.js';
import { checkRealmFlag, EXIT, type CommandIo } from '../command.js';
import { producerCommand } from '../producer-command.js';
import { openQboSession, type QboSession } from '../qbo-session.js';

const USAGE = 'qbo-backfill reconcile --realm ID --as-of DATE [--json]';
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `--as-of`: a calendar date of the company (QBO's reports take the company's dates, not UTC instants). */
export function parseAsOf(value: string | undefined): string {
  if (value === undefined) throw new UsageError(`--as-of is required; usage: ${USAGE}`);
  const ok = DATE_ONLY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
  if (!ok)
    throw new UsageError(`--as-of: expected a calendar date such as 2026-06-30, got ${quoteInput(value)}`);
  return value;
}

export const reconcileCommand = producerCommand({
  name: 'reconcile',
  summary:
    "the trial balance from staging.general_ledger beside QBO's TrialBalance as of a date, account by account (exit 1 when any differs)",
  usage: USAGE,
  flags: { realm: { type: 'string' }, 'as-of': { type: 'string' }, json: { type: 'boolean' } },
  check(values) {
    if (values.realm === undefined) throw new UsageError(`--realm is required; usage: ${USAGE}`);
    return {
      realmId: checkRealmFlag(values.realm, true),
      asOf: parseAsOf(values['as-of']),
      json: !!values.json,
    };
  },
  async act(ctx, input, io) {
    // QBO is asked only when the product has not stored that TrialBalance.
    let session: QboSession | undefined;
    const qbo = () =>
      (session ??= openQboSession(ctx.config, ctx.db, io.logger(ctx.config, 'reconcile'))).client;
    try {
      const result = await reconcile(ctx.db, qbo, input.realmId, input.asOf);
      print(result, input.json, io);
      return result.differing.length === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      await session?.close();
    }
  },
});

const money = (c: bigint) => centsText(c);

function accountJson(a: AccountComparison) {
  return {
    accountId: a.accountId,
    name: a.name,
    ledger: money(a.ledgerCents),
    qbo: money(a.qboCents),
    difference: money(a.ledgerCents - a.qboCents),
  };
}

function print(r: Reconciliation, json: boolean, io: CommandIo): void {
  if (json) {
    io.out(
      JSON.stringify({
        realmId: r.realmId,
        asOf: r.asOf,
        source: r.source,
        request: r.request,
        agrees: r.differing.length === 0,
        accounts: r.accounts.map(accountJson),
        differing: r.differing.map(accountJson),
      }),
    );
    return;
  }
  const from = r.source === 'stored' ? "QBO's TrialBalance stored" : "QBO's TrialBalance asked now";
  const head = `realm ${r.realmId}, as of ${r.asOf}: staging.general_ledger beside ${from}`;
  if (r.differing.length === 0) {
    io.out(`${head}: all ${r.accounts.length} accounts agree to the cent`);
    return;
  }
  io.out(`${head}: ${r.differing.length} of ${r.accounts.length} accounts differ (balances debit positive)`);
  io.out(
    textTable(
      ['account', 'name', 'ledger', 'QBO', 'difference'],
      r.differing.map((a) => {
        const j = accountJson(a);
        return [j.accountId, j.name ?? '', j.ledger, j.qbo, j.difference];
      }),
      { rule: true },
    ),
  );
}
