/**
 * Sales-side transactions (hard-deleted, no `Active`): the sales forms that share the invoice's
 * shape (customer, item lines, tax, totals), one generator driven by a spec per form, and Payment,
 * which links to existing invoices of the customer it names.
 */
import { chance, intBetween, pick } from '../prng.js';
import { DAY_MS, pacificDate } from '../pacific-time.js';
import type { AccountType, BuildContext, EntityKind } from './entity-kind.js';
import { payloadFields, transactionKind } from './entity-kind.js';
import { customerDisplayName, emailFor, MEMOS, money } from './names.js';
import {
  changeNote,
  drawParty,
  formFamily,
  salesLines,
  TAX_RATE,
  USD,
  type FormSpec,
} from './transaction-parts.js';

/** The invoice's shape: customer, item lines, tax and totals. */
const salesForm = formFamily('CustomerRef', (ctx: BuildContext, p, spec: FormSpec) => {
  const { rng } = ctx;
  const customerId = drawParty(ctx, 'Customer');
  const customerName = customerDisplayName(ctx.seed, ctx.realmId, customerId);
  const taxable = chance(rng, 0.4);
  const { lines, subtotal } = salesLines(ctx, taxable);
  const tax = taxable ? Math.round(subtotal * TAX_RATE) : 0;
  const total = subtotal + tax;
  p.DocNumber = `${spec.qboName.slice(0, 2).toUpperCase()}-${1000 + ctx.id}`;
  p.TxnDate = pacificDate(ctx.created);
  p.CurrencyRef = USD;
  if (chance(rng, 0.2)) p.PrivateNote = `Ref ${intBetween(rng, 1000, 9999)}`;
  p.Line = lines;
  p.TxnTaxDetail = { TotalTax: money(tax) };
  p.CustomerRef = { value: String(customerId), name: customerName };
  if (chance(rng, 0.5)) p.CustomerMemo = { value: pick(rng, MEMOS) };
  p.TotalAmt = money(total);
  p.ApplyTaxAfterDiscount = false;
  p.PrintStatus = pick(rng, ['NotSet', 'NeedToPrint', 'PrintComplete']);
  p.EmailStatus = pick(rng, ['NotSet', 'NeedToSend', 'EmailSent']);
  if (chance(rng, 0.6)) p.BillEmail = { Address: emailFor(customerName, rng) };
  return total;
});

/**
 * A receipt (SalesReceipt, RefundReceipt): settled at once, so no balance, through a payment
 * method and an account the money goes to or comes from (QBO requires it on a refund).
 */
function receiptKind(qboName: string, deletedRate: number, account: AccountType, refNum: boolean) {
  return salesForm({
    qboName,
    deletedRate,
    extra(ctx, p) {
      const method = ctx.ref('PaymentMethod');
      if (method) p.PaymentMethodRef = method;
      if (refNum && chance(ctx.rng, 0.5)) p.PaymentRefNum = String(intBetween(ctx.rng, 1000, 9999));
      p.Balance = 0;
      p.DepositToAccountRef = ctx.accountRef(account);
    },
  });
}

export const estimateKind = salesForm({
  qboName: 'Estimate',
  deletedRate: 0.04,
  extra(ctx, p) {
    p.ExpirationDate = pacificDate(ctx.created + 30 * DAY_MS);
    p.TxnStatus = pick(ctx.rng, ['Pending', 'Accepted', 'Closed', 'Rejected']);
  },
});

export const salesReceiptKind = receiptKind('SalesReceipt', 0.02, 'Other Current Asset', true);

export const creditMemoKind = salesForm({
  qboName: 'CreditMemo',
  deletedRate: 0.03,
  extra(ctx, p, total) {
    p.RemainingCredit = chance(ctx.rng, 0.5) ? 0 : money(total);
    p.Balance = p.RemainingCredit;
  },
});

export const refundReceiptKind = receiptKind('RefundReceipt', 0.02, 'Bank', false);

/** Payment: received from a customer against one or two of that customer's invoices. */
export const paymentKind: EntityKind = transactionKind(0.02, {
  qboName: 'Payment',
  fields: payloadFields({ TxnDate: 'date', TotalAmt: 'number', CustomerRef: 'id' }),
  build(ctx, p) {
    const { rng } = ctx;
    const first = ctx.linked('Invoice', 'Customer');
    const customerId = first?.partyId ?? 1;
    const lines: Record<string, unknown>[] = [];
    let total = 0;
    const linkedIds = new Set<string>();
    for (const link of [first, chance(rng, 0.2) ? ctx.linked('Invoice', 'Customer') : undefined]) {
      // A second invoice counts only when it is the same customer's (a payment has one payer).
      if (!link || link.partyId !== customerId || linkedIds.has(link.txnId)) continue;
      linkedIds.add(link.txnId);
      const amount = intBetween(rng, 1000, 400_000);
      total += amount;
      lines.push({ Amount: money(amount), LinkedTxn: [{ TxnId: link.txnId, TxnType: 'Invoice' }] });
    }
    const unapplied = chance(rng, 0.1) ? intBetween(rng, 100, 5000) : 0;
    p.TxnDate = pacificDate(ctx.created);
    p.CurrencyRef = USD;
    p.Line = lines;
    p.CustomerRef = {
      value: String(customerId),
      name: customerDisplayName(ctx.seed, ctx.realmId, customerId),
    };
    p.DepositToAccountRef = ctx.accountRef('Other Current Asset');
    const method = ctx.ref('PaymentMethod');
    if (method && chance(rng, 0.8)) p.PaymentMethodRef = method;
    if (chance(rng, 0.6)) p.PaymentRefNum = String(intBetween(rng, 1000, 99999));
    p.TotalAmt = money(total + unapplied);
    p.UnappliedAmt = money(unapplied);
    p.ProcessPayment = false;
  },
  change: changeNote,
});
