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

/** Dotted paths, split once (postings run for every transaction of years of data). */
const SPLIT = new Map<string, readonly string[]>();

function at(obj: unknown, path: string): unknown {
  let keys = SPLIT.get(path);
  if (!keys) {
    keys = path.split('.');
    SPLIT.set(path, keys);
  }
  let cur = obj;
  for (const key of keys) {
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

interface Party {
  customerId: string | null;
  vendorId: string | null;
}

function assign(party: Party, type: string | undefined, id: string | undefined): void {
  if (id === undefined) return;
  const t = (type ?? 'customer').toLowerCase();
  if (t === 'vendor') party.vendorId = id;
  else if (t === 'customer') party.customerId = id;
}

/** The payload's customer or vendor: `CustomerRef`, `VendorRef`, or `EntityRef` with its `type`. */
function headerParty(payload: Json): Party {
  const party: Party = {
    customerId: refValue(payload, 'CustomerRef') ?? null,
    vendorId: refValue(payload, 'VendorRef') ?? null,
  };
  const entity = payload.EntityRef;
  if (entity !== undefined)
    assign(party, scalar(at(entity, 'type')) ?? 'none', refValue(payload, 'EntityRef'));
  return party;
}

/**
 * A line's own customer or vendor over the payload's: `Entity` with `type`, or QBO's journal form
 * `{Type, EntityRef}`; `CustomerRef` on expense lines.
 */
function lineParty(header: Party, detail: unknown): Party {
  if (detail === null || typeof detail !== 'object') return header;
  const d = detail as Json;
  if (d.Entity === undefined && d.CustomerRef === undefined) return header;
  const party = { ...header };
  const line = d.Entity;
  if (line !== undefined) {
    const nested = at(line, 'EntityRef') !== undefined;
    assign(
      party,
      scalar(at(line, 'type')) ?? scalar(at(line, 'Type')),
      nested ? refValue(line, 'EntityRef') : refValue(detail, 'Entity'),
    );
  }
  const lineCustomer = refValue(detail, 'CustomerRef');
  if (lineCustomer !== undefined) party.customerId = lineCustomer;
  return party;
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
  const poster = new Poster(
    qboName,
    payload,
    rule.reverseWhen !== undefined && payload[rule.reverseWhen] === true,
  );
  for (const leg of rule.legs) postLeg(rule, leg, payload, lookup, basis, poster);
  return poster.out;
}

/** Collects one transaction's postings. */
class Poster {
  readonly out: Posting[] = [];
  private readonly party: Party;
  private readonly departmentId: string | null;

  constructor(
    private readonly qboName: string,
    private readonly payload: Json,
    private readonly reversed: boolean,
  ) {
    this.party = headerParty(payload);
    this.departmentId = refValue(payload, 'DepartmentRef') ?? null;
  }

  post(lineId: string, accountId: string | undefined, side: Side, amount: number, detail?: unknown): void {
    if (amount === 0) return;
    if (accountId === undefined)
      throw new Error(`${this.qboName} ${String(this.payload.Id)} line ${lineId}: no account`);
    const actual = this.reversed ? flip(side) : side;
    // A negative amount posts on the other side (QBO allows negative lines on some forms).
    const effective = amount < 0 ? flip(actual) : actual;
    const abs = Math.abs(amount);
    const party = detail === undefined ? this.party : lineParty(this.party, detail);
    this.out.push({
      lineId,
      accountId,
      debitCents: effective === 'debit' ? abs : 0,
      creditCents: effective === 'credit' ? abs : 0,
      customerId: party.customerId,
      vendorId: party.vendorId,
      classId: detail === undefined ? null : (refValue(detail, 'ClassRef') ?? null),
      departmentId: this.departmentId,
    });
  }
}

function lines(payload: Json): Json[] {
  return Array.isArray(payload.Line) ? (payload.Line as Json[]) : [];
}

function postLeg(
  rule: PostingRule,
  leg: Leg,
  payload: Json,
  lookup: LedgerLookup,
  basis: Basis,
  poster: Poster,
): void {
  switch (leg.leg) {
    case 'total':
    case 'counter': {
      const source = basis === 'Cash' && leg.cashAccount ? leg.cashAccount : leg.account;
      poster.post(leg.leg, resolve(source, payload, lookup), leg.side, cents(payload[rule.total]));
      return;
    }
    case 'tax':
      poster.post(
        'tax',
        lookup.accountOfSubType('SalesTaxPayable'),
        leg.side,
        cents(at(payload, 'TxnTaxDetail.TotalTax')),
      );
      return;
    case 'lines': {
      const all = lines(payload);
      for (let i = 0; i < all.length; i++) {
        const line = all[i] as Json;
        const type = String(line.DetailType);
        const lineId = scalar(line.Id) ?? String(i);
        const detail = line[type];
        if (type === 'DiscountLineDetail') {
          poster.post(
            lineId,
            refValue(detail, 'DiscountAccountRef'),
            flip(leg.side),
            cents(line.Amount),
            detail,
          );
          continue;
        }
        const source = leg.accounts[type];
        if (source) poster.post(lineId, resolve(source, line, lookup), leg.side, cents(line.Amount), detail);
      }
      return;
    }
    case 'journal': {
      const all = lines(payload);
      for (let i = 0; i < all.length; i++) {
        const line = all[i] as Json;
        const detail = line.JournalEntryLineDetail as Json | undefined;
        if (!detail) continue;
        const side: Side = detail.PostingType === 'Credit' ? 'credit' : 'debit';
        const lineId = scalar(line.Id) ?? String(i);
        poster.post(lineId, refValue(detail, 'AccountRef'), side, cents(line.Amount), detail);
      }
      return;
    }
  }
}
