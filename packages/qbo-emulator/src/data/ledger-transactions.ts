/**
 * Transactions between accounts and the records that hang off others (hard-deleted, no `Active`):
 * Deposit, Transfer, CreditCardPayment, JournalEntry, TimeActivity and Attachable.
 */
import { chance, intBetween, pick } from '../prng.js';
import { pacificDate } from '../pacific-time.js';
import type { EntityKind } from './entity-kind.js';
import { noteEdit, payloadFields, transactionKind } from './entity-kind.js';
import { money } from './names.js';
import { changeNote, TXN_FIELDS, USD } from './transaction-parts.js';

const dateAndTotal = TXN_FIELDS.filter((f) => f.name !== 'DocNumber');

/** Deposit: money put into a bank account, each line from an income account or a customer. */
export const depositKind: EntityKind = transactionKind(0.02, {
  qboName: 'Deposit',
  fields: dateAndTotal,
  build(ctx, p) {
    const { rng } = ctx;
    const lines: Record<string, unknown>[] = [];
    let total = 0;
    const count = intBetween(rng, 1, 3);
    for (let i = 0; i < count; i++) {
      const amount = intBetween(rng, 1000, 500_000);
      total += amount;
      const detail: Record<string, unknown> = { AccountRef: ctx.accountRef('Income') };
      const customer = ctx.ref('Customer');
      if (customer && chance(rng, 0.6)) detail.Entity = { ...customer, type: 'CUSTOMER' };
      lines.push({
        Id: String(i + 1),
        LineNum: i + 1,
        Amount: money(amount),
        DetailType: 'DepositLineDetail',
        DepositLineDetail: detail,
      });
    }
    p.TxnDate = pacificDate(ctx.created);
    p.CurrencyRef = USD;
    if (chance(rng, 0.3)) p.PrivateNote = `Deposit slip ${intBetween(rng, 100, 999)}`;
    p.Line = lines;
    p.DepositToAccountRef = ctx.accountRef('Bank');
    p.TotalAmt = money(total);
  },
  change: changeNote,
});

/** Transfer: between two balance-sheet accounts (QBO refuses the same account twice). */
export const transferKind: EntityKind = transactionKind(0.02, {
  qboName: 'Transfer',
  fields: payloadFields({ TxnDate: 'date', Amount: 'number' }),
  build(ctx, p) {
    const { rng } = ctx;
    const from = ctx.accountRef('Bank');
    let to = ctx.accountRef(chance(rng, 0.5) ? 'Bank' : 'Credit Card');
    if (to.value === from.value) to = ctx.accountRef('Credit Card');
    p.FromAccountRef = from;
    p.ToAccountRef = to;
    p.Amount = money(intBetween(rng, 5000, 1_000_000));
    p.TxnDate = pacificDate(ctx.created);
    p.CurrencyRef = USD;
    if (chance(rng, 0.4)) p.PrivateNote = 'Monthly transfer';
  },
  change: changeNote,
});

/** CreditCardPayment: pays a credit-card balance from a bank account (an entity since minor version 65). */
export const creditCardPaymentKind: EntityKind = transactionKind(0.02, {
  qboName: 'CreditCardPayment',
  fields: payloadFields({ TxnDate: 'date', Amount: 'number' }),
  build(ctx, p) {
    const { rng } = ctx;
    p.TxnDate = pacificDate(ctx.created);
    p.Amount = money(intBetween(rng, 5000, 800_000));
    p.BankAccountRef = ctx.accountRef('Bank');
    p.CreditCardAccountRef = ctx.accountRef('Credit Card');
    if (chance(rng, 0.4)) p.Memo = `Card payment ${intBetween(rng, 100, 999)}`;
    p.PrintStatus = 'NotSet';
    const vendor = ctx.ref('Vendor');
    if (vendor && chance(rng, 0.3)) p.VendorRef = vendor;
  },
  change: noteEdit('Memo'),
});

/** JournalEntry: balanced debit and credit lines on accounts. */
export const journalEntryKind: EntityKind = transactionKind(0.03, {
  qboName: 'JournalEntry',
  fields: TXN_FIELDS,
  build(ctx, p) {
    const { rng } = ctx;
    const pairs = intBetween(rng, 1, 2);
    const lines: Record<string, unknown>[] = [];
    let total = 0;
    for (let i = 0; i < pairs; i++) {
      const amount = intBetween(rng, 1000, 2_000_000);
      total += amount;
      for (const posting of ['Debit', 'Credit'] as const) {
        const account = ctx.accountRef(
          posting === 'Debit'
            ? pick(rng, ['Expense', 'Other Current Asset', 'Fixed Asset'] as const)
            : pick(rng, ['Bank', 'Other Current Liability', 'Equity'] as const),
        );
        lines.push({
          Id: String(lines.length),
          Description: `${posting === 'Debit' ? 'Accrual' : 'Offset'} ${i + 1}`,
          Amount: money(amount),
          DetailType: 'JournalEntryLineDetail',
          JournalEntryLineDetail: { PostingType: posting, AccountRef: account },
        });
      }
    }
    p.DocNumber = `JE-${ctx.id}`;
    p.TxnDate = pacificDate(ctx.created);
    p.CurrencyRef = USD;
    if (chance(rng, 0.5))
      p.PrivateNote = pick(rng, ['Month-end accrual', 'Depreciation', 'Reclassification']);
    p.Line = lines;
    p.Adjustment = chance(rng, 0.1);
    p.TotalAmt = money(total);
  },
  change: changeNote,
});

/**
 * TimeActivity: hours an employee (or a vendor) worked, maybe for a customer and billable.
 * Change data capture does not cover it (Intuit's CDC page).
 */
export const timeActivityKind: EntityKind = transactionKind(0.03, {
  qboName: 'TimeActivity',
  cdc: false,
  fields: payloadFields({ TxnDate: 'date' }),
  build(ctx, p) {
    const { rng } = ctx;
    const byEmployee = chance(rng, 0.8);
    const worker = ctx.ref(byEmployee ? 'Employee' : 'Vendor');
    const customer = chance(rng, 0.7) ? ctx.ref('Customer') : undefined;
    const item = customer ? ctx.ref('Item') : undefined;
    p.TxnDate = pacificDate(ctx.created);
    p.NameOf = byEmployee ? 'Employee' : 'Vendor';
    if (worker) p[byEmployee ? 'EmployeeRef' : 'VendorRef'] = worker;
    if (customer) p.CustomerRef = customer;
    if (item) p.ItemRef = item;
    p.BillableStatus = customer ? pick(rng, ['Billable', 'HasBeenBilled']) : 'NotBillable';
    p.Taxable = false;
    if (customer) p.HourlyRate = intBetween(rng, 25, 150);
    p.Hours = intBetween(rng, 0, 9);
    p.Minutes = pick(rng, [0, 15, 30, 45]);
    if (chance(rng, 0.6))
      p.Description = pick(rng, ['Site visit', 'Design work', 'Installation', 'Maintenance round']);
  },
  change: noteEdit('Description', 'Adjusted'),
});

/** Attachable: a file (or note) attached to an existing invoice or bill. */
export const attachableKind: EntityKind = transactionKind(0.03, {
  qboName: 'Attachable',
  fields: payloadFields({ FileName: 'string', ContentType: 'string' }),
  build(ctx, p) {
    const { rng } = ctx;
    const target = chance(rng, 0.6) ? 'Invoice' : 'Bill';
    const ref = ctx.ref(target);
    const [ext, type] = pick(rng, [
      ['pdf', 'application/pdf'],
      ['jpg', 'image/jpeg'],
      ['png', 'image/png'],
    ] as const);
    const fileName = `${target.toLowerCase()}-${ref?.value ?? '0'}-${intBetween(rng, 100, 999)}.${ext}`;
    p.FileName = fileName;
    p.FileAccessUri = `/v3/company/${ctx.realmId}/download/${ctx.id}`;
    p.Size = intBetween(rng, 10_000, 4_000_000);
    p.ContentType = type;
    if (ref)
      p.AttachableRef = [{ EntityRef: { type: target, value: ref.value }, IncludeOnSend: chance(rng, 0.3) }];
    if (chance(rng, 0.3)) p.Note = 'Scanned copy';
  },
  change: noteEdit('Note'),
});
