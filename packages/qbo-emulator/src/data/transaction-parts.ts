/**
 * Pieces every generated transaction shares: the queryable fields QBO offers on all of them, the
 * party drawn first (so that a payment can name its invoice's customer, see References.linked),
 * item lines as sales forms carry them and account lines as expense forms do.
 */
import { chance, intBetween } from '../prng.js';
import type { BuildContext, EntityKind, FieldDef } from './entity-kind.js';
import { noteEdit, payloadFields, refIdField, transactionKind } from './entity-kind.js';
import { itemName, itemPriceCents, money } from './names.js';

export const USD = { value: 'USD', name: 'United States Dollar' } as const;

/** The one sales tax rate of the generated company, applied to taxable sales forms. */
export const TAX_RATE = 0.0825;

export const TXN_FIELDS: readonly FieldDef[] = payloadFields({
  DocNumber: 'string',
  TxnDate: 'date',
  TotalAmt: 'number',
});

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
export const changeNote = noteEdit('PrivateNote', 'Updated note');

/** One form of a family that shares a shape (the sales forms, the expense forms). */
export interface FormSpec {
  readonly qboName: string;
  readonly deletedRate: number;
  /** Form-specific fields, appended after the common ones (key order is QBO's JSON order). */
  readonly extra: (ctx: BuildContext, p: Record<string, unknown>, total: number) => void;
}

/**
 * The generator of a family of forms: `common` writes the fields every form of the family carries
 * (its party under `partyRef`) and returns the total in cents, then the form's `extra` appends its own.
 */
export function formFamily<S extends FormSpec>(
  partyRef: 'CustomerRef' | 'VendorRef',
  common: (ctx: BuildContext, p: Record<string, unknown>, spec: S) => number,
): (spec: S) => EntityKind {
  return (spec) =>
    transactionKind(spec.deletedRate, {
      qboName: spec.qboName,
      fields: [...TXN_FIELDS, refIdField(partyRef)],
      build(ctx, p) {
        spec.extra(ctx, p, common(ctx, p, spec));
      },
      change: changeNote,
    });
}
