import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DATA_DAYS, dayIndexOf } from '../src/data/calendar.js';
import { DayCache } from '../src/data/day-cache.js';
import { ENTITY_KINDS } from '../src/data/entities.js';
import { PROFILES } from '../src/data/profiles.js';
import { RealmStore } from '../src/data/realm-store.js';
import { POSTING_RULES } from '../src/ledger/posting-rules.js';
import { postingsOf, posts, type Basis } from '../src/ledger/postings.js';
import { realmLookup } from '../src/ledger/realm-lookup.js';

describe('postings', () => {
  it('every generated transaction of a sandbox year balances on both bases, and each type posts', () => {
    const store = new RealmStore(7, '9130357766900007', PROFILES.sandbox, new DayCache(200_000));
    const lookup = realmLookup(store);
    const kinds = ENTITY_KINDS.filter((k) => posts(k.qboName));
    assert.deepEqual(
      kinds.map((k) => k.qboName).sort(),
      POSTING_RULES.map((r) => r.qboName).sort(),
      'every rule is an entity the emulator serves',
    );
    const first = dayIndexOf(Date.UTC(2025, 0, 1));
    const last = Math.min(DATA_DAYS, dayIndexOf(Date.UTC(2026, 0, 1)));
    for (const kind of kinds) {
      let posted = 0;
      let deleted = 0;
      for (let day = first; day < last; day++) {
        for (const r of store.currentDay(kind, day)) {
          for (const basis of ['Accrual', 'Cash'] as Basis[]) {
            const lines = postingsOf(kind.qboName, r.payload, lookup, basis);
            if (r.deleted) {
              assert.equal(lines.length, 0, 'a deleted transaction posts nothing');
              continue;
            }
            let debit = 0;
            let credit = 0;
            for (const l of lines) {
              assert.ok(
                lookup.accounts.has(l.accountId),
                `${kind.qboName} ${r.id}: account ${l.accountId} exists`,
              );
              assert.ok(l.debitCents >= 0 && l.creditCents >= 0 && Number.isInteger(l.debitCents));
              assert.ok((l.debitCents === 0) !== (l.creditCents === 0), 'one side per posting');
              debit += l.debitCents;
              credit += l.creditCents;
            }
            assert.equal(debit, credit, `${kind.qboName} ${r.id} balances on ${basis}`);
            if (basis === 'Accrual' && lines.length > 0) posted++;
          }
          if (r.deleted) deleted++;
        }
      }
      assert.ok(posted > 0, `${kind.qboName} posts`);
      assert.ok(posted + deleted > 0);
    }
  });

  it("posts an invoice to A/R, its items' income accounts and sales tax", () => {
    const store = new RealmStore(7, '9130357766900007', PROFILES.sandbox, new DayCache(10_000));
    const lookup = realmLookup(store);
    const invoice = {
      Id: '1',
      Line: [
        {
          Id: '1',
          Amount: 100,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: '1' } },
        },
        { Amount: 100, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
        {
          Id: '2',
          Amount: 10,
          DetailType: 'DiscountLineDetail',
          DiscountLineDetail: { DiscountAccountRef: { value: '8' } },
        },
      ],
      TxnTaxDetail: { TotalTax: 7.43 },
      CustomerRef: { value: '3' },
      TotalAmt: 97.43,
    };
    const lines = postingsOf('Invoice', invoice, lookup);
    const income = (lookup.item('1') as { IncomeAccountRef: { value: string } }).IncomeAccountRef.value;
    assert.deepEqual(
      lines.map((l) => [l.lineId, l.accountId, l.debitCents, l.creditCents, l.customerId]),
      [
        ['total', lookup.accountOfType('Accounts Receivable'), 9743, 0, '3'],
        ['1', income, 0, 10000, '3'],
        ['2', '8', 1000, 0, '3'],
        ['tax', lookup.accountOfSubType('SalesTaxPayable'), 0, 743, '3'],
      ],
    );
    assert.equal(lookup.accounts.get(income)?.type, 'Income');
    assert.deepEqual(postingsOf('Invoice', invoice, lookup, 'Cash'), []);
  });
});
