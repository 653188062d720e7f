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
  /**
   * Generated days kept in memory (a least-recently-used cache shared by every realm), counted in
   * records: about 4 KiB each once served (the payload and its JSON), so 25,000 are ~100 MiB.
   */
  readonly cacheRecords: number;
}

/**
 * Mean records per day of each entity: [sandbox min, sandbox max, large min, large max]. The
 * sandbox has 20-60 invoices, ~15-30 customer changes and ~10-25 item changes a month, a few to
 * tens of each other transaction, and name lists that grow slowly (a handful a month, some months
 * none); large has about 1,000 invoices a day.
 */
const VOLUMES: Readonly<Record<string, readonly [number, number, number, number]>> = {
  Invoice: [0.7, 2, 950, 1050],
  Customer: [0.5, 1, 30, 50],
  Item: [0.35, 0.8, 4, 8],
  Payment: [0.6, 1.5, 600, 900],
  Bill: [0.6, 1.4, 150, 250],
  BillPayment: [0.4, 1, 100, 200],
  Purchase: [0.6, 1.5, 200, 300],
  TimeActivity: [0.5, 1.5, 100, 200],
  Estimate: [0.3, 0.8, 100, 200],
  SalesReceipt: [0.3, 1, 100, 200],
  Deposit: [0.2, 0.6, 30, 60],
  JournalEntry: [0.2, 0.5, 20, 40],
  Attachable: [0.2, 0.5, 50, 100],
  PurchaseOrder: [0.15, 0.4, 20, 40],
  CreditMemo: [0.1, 0.3, 20, 40],
  Transfer: [0.1, 0.3, 5, 15],
  CreditCardPayment: [0.1, 0.25, 3, 8],
  RefundReceipt: [0.08, 0.2, 5, 15],
  VendorCredit: [0.08, 0.2, 5, 15],
  Vendor: [0.3, 0.7, 5, 10],
  Account: [0.1, 0.25, 0.2, 0.5],
  Employee: [0.1, 0.25, 0.5, 1],
  Class: [0.08, 0.15, 0.05, 0.2],
  Department: [0.08, 0.15, 0.05, 0.2],
  Budget: [0.05, 0.1, 0.05, 0.1],
  PaymentMethod: [0.06, 0.12, 0.05, 0.1],
  Term: [0.06, 0.12, 0.05, 0.1],
  TaxAgency: [0.05, 0.1, 0.05, 0.1],
  TaxCode: [0.05, 0.1, 0.05, 0.2],
  TaxRate: [0.05, 0.1, 0.05, 0.2],
};

/** One profile's columns of {@link VOLUMES}. */
function volumes(profile: ProfileName): Record<string, Volume> {
  return Object.fromEntries(
    Object.entries(VOLUMES).map(([qboName, [sandboxMin, sandboxMax, largeMin, largeMax]]) => [
      qboName,
      profile === 'sandbox'
        ? { minPerDay: sandboxMin, maxPerDay: sandboxMax }
        : { minPerDay: largeMin, maxPerDay: largeMax },
    ]),
  );
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  sandbox: {
    name: 'sandbox',
    volumes: volumes('sandbox'),
    defaultVolume: { minPerDay: 0.3, maxPerDay: 1 },
    pinnedMin: 3,
    cacheRecords: 25_000,
  },
  large: {
    name: 'large',
    volumes: volumes('large'),
    defaultVolume: { minPerDay: 20, maxPerDay: 40 },
    pinnedMin: 5,
    cacheRecords: 25_000,
  },
};

export function volumeOf(profile: Profile, qboName: string): Volume {
  return profile.volumes[qboName] ?? profile.defaultVolume;
}
