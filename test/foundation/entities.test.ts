import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENTITIES, entityNames } from '../../src/model/entities.js';
import { findEntityKind } from '@qbo-backfill/emulator';
import { entityWindows, parseEntities } from '../../src/backfill/plan/enqueue.js';
import { planDays } from '../../src/backfill/plan/dates.js';
import { countStatement, pageStatement } from '../../src/qbo/query.js';
import { UsageError } from '../../src/model/usage-error.js';

const REQUIRED = [
  'Account',
  'Attachable',
  'Bill',
  'BillPayment',
  'Budget',
  'Class',
  'CompanyInfo',
  'CreditCardPayment',
  'CreditMemo',
  'Customer',
  'Department',
  'Deposit',
  'Employee',
  'Estimate',
  'Invoice',
  'Item',
  'JournalEntry',
  'Payment',
  'PaymentMethod',
  'Preferences',
  'Purchase',
  'PurchaseOrder',
  'RefundReceipt',
  'SalesReceipt',
  'TaxAgency',
  'TaxCode',
  'TaxRate',
  'Term',
  'TimeActivity',
  'Transfer',
  'Vendor',
  'VendorCredit',
];

describe('the entity registry', () => {
  it('covers the 32 entities data teams extract, each once, with a snake_case plural table', () => {
    assert.deepEqual(ENTITIES.map((e) => e.qboName).sort(), [...REQUIRED].sort());
    assert.equal(new Set(entityNames()).size, ENTITIES.length);
    for (const e of ENTITIES) {
      assert.equal(e.table, `qb_${e.name}`, e.name);
      assert.match(e.name, /^[a-z]+(_[a-z]+)*$/, e.name);
      assert.equal(e.nameList, e.kind === 'list', e.name);
      if (e.kind === 'snapshot') assert.equal(e.read, 'whole', e.name);
    }
    assert.equal(ENTITIES.find((e) => e.qboName === 'JournalEntry')?.table, 'qb_journal_entries');
    assert.equal(ENTITIES.find((e) => e.qboName === 'BillPayment')?.table, 'qb_bill_payments');
    assert.deepEqual(
      ENTITIES.filter((e) => e.read === 'whole').map((e) => e.qboName),
      ['CompanyInfo', 'Preferences', 'TaxCode', 'TaxRate'],
    );
  });

  it('agrees with the emulator on every entity and whether it is a name list', () => {
    for (const e of ENTITIES) {
      const kind = findEntityKind(e.qboName);
      assert.ok(kind, e.qboName);
      assert.equal(kind.nameList, e.nameList, e.qboName);
      assert.equal(kind.singleton ?? false, e.kind === 'snapshot', e.qboName);
    }
  });

  it('reads name lists active and inactive, and entities read whole without any time condition', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const end = new Date('2026-01-02T00:00:00Z');
    const byName = (n: string) => ENTITIES.find((e) => e.name === n) as (typeof ENTITIES)[number];
    assert.equal(
      pageStatement(byName('journal_entries'), start, end, 1, 1000),
      "SELECT * FROM JournalEntry WHERE MetaData.LastUpdatedTime >= '2026-01-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2026-01-02T00:00:00Z' ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1 MAXRESULTS 1000",
    );
    assert.equal(
      pageStatement(byName('vendors'), start, end, 1000, 1000),
      "SELECT * FROM Vendor WHERE MetaData.LastUpdatedTime >= '2026-01-01T00:00:00Z' AND MetaData.LastUpdatedTime < '2026-01-02T00:00:00Z' AND Active IN (true, false) ORDERBY MetaData.LastUpdatedTime STARTPOSITION 1000 MAXRESULTS 1000",
    );
    assert.equal(
      pageStatement(byName('company_info'), start, end, 1, 1000),
      'SELECT * FROM CompanyInfo STARTPOSITION 1 MAXRESULTS 1000',
    );
    assert.equal(
      pageStatement(byName('tax_codes'), start, end, 1, 1000),
      'SELECT * FROM TaxCode WHERE Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000',
    );
    assert.equal(countStatement(byName('preferences'), start, end), 'SELECT COUNT(*) FROM Preferences');
  });

  it('plans one window per day, or one per run for entities read whole', () => {
    const days = planDays(new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z'));
    assert.equal(entityWindows('invoices', days).length, 31);
    assert.deepEqual(entityWindows('preferences', days), [
      { day: '2026-01-01', start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-02-01T00:00:00Z') },
    ]);
  });

  it('takes --entities all as every entity, and refuses unknown names', () => {
    assert.deepEqual(parseEntities('all'), entityNames());
    assert.deepEqual(parseEntities('invoices,ALL').length, ENTITIES.length);
    assert.deepEqual(parseEntities('journal_entries, bills'), ['journal_entries', 'bills']);
    assert.throws(() => parseEntities('widgets'), UsageError);
  });
});
