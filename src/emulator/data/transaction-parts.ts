/**
 * Pieces every generated transaction shares: the queryable fields QBO offers on all of them, the
 * party drawn first (so that a payment can name its invoice's customer, see References.linked),
 * item lines as sales forms carry them and account lines as expense forms do.
 */
import { chance, intBetween, type Rng } from '../prng.js';
import type { BuildContext, FieldDef } from './entity-kind.js';
import { payloadField } from './entity-kind.js';
import { itemName, itemPriceCents, money } from './names.js';

export const USD = { value: 'USD', name: 'United States Dollar' } as const;

export const TXN_FIELDS: readonly FieldDef[] = [
  { name: 'DocNumber', type: 'string', get: payloadField('DocNumber') },
  { name: 'TxnDate', type: 'date', get: payloadField('TxnDate') },
  { name: 'TotalAmt', type: 'number', get: payloadField('TotalAmt') },
];

/**
 * The customer or vendor of a transaction: always the builder's first draw, the same way the
 * invoice draws its customer, so `RealmStore.partyOf` can read it back without generating.
 */
export function drawParty(ctx: BuildContext, partyQboName: string): number {
  return 1 + Math.floor(ctx.rng() * ctx.idsThrough(partyQboName));
}

/** `SalesItemLineDetail` lines plus QBO's trailing `SubTotalLineDetail`; returns them and the subtotal in cents. */
export function salesLines(
  ctx: BuildContext,
  taxable: boolean,
  maxLines = 4,
): { lines: Record<string, unknown>[]; subtotal: number } {
  const { rng, seed, realmId } = ctx;
  const items = ctx.idsThrough('Item');
  const lines: Record<string, unknown>[] = [];
  let subtotal = 0;
  const count = intBetween(rng, 1, maxLines);
  for (let i = 0; i < count; i++) {
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
  return { lines, subtotal };
}

/**
 * Expense lines: mostly `AccountBasedExpenseLineDetail` (an expense account), sometimes
 * `ItemBasedExpenseLineDetail` (an item bought); returns them and the total in cents.
 */
export function expenseLines(
  ctx: BuildContext,
  maxLines = 3,
): { lines: Record<string, unknown>[]; total: number } {
  const { rng, seed, realmId } = ctx;
  const lines: Record<string, unknown>[] = [];
  let total = 0;
  const count = intBetween(rng, 1, maxLines);
  for (let i = 0; i < count; i++) {
    const line: Record<string, unknown> = { Id: String(i + 1) };
    if (chance(rng, 0.25)) {
      const itemId = 1 + Math.floor(rng() * ctx.idsThrough('Item'));
      const qty = intBetween(rng, 1, 20);
      const unit = Math.round(itemPriceCents(seed, realmId, itemId) * 0.6);
      const amount = qty * unit;
      total += amount;
      line.Amount = money(amount);
      line.DetailType = 'ItemBasedExpenseLineDetail';
      line.ItemBasedExpenseLineDetail = {
        ItemRef: { value: String(itemId), name: itemName(seed, realmId, itemId) },
        UnitPrice: money(unit),
        Qty: qty,
        BillableStatus: 'NotBillable',
        TaxCodeRef: { value: 'NON' },
      };
    } else {
      const amount = intBetween(rng, 500, 250_000);
      total += amount;
      if (chance(rng, 0.5)) line.Description = `Expense ${intBetween(rng, 100, 999)}`;
      line.Amount = money(amount);
      line.DetailType = 'AccountBasedExpenseLineDetail';
      line.AccountBasedExpenseLineDetail = {
        AccountRef: ctx.accountRef(chance(rng, 0.8) ? 'Expense' : 'Cost of Goods Sold'),
        BillableStatus: 'NotBillable',
        TaxCodeRef: { value: 'NON' },
      };
    }
    lines.push(line);
  }
  return { lines, total };
}

/** A visible edit of any transaction: its private note. */
export function changeNote(payload: Record<string, unknown>, rng: Rng): void {
  payload.PrivateNote = `Updated note ${intBetween(rng, 1000, 9999)}`;
}
