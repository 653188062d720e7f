/** Invoice: a transaction (hard-deleted, no `Active`), with lines referencing items and a customer. */
import { chance, intBetween, pick, type Rng } from '../prng.js';
import { DAY_MS, pacificDate } from '../pacific-time.js';
import type { EntityKind } from './entity-kind.js';
import { payloadFields, transactionKind } from './entity-kind.js';
import { customerDisplayName, emailFor, MEMOS, money } from './names.js';
import { changeNote, drawParty, salesLines, TAX_RATE, USD } from './transaction-parts.js';

const NOTES = ['Rush order', 'Deliver to back door', 'Net 15 agreed'] as const;

export const invoiceKind: EntityKind = transactionKind(0.03, {
  qboName: 'Invoice',
  fields: payloadFields({
    DocNumber: 'string',
    TxnDate: 'date',
    DueDate: 'date',
    CustomerRef: 'id',
    TotalAmt: 'number',
    Balance: 'number',
  }),
  build(ctx, p) {
    const { rng, seed, realmId } = ctx;
    const customerId = drawParty(ctx, 'Customer');
    const customerName = customerDisplayName(seed, realmId, customerId);
    const taxable = chance(rng, 0.4);
    const { lines, subtotal } = salesLines(ctx, taxable);
    const tax = taxable ? Math.round(subtotal * TAX_RATE) : 0;
    const total = subtotal + tax;
    const paid = rng();
    const balance = paid < 0.5 ? 0 : paid < 0.85 ? total : Math.round(total * rng());
    const withEmail = chance(rng, 0.7);
    const withMemo = chance(rng, 0.5);
    const withNote = chance(rng, 0.2);

    const crew: Record<string, unknown> = { DefinitionId: '1', Name: 'Crew #', Type: 'StringType' };
    if (chance(rng, 0.5)) crew.StringValue = String(intBetween(rng, 100, 199));
    p.CustomField = [crew];
    p.DocNumber = String(1000 + ctx.id);
    p.TxnDate = pacificDate(ctx.created);
    p.CurrencyRef = USD;
    if (withNote) p.PrivateNote = pick(rng, NOTES);
    p.LinkedTxn = [];
    p.Line = lines;
    p.TxnTaxDetail = { TotalTax: money(tax) };
    p.CustomerRef = { value: String(customerId), name: customerName };
    if (withMemo) p.CustomerMemo = { value: pick(rng, MEMOS) };
    p.DueDate = pacificDate(ctx.created + 30 * DAY_MS);
    p.TotalAmt = money(total);
    p.ApplyTaxAfterDiscount = false;
    p.PrintStatus = pick(rng, ['NotSet', 'NeedToPrint', 'PrintComplete']);
    p.EmailStatus = withEmail ? pick(rng, ['NotSet', 'NeedToSend', 'EmailSent']) : 'NotSet';
    if (withEmail) p.BillEmail = { Address: emailFor(customerName, rng) };
    p.Balance = money(balance);
  },
  change(payload, rng: Rng) {
    // A payment lands (balance drops) or a note is edited.
    const balance = typeof payload.Balance === 'number' ? payload.Balance : 0;
    if (balance > 0 && chance(rng, 0.6)) {
      payload.Balance = money(Math.floor(balance * 100 * rng()));
    } else {
      changeNote(payload, rng);
    }
  },
});
