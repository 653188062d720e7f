/**
 * The one generic function that turns a transaction's payload into balanced postings, driven by
 * the rule table (posting-rules.ts, whose comment is the specification).
 */
import { postingRule, type AccountSource, type Leg, type PostingRule, type Side } from './posting-rules.js';

export interface Posting {
  /** The payload line that posts (`Line[].Id`, or its position), or the leg: 'total', 'counter', 'tax'. */
  readonly lineId: string;
  readonly accountId: string;
  readonly debitCents: number;
  readonly creditCents: number;
  readonly customerId: string | null;
  readonly vendorId: string | null;
  readonly classId: string | null;
  readonly departmentId: string | null;
}

export type Basis = 'Accrual' | 'Cash';

/** What a rule may read beyond the payload: the Account list and referenced Items. */
export interface LedgerLookup {
  /** The lowest-Id Account with this AccountType. */
  accountOfType(type: string): string | undefined;
  /** The lowest-Id Account with this AccountSubType. */
  accountOfSubType(subType: string): string | undefined;
  /** The payload of the Item with this Id. */
  item(id: string): Readonly<Record<string, unknown>> | undefined;
}

type Json = Readonly<Record<string, unknown>>;

/** Whether a transaction type posts at all. */
export function posts(qboName: string): boolean {
  return postingRule(qboName) !== undefined;
}

/** Dollars as QBO sends them to integer cents. */
export function cents(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  return Number.isFinite(n) ? Math.round(n * 100) : 0;
}

function at(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[key];
  }
  return cur;
}

/** A JSON scalar as a string (ids, types); undefined for anything else. */
function scalar(v: unknown): string | undefined {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

function refValue(obj: unknown, path: string): string | undefined {
  const v = at(obj, path);
  return v !== null && typeof v === 'object' ? scalar((v as Json).value) : undefined;
}

function resolve(source: AccountSource, owner: unknown, lookup: LedgerLookup): string | undefined {
  if ('path' in source) return refValue(owner, source.path);
  if ('type' in source) return lookup.accountOfType(source.type);
  if ('subType' in source) return lookup.accountOfSubType(source.subType);
  if ('firstOf' in source) {
    for (const s of source.firstOf) {
      const found = resolve(s, owner, lookup);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const itemId = refValue(owner, source.ref);
  const item = itemId === undefined ? undefined : lookup.item(itemId);
  return refValue(item, source.item) ?? lookup.accountOfType(source.fallback);
}

/**
 * The customer or vendor a posting names: the line's entity if it has one (`Entity` with `type`,
 * or QBO's journal form `{Type, EntityRef}`; `CustomerRef` on expense lines), else the payload's.
 */
function partyOf(payload: Json, detail: unknown): { customerId: string | null; vendorId: string | null } {
  let customerId = refValue(payload, 'CustomerRef') ?? null;
  let vendorId = refValue(payload, 'VendorRef') ?? null;
  const assign = (type: string | undefined, id: string | undefined) => {
    if (id === undefined) return;
    const t = (type ?? 'customer').toLowerCase();
    if (t === 'vendor') vendorId = id;
    else if (t === 'customer') customerId = id;
  };
  const entity = at(payload, 'EntityRef');
  if (entity !== undefined) assign(scalar(at(entity, 'type')) ?? 'none', refValue(payload, 'EntityRef'));
  const line = at(detail, 'Entity');
  if (line !== undefined) {
    const nested = at(line, 'EntityRef') !== undefined;
    assign(
      scalar(at(line, 'type')) ?? scalar(at(line, 'Type')),
      nested ? refValue(line, 'EntityRef') : refValue(detail, 'Entity'),
    );
  }
  const lineCustomer = refValue(detail, 'CustomerRef');
  if (lineCustomer !== undefined) customerId = lineCustomer;
  return { customerId, vendorId };
}

const flip = (side: Side): Side => (side === 'debit' ? 'credit' : 'debit');

/**
 * The postings of one transaction, debits and credits summing to the same cents. A deleted
 * transaction (its payload a `status: "Deleted"` stub) and a type that does not post give none.
 */
export function postingsOf(
  qboName: string,
  payload: Json,
  lookup: LedgerLookup,
  basis: Basis = 'Accrual',
): Posting[] {
  const rule = postingRule(qboName);
  if (!rule || payload.status === 'Deleted') return [];
  if (basis === 'Cash' && rule.cash === 'none') return [];
  const reversed = rule.reverseWhen !== undefined && payload[rule.reverseWhen] === true;
  const departmentId = refValue(payload, 'DepartmentRef') ?? null;
  const out: Posting[] = [];
  const post = (
    lineId: string,
    accountId: string | undefined,
    side: Side,
    amount: number,
    detail?: unknown,
  ) => {
    if (amount === 0) return;
    if (accountId === undefined)
      throw new Error(`${qboName} ${String(payload.Id)} line ${lineId}: no account`);
    const actual = reversed ? flip(side) : side;
    // A negative amount posts on the other side (QBO allows negative lines on some forms).
    const effective = amount < 0 ? flip(actual) : actual;
    const abs = Math.abs(amount);
    out.push({
      lineId,
      accountId,
      debitCents: effective === 'debit' ? abs : 0,
      creditCents: effective === 'credit' ? abs : 0,
      ...partyOf(payload, detail),
      classId: refValue(detail, 'ClassRef') ?? null,
      departmentId,
    });
  };
  for (const leg of rule.legs) postLeg(rule, leg, payload, lookup, basis, post);
  return out;
}

type Post = (
  lineId: string,
  accountId: string | undefined,
  side: Side,
  amount: number,
  detail?: unknown,
) => void;

function lines(payload: Json): Json[] {
  return Array.isArray(payload.Line) ? (payload.Line as Json[]) : [];
}

function postLeg(
  rule: PostingRule,
  leg: Leg,
  payload: Json,
  lookup: LedgerLookup,
  basis: Basis,
  post: Post,
): void {
  switch (leg.leg) {
    case 'total':
    case 'counter': {
      const source = basis === 'Cash' && leg.cashAccount ? leg.cashAccount : leg.account;
      post(leg.leg, resolve(source, payload, lookup), leg.side, cents(payload[rule.total]));
      return;
    }
    case 'tax':
      post(
        'tax',
        lookup.accountOfSubType('SalesTaxPayable'),
        leg.side,
        cents(at(payload, 'TxnTaxDetail.TotalTax')),
      );
      return;
    case 'lines':
      lines(payload).forEach((line, i) => {
        const type = String(line.DetailType);
        const lineId = scalar(line.Id) ?? String(i);
        const detail = line[type];
        if (type === 'DiscountLineDetail') {
          post(lineId, refValue(detail, 'DiscountAccountRef'), flip(leg.side), cents(line.Amount), detail);
          return;
        }
        const source = leg.accounts[type];
        if (source) post(lineId, resolve(source, line, lookup), leg.side, cents(line.Amount), detail);
      });
      return;
    case 'journal':
      lines(payload).forEach((line, i) => {
        const detail = line.JournalEntryLineDetail as Json | undefined;
        if (!detail) return;
        const side: Side = detail.PostingType === 'Credit' ? 'credit' : 'debit';
        const lineId = scalar(line.Id) ?? String(i);
        post(lineId, refValue(detail, 'AccountRef'), side, cents(line.Amount), detail);
      });
      return;
  }
}
