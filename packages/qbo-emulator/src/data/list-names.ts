/**
 * Id-keyed names of the name-list entities beyond customers and items, and the chart of accounts.
 * Like `customerDisplayName`, each depends only on (seed, realm, id), so that a reference can carry
 * the target's name (QBO puts it in `{"value":"7","name":"Checking"}`) without generating it, and
 * names stay unique per realm as QBO requires.
 */
import { hashSeed } from '../prng.js';
import { customerDisplayName, FIRST_NAMES, itemName, LAST_NAMES } from './names.js';

/** The AccountType values the generated chart of accounts uses. */
export type AccountType =
  | 'Bank'
  | 'Accounts Receivable'
  | 'Other Current Asset'
  | 'Fixed Asset'
  | 'Accounts Payable'
  | 'Credit Card'
  | 'Other Current Liability'
  | 'Equity'
  | 'Income'
  | 'Cost of Goods Sold'
  | 'Expense'
  | 'Other Income'
  | 'Other Expense';

/** The n-th name of a list, with a round number once the list is used up (`Net 30 2`). */
function cycled(list: readonly string[], id: number, offset = 0): string {
  const index = (id - 1 + offset) % list.length;
  const round = Math.floor((id - 1) / list.length);
  return round > 0 ? `${list[index]} ${round + 1}` : (list[index] as string);
}

export interface ChartEntry {
  readonly name: string;
  readonly type: AccountType;
  readonly subType: string;
  readonly classification: 'Asset' | 'Liability' | 'Equity' | 'Revenue' | 'Expense';
}

/** One account of the chart: [Name, AccountType, AccountSubType, Classification]. */
type ChartRow = readonly [string, AccountType, string, ChartEntry['classification']];

/**
 * The chart of accounts, in the order accounts are created: the first 16 cover every type a
 * generated transaction references, and Account's first day holds at least that many.
 */
const CHART_ROWS: readonly ChartRow[] = [
  ['Checking', 'Bank', 'Checking', 'Asset'],
  ['Accounts Receivable (A/R)', 'Accounts Receivable', 'AccountsReceivable', 'Asset'],
  ['Undeposited Funds', 'Other Current Asset', 'UndepositedFunds', 'Asset'],
  ['Accounts Payable (A/P)', 'Accounts Payable', 'AccountsPayable', 'Liability'],
  ['Visa Business Card', 'Credit Card', 'CreditCard', 'Liability'],
  ['Sales of Product Income', 'Income', 'SalesOfProductIncome', 'Revenue'],
  ['Cost of Goods Sold', 'Cost of Goods Sold', 'SuppliesMaterialsCogs', 'Expense'],
  ['Office Expenses', 'Expense', 'OfficeGeneralAdministrativeExpenses', 'Expense'],
  ['Savings', 'Bank', 'Savings', 'Asset'],
  ['Services', 'Income', 'ServiceFeeIncome', 'Revenue'],
  ['Rent or Lease', 'Expense', 'RentOrLeaseOfBuildings', 'Expense'],
  ['Board of Equalization Payable', 'Other Current Liability', 'SalesTaxPayable', 'Liability'],
  ['Opening Balance Equity', 'Equity', 'OpeningBalanceEquity', 'Equity'],
  ['Truck', 'Fixed Asset', 'Vehicles', 'Asset'],
  ['Interest Earned', 'Other Income', 'InterestEarned', 'Revenue'],
  ['Miscellaneous', 'Other Expense', 'OtherMiscellaneousExpense', 'Expense'],
  ['Automobile', 'Expense', 'Auto', 'Expense'],
  ['Utilities', 'Expense', 'Utilities', 'Expense'],
  ['Mastercard', 'Credit Card', 'CreditCard', 'Liability'],
  ['Advertising', 'Expense', 'AdvertisingPromotional', 'Expense'],
  ['Landscaping Services', 'Income', 'ServiceFeeIncome', 'Revenue'],
  ['Insurance', 'Expense', 'Insurance', 'Expense'],
  ['Inventory Asset', 'Other Current Asset', 'Inventory', 'Asset'],
  ['Legal & Professional Fees', 'Expense', 'LegalProfessionalFees', 'Expense'],
  ['Payroll Clearing', 'Other Current Liability', 'OtherCurrentLiabilities', 'Liability'],
  ['Money Market', 'Bank', 'MoneyMarket', 'Asset'],
  ['Job Expenses', 'Expense', 'SuppliesMaterials', 'Expense'],
  ['Retained Earnings', 'Equity', 'RetainedEarnings', 'Equity'],
];

export const ACCOUNT_CHART: readonly ChartEntry[] = CHART_ROWS.map(
  ([name, type, subType, classification]) => ({ name, type, subType, classification }),
);

/** Accounts every generated transaction can rely on from the first day. */
export const ACCOUNT_FIRST_DAY_MIN = 16;

export function chartEntry(id: number): ChartEntry {
  return ACCOUNT_CHART[(id - 1) % ACCOUNT_CHART.length] as ChartEntry;
}

/**
 * A reference to the chart's first account of this name (ids 1..28 are the chart in order), as an
 * item's IncomeAccountRef quotes it: an Account record that exists, of the right type.
 */
export function chartAccountRef(name: string): { value: string; name: string } {
  const index = ACCOUNT_CHART.findIndex((a) => a.name === name);
  if (index < 0) throw new Error(`no account ${name} in the chart`);
  return { value: String(index + 1), name };
}

export function accountName(id: number): string {
  return cycled(
    ACCOUNT_CHART.map((a) => a.name),
    id,
  );
}

const VENDOR_FIRST = [
  "Bob's Burger Joint",
  'Brosnahan Insurance Agency',
  'Cal Telephone',
  "Chin's Gas and Oil",
  'Cigna Health Care',
  'Computers by Jenni',
  "Diego's Road Warrior Bodyshop",
  'EDD',
  'Ellis Equipment Rental',
  'Fidelity',
  'Hall Properties',
  'Hicks Hardware',
  'Lee Advertising',
  'Mahoney Mugs',
  'Met Life Dental',
  'National Eye Care',
  'Norton Lumber and Building Materials',
  'PG&E',
  'Pam Seitz',
  'Robertson & Associates',
  'Squeaky Kleen Car Wash',
  "Tania's Nursery",
  'Tim Philip Masonry',
  'Tony Rondonuwu',
  'United States Treasury',
] as const;

/** Unique vendor DisplayName. */
export function vendorName(seed: number, realmId: string, id: number): string {
  return cycled(VENDOR_FIRST, id, hashSeed(seed, realmId, 'vendor-names') % VENDOR_FIRST.length);
}

/** Unique employee DisplayName (`Emily Platt`), a permutation of first and last names. */
export function employeeName(seed: number, realmId: string, id: number): string {
  const combos = FIRST_NAMES.length * LAST_NAMES.length;
  const offset = hashSeed(seed, realmId, 'employee-names') % combos;
  const index = ((id - 1) * 31 + offset) % combos;
  const round = Math.floor((id - 1) / combos);
  const name = `${FIRST_NAMES[index % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(index / FIRST_NAMES.length)]}`;
  return round > 0 ? `${name} ${round + 1}` : name;
}

/** The names of the lists that are simply cycled through, by QBO entity name. */
export const LIST_NAMES = {
  Class: ['Residential', 'Commercial', 'Landscaping', 'Maintenance', 'Design', 'Installation'],
  Department: ['Headquarters', 'North Store', 'South Store', 'Online', 'Warehouse', 'Field Crew'],
  Term: ['Due on receipt', 'Net 15', 'Net 30', 'Net 60', '1% 10 Net 30', '2% 10 Net 45'],
  PaymentMethod: [
    'Cash',
    'Check',
    'Visa',
    'MasterCard',
    'American Express',
    'Discover',
    'Diners Club',
    'Direct Debit',
  ],
  TaxAgency: [
    'California Department of Tax and Fee Administration',
    'Oregon Department of Revenue',
    'Washington State Department of Revenue',
    'Nevada Department of Taxation',
  ],
  TaxRate: ['California', 'San Mateo County', 'Santa Clara County', 'Portland Metro', 'Seattle', 'Reno'],
  TaxCode: [
    'California Sales Tax',
    'San Mateo Combined',
    'Santa Clara Combined',
    'Oregon Exempt',
    'Seattle Combined',
    'Out of State',
  ],
} as const satisfies Readonly<Record<string, readonly string[]>>;

/** The name a reference to this record carries, for the name-list entities; undefined for others. */
export function refName(seed: number, realmId: string, qboName: string, id: number): string | undefined {
  switch (qboName) {
    case 'Customer':
      return customerDisplayName(seed, realmId, id);
    case 'Item':
      return itemName(seed, realmId, id);
    case 'Vendor':
      return vendorName(seed, realmId, id);
    case 'Employee':
      return employeeName(seed, realmId, id);
    case 'Account':
      return accountName(id);
    default: {
      const listed = (LIST_NAMES as Readonly<Record<string, readonly string[]>>)[qboName];
      return listed && cycled(listed, id);
    }
  }
}
