/**
 * Purchase-side transactions (hard-deleted, no `Active`): the expense forms that share one shape
 * (a vendor, expense lines on accounts or items), one generator driven by a spec per form, and
 * BillPayment, which links to existing bills of the vendor it pays.
 */
import { chance, intBetween, pick } from '../prng.js';
import { DAY_MS, pacificDate } from '../pacific-time.js';
import type { BuildContext, EntityKind } from './entity-kind.js';
import { refIdField, transactionKind } from './entity-kind.js';
import { vendorName } from './list-names.js';
import { money } from './names.js';
import {
  changeNote,
  drawParty,
  expenseLines,
  formFamily,
  TXN_FIELDS,
  USD,
  type FormSpec,
} from './transaction-parts.js';

interface ExpenseFormSpec extends FormSpec {
  readonly docPrefix: string;
}

/** The expense forms' shape: a vendor and expense lines on accounts or items. */
const expenseForm = formFamily('VendorRef', (ctx: BuildContext, p, spec: ExpenseFormSpec) => {
  const { rng } = ctx;
  const vendorId = drawParty(ctx, 'Vendor');
  const { lines, total } = expenseLines(ctx);
  if (chance(rng, 0.6)) p.DocNumber = `${spec.docPrefix}${intBetween(rng, 1000, 99999)}`;
  p.TxnDate = pacificDate(ctx.created);
  p.CurrencyRef = USD;
  if (chance(rng, 0.3)) p.PrivateNote = `PO ref ${intBetween(rng, 100, 999)}`;
  p.Line = lines;
  p.VendorRef = { value: String(vendorId), name: vendorName(ctx.seed, ctx.realmId, vendorId) };
  p.TotalAmt = money(total);
  return total;
});

/** Bill: owed to a vendor, on the A/P account, with a due date and an open balance. */
export const billKind = expenseForm({
  qboName: 'Bill',
  deletedRate: 0.03,
  docPrefix: 'B-',
  extra(ctx, p, total) {
    const term = ctx.ref('Term');
    if (term) p.SalesTermRef = { value: term.value };
    p.DueDate = pacificDate(ctx.created + 30 * DAY_MS);
    p.APAccountRef = ctx.accountRef('Accounts Payable');
    p.Balance = chance(ctx.rng, 0.5) ? 0 : money(total);
  },
});

/** Purchase (an expense, check or card charge): paid at once from a bank or credit-card account. */
export const purchaseKind = expenseForm({
  qboName: 'Purchase',
  deletedRate: 0.03,
  docPrefix: '',
  extra(ctx, p) {
    const type = pick(ctx.rng, ['Cash', 'Check', 'CreditCard'] as const);
    p.PaymentType = type;
    p.AccountRef = ctx.accountRef(type === 'CreditCard' ? 'Credit Card' : 'Bank');
    p.EntityRef = { ...(p.VendorRef as object), type: 'Vendor' };
    if (type === 'Check') p.PrintStatus = pick(ctx.rng, ['NotSet', 'NeedToPrint', 'PrintComplete']);
    // A Purchase names its payee in EntityRef, not VendorRef.
    delete p.VendorRef;
    p.Credit = false;
  },
});

/** PurchaseOrder: not posting; open until received or closed. */
export const purchaseOrderKind = expenseForm({
  qboName: 'PurchaseOrder',
  deletedRate: 0.04,
  docPrefix: 'PO-',
  extra(ctx, p) {
    p.APAccountRef = ctx.accountRef('Accounts Payable');
    p.POStatus = pick(ctx.rng, ['Open', 'Closed']);
    p.DueDate = pacificDate(ctx.created + 14 * DAY_MS);
    p.EmailStatus = 'NotSet';
  },
});

/** VendorCredit: a credit from a vendor on the A/P account. */
export const vendorCreditKind = expenseForm({
  qboName: 'VendorCredit',
  deletedRate: 0.02,
  docPrefix: 'VC-',
  extra(ctx, p, total) {
    p.APAccountRef = ctx.accountRef('Accounts Payable');
    p.Balance = chance(ctx.rng, 0.5) ? 0 : money(total);
  },
});

/** BillPayment: pays one of a vendor's bills by check (a bank account) or credit card. */
export const billPaymentKind: EntityKind = transactionKind(0.02, {
  qboName: 'BillPayment',
  fields: [...TXN_FIELDS, refIdField('VendorRef')],
  build(ctx, p) {
    const { rng } = ctx;
    const bill = ctx.linked('Bill', 'Vendor');
    const vendorId = bill?.partyId ?? 1;
    const amount = intBetween(rng, 1000, 300_000);
    const byCheck = chance(rng, 0.7);
    if (byCheck) p.DocNumber = String(intBetween(rng, 1000, 9999));
    p.TxnDate = pacificDate(ctx.created);
    p.CurrencyRef = USD;
    p.Line = bill ? [{ Amount: money(amount), LinkedTxn: [{ TxnId: bill.txnId, TxnType: 'Bill' }] }] : [];
    p.VendorRef = { value: String(vendorId), name: vendorName(ctx.seed, ctx.realmId, vendorId) };
    p.APAccountRef = ctx.accountRef('Accounts Payable');
    p.PayType = byCheck ? 'Check' : 'CreditCard';
    if (byCheck) p.CheckPayment = { BankAccountRef: ctx.accountRef('Bank'), PrintStatus: 'NeedToPrint' };
    else p.CreditCardPayment = { CCAccountRef: ctx.accountRef('Credit Card') };
    p.TotalAmt = money(amount);
  },
  change: changeNote,
});
