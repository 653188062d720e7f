/**
 * A company's chart of accounts and items as the posting rules see them: the Account records
 * that exist now (current versions, active or not) and Item payloads by id. Read from the store,
 * as a warehouse reads its raw tables, never from the generator's internals.
 */
import { findEntityKind } from '../data/entities.js';
import type { RealmStore } from '../data/realm-store.js';
import type { LedgerLookup } from './postings.js';

export interface AccountInfo {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly subType: string;
  readonly classification: string;
}

export interface RealmLookup extends LedgerLookup {
  /** Every account, by Id. */
  readonly accounts: ReadonlyMap<string, AccountInfo>;
}

function lowestBy(accounts: Iterable<AccountInfo>, key: 'type' | 'subType'): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of accounts) {
    const held = out.get(a[key]);
    if (held === undefined || Number(a.id) < Number(held)) out.set(a[key], a.id);
  }
  return out;
}

/** Reads the realm's accounts now; items are read on first reference and kept. */
export function realmLookup(store: RealmStore): RealmLookup {
  const accountKind = findEntityKind('Account');
  const itemKind = findEntityKind('Item');
  if (!accountKind || !itemKind) throw new Error('Account and Item entities are required');
  const accounts = new Map<string, AccountInfo>();
  const count = store.idCount(accountKind);
  for (let id = 1; id <= count; id++) {
    const r = store.byId(accountKind, id);
    if (!r || r.deleted) continue;
    const p = r.payload;
    accounts.set(String(id), {
      id: String(id),
      name: String(p.Name),
      type: String(p.AccountType),
      subType: String(p.AccountSubType),
      classification: String(p.Classification),
    });
  }
  const byType = lowestBy(accounts.values(), 'type');
  const bySubType = lowestBy(accounts.values(), 'subType');
  const items = new Map<string, Readonly<Record<string, unknown>> | undefined>();
  return {
    accounts,
    accountOfType: (type) => byType.get(type),
    accountOfSubType: (subType) => bySubType.get(subType),
    item(id) {
      if (!items.has(id)) {
        const r = store.byId(itemKind, Number(id));
        items.set(id, r && !r.deleted ? r.payload : undefined);
      }
      return items.get(id);
    },
  };
}
