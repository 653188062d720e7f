/** Invoice: a transaction (hard-deleted, no `Active`), with lines referencing items and a customer. */
import { chance, intBetween, pick, type Rng } from '../prng.js';
import { DAY_MS, pacificDate } from '../pacific-time.js';
import type { EntityKind } from './entity-kind.js';
import { payloadField } from './entity-kind.js';
import { customerDisplayName, emailFor, itemName, itemPriceCents, MEMOS, money } from './names.js';

const TAX_RATE = 0.0825;
const NOTES = ['Rush order', 'Deliver to back door', 'Net 15 agreed'] as const;

export const invoiceKind: EntityKind = {
  qboName: 'Invoice',
  nameList: false,
  deletedRate: 0.03,
  inactiveRate: 0,
  fields: [
    { name: 'DocNumber', type: 'string', get: payloadField('DocNumber') },
    { name: 'TxnDate', type: 'date', get: payloadField('TxnDate') },
    { name: 'DueDate', type: 'date', get: payloadField('DueDate') },
    { name: 'CustomerRef', type: 'id', get: (r) => Number(payloadField('CustomerRef', 'value')(r)) },
    { name: 'TotalAmt', type: 'number', get: payloadField('TotalAmt') },
    { name: 'Balance', type: 'number', get: payloadField('Balance') },
  ],
  build(ctx, p) {
    const { rng, seed, realmId } = ctx;
    const customerId = 1 + Math.floor(rng() * ctx.idsThrough('Customer'));
    const customerName = customerDisplayName(seed, realmId, customerId);
    const items = ctx.idsThrough('Item');
    const taxable = chance(rng, 0.4);
    const lines: Record<string, unknown>[] = [];
    let subtotal = 0;
    const lineCount = intBetween(rng, 1, 4);
    for (let i = 0; i < lineCount; i++) {
      const itemId = 1 + Math.floor(rng() * items);
      const qty = intBetween(rng, 1, 12);
      const unit = itemPriceCents(seed, realmId, itemId);
      const amount = qty * unit;
      subtotal += amount;
      const name = itemName(seed, realmId, itemId);
      const line: Record<string, unknown> = { Id: String(i + 1), LineNum: i + 1 };
      if (chance(rng, 0.6)) line.Description = `${name} (${qty})`;
      line.Amount = money(amount);
      line.DetailType = 'SalesItemLineDetail';
      line.SalesItemLineDetail = {
        ItemRef: { value: String(itemId), name },
        UnitPrice: money(unit),
        Qty: qty,
        TaxCodeRef: { value: taxable ? 'TAX' : 'NON' },
      };
      lines.push(line);
    }
    lines.push({ Amount: money(subtotal), DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} });
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
    p.CurrencyRef = { value: 'USD', name: 'United States Dollar' };
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
      payload.PrivateNote = `Updated note ${intBetween(rng, 1000, 9999)}`;
    }
  },
};
