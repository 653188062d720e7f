/**
 * The ledger's units: TxnDate days and months, the slim transaction a detail report reads, the
 * view a summary report reads, and the small helpers the folding loop shares.
 */
import { dayIndexOf, dayStartMs } from '../data/calendar.js';
import { ENTITY_KINDS } from '../data/entities.js';
import type { EntityKind } from '../data/entity-kind.js';
import { posts, type Basis, type Posting } from './postings.js';
import type { RealmLookup } from './realm-lookup.js';

/** Days a TxnDate can precede its record's generated day (30 days of edits, plus the Pacific offset). */
export const LAG = 33;
/** TxnDate rows kept before the first generated day. */
export const BEFORE = LAG + 2;
/** Month columns of the party totals: one before 2024-01, then the span's 36. */
export const MONTHS = 37;

export const POSTING_KINDS: readonly EntityKind[] = ENTITY_KINDS.filter((k) => posts(k.qboName));

/** Day index (days since 2024-01-01) of a `YYYY-MM-DD` date. */
export function txnDayOf(date: string): number {
  return dayIndexOf(Date.parse(`${date}T00:00:00Z`));
}

/** The month column of a TxnDate day in the party totals (0: before 2024). */
export function monthOfTxnDay(day: number): number {
  if (day < 0) return 0;
  const d = new Date(dayStartMs(day));
  return Math.min(MONTHS - 1, 1 + (d.getUTCFullYear() - 2024) * 12 + d.getUTCMonth());
}

/**
 * A transaction as the reports see it: its type, the few payload fields a detail report shows
 * (Id, DocNumber, PayType, PaymentType, PrivateNote, Memo, each line's Id and Description), its
 * TxnDate day and postings. Slim, so that a month of the large profile fits in memory.
 */
export interface LedgerEntry {
  readonly kind: EntityKind;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly txnDay: number;
  readonly postings: readonly Posting[];
}

const SHOWN_FIELDS = ['Id', 'DocNumber', 'PayType', 'PaymentType', 'PrivateNote', 'Memo'] as const;

export function slim(payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SHOWN_FIELDS) if (payload[key] !== undefined) out[key] = payload[key];
  if (Array.isArray(payload.Line))
    out.Line = (payload.Line as Record<string, unknown>[]).map((l) => ({
      Id: l.Id,
      Description: l.Description,
    }));
  return out;
}

/** A posting applied over the folded totals at request time (sign -1 removes a generated version). */
export interface Extra {
  readonly txnDay: number;
  readonly posting: Posting;
  readonly sign: 1 | -1;
}

/** The totals a report reads, folded ones plus this request's extras. */
export interface LedgerView {
  readonly lookup: RealmLookup;
  /** Net cents (debit - credit) per account id over TxnDate days [from, to]. */
  sum(from: number, to: number): Map<string, number>;
  /** Net cents (debit - credit) on A/R (`C<id>`) or A/P (`V<id>`) per party, over months [0, month). */
  partiesBefore(month: number): Map<string, number>;
}

export function bump(array: Float64Array, index: number, by: number): void {
  array[index] = (array[index] as number) + by;
}

export function net(p: Posting): number {
  return p.debitCents - p.creditCents;
}

export const BASES: readonly Basis[] = ['Accrual', 'Cash'];

export function arApOf(lookup: RealmLookup): Set<string> {
  const out = new Set<string>();
  for (const a of lookup.accounts.values())
    if (a.type === 'Accounts Receivable' || a.type === 'Accounts Payable') out.add(a.id);
  return out;
}

/** Generated days folded between two yields to the event loop. */
export const FOLD_SLICE = 4;

export function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
