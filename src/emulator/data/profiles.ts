/**
 * Data volume profiles. `sandbox` looks like a small real company (tens of records per entity and
 * month); `large` has about 1,000 invoices a day (over a million in all), always generated lazily.
 */
export type ProfileName = 'sandbox' | 'large';

export const PROFILE_NAMES: readonly ProfileName[] = ['sandbox', 'large'];

/** Mean records per day, drawn per month uniformly from [min, max] so months differ. */
export interface Volume {
  readonly minPerDay: number;
  readonly maxPerDay: number;
}

export interface Profile {
  readonly name: ProfileName;
  /** Daily volume per QBO entity name; entities not listed fall back to `defaultVolume`. */
  readonly volumes: Readonly<Record<string, Volume>>;
  readonly defaultVolume: Volume;
  /** Minimum records on a pinned day (first day, around DST changes). */
  readonly pinnedMin: number;
  /** Generated days kept in memory (a least-recently-used cache), counted in records. */
  readonly cacheRecords: number;
}

function v(minPerDay: number, maxPerDay: number): Volume {
  return { minPerDay, maxPerDay };
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  sandbox: {
    name: 'sandbox',
    // 20-60 invoices, ~15-30 customer changes and ~10-25 item changes a month.
    volumes: {
      Invoice: { minPerDay: 0.7, maxPerDay: 2 },
      Customer: { minPerDay: 0.5, maxPerDay: 1 },
      Item: { minPerDay: 0.35, maxPerDay: 0.8 },
      // Transactions, a few to tens a month each.
      Payment: v(0.6, 1.5),
      Bill: v(0.6, 1.4),
      BillPayment: v(0.4, 1),
      Purchase: v(0.6, 1.5),
      TimeActivity: v(0.5, 1.5),
      Estimate: v(0.3, 0.8),
      SalesReceipt: v(0.3, 1),
      Deposit: v(0.2, 0.6),
      JournalEntry: v(0.2, 0.5),
      Attachable: v(0.2, 0.5),
      PurchaseOrder: v(0.15, 0.4),
      CreditMemo: v(0.1, 0.3),
      Transfer: v(0.1, 0.3),
      CreditCardPayment: v(0.1, 0.25),
      RefundReceipt: v(0.08, 0.2),
      VendorCredit: v(0.08, 0.2),
      // Name lists that grow slowly: a handful a month, some months none.
      Vendor: v(0.3, 0.7),
      Account: v(0.1, 0.25),
      Employee: v(0.1, 0.25),
      Class: v(0.08, 0.15),
      Department: v(0.08, 0.15),
      Budget: v(0.05, 0.1),
      PaymentMethod: v(0.06, 0.12),
      Term: v(0.06, 0.12),
      TaxAgency: v(0.05, 0.1),
      TaxCode: v(0.05, 0.1),
      TaxRate: v(0.05, 0.1),
    },
    defaultVolume: { minPerDay: 0.3, maxPerDay: 1 },
    pinnedMin: 3,
    cacheRecords: 200_000,
  },
  large: {
    name: 'large',
    volumes: {
      Invoice: { minPerDay: 950, maxPerDay: 1050 },
      Customer: { minPerDay: 30, maxPerDay: 50 },
      Item: { minPerDay: 4, maxPerDay: 8 },
      Payment: v(600, 900),
      Purchase: v(200, 300),
      Bill: v(150, 250),
      BillPayment: v(100, 200),
      Estimate: v(100, 200),
      SalesReceipt: v(100, 200),
      TimeActivity: v(100, 200),
      Attachable: v(50, 100),
      Deposit: v(30, 60),
      JournalEntry: v(20, 40),
      CreditMemo: v(20, 40),
      PurchaseOrder: v(20, 40),
      RefundReceipt: v(5, 15),
      VendorCredit: v(5, 15),
      Transfer: v(5, 15),
      CreditCardPayment: v(3, 8),
      Vendor: v(5, 10),
      Employee: v(0.5, 1),
      Account: v(0.2, 0.5),
      Class: v(0.05, 0.2),
      Department: v(0.05, 0.2),
      Budget: v(0.05, 0.1),
      PaymentMethod: v(0.05, 0.1),
      Term: v(0.05, 0.1),
      TaxAgency: v(0.05, 0.1),
      TaxCode: v(0.05, 0.2),
      TaxRate: v(0.05, 0.2),
    },
    defaultVolume: { minPerDay: 20, maxPerDay: 40 },
    pinnedMin: 5,
    cacheRecords: 60_000,
  },
};

export function volumeOf(profile: Profile, qboName: string): Volume {
  return profile.volumes[qboName] ?? profile.defaultVolume;
}
