/**
 * Id-keyed names of the name-list entities beyond customers and items, and the chart of accounts.
 * Like `customerDisplayName`, each depends only on (seed, realm, id), so that a reference can carry
 * the target's name (QBO puts it in `{"value":"7","name":"Checking"}`) without generating it, and
 * names stay unique per realm as QBO requires.
 */
import { hashSeed } from '../prng.js';
import type { AccountType } from './entity-kind.js';
import { customerDisplayName, FIRST_NAMES, itemName, LAST_NAMES } from './names.js';

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

/**
 * The chart of accounts, in the order accounts are created: the first 16 cover every type a
 * generated transaction references, and Account's first day holds at least that many.
 */
export const ACCOUNT_CHART: readonly ChartEntry[] = [
  { name: 'Checking', type: 'Bank', subType: 'Checking', classification: 'Asset' },
  {
    name: 'Accounts Receivable (A/R)',
    type: 'Accounts Receivable',
    subType: 'AccountsReceivable',
    classification: 'Asset',
  },
  {
    name: 'Undeposited Funds',
    type: 'Other Current Asset',
    subType: 'UndepositedFunds',
    classification: 'Asset',
  },
  {
    name: 'Accounts Payable (A/P)',
    type: 'Accounts Payable',
    subType: 'AccountsPayable',
    classification: 'Liability',
  },
  { name: 'Visa Business Card', type: 'Credit Card', subType: 'CreditCard', classification: 'Liability' },
  {
    name: 'Sales of Product Income',
    type: 'Income',
    subType: 'SalesOfProductIncome',
    classification: 'Revenue',
  },
  {
    name: 'Cost of Goods Sold',
    type: 'Cost of Goods Sold',
    subType: 'SuppliesMaterialsCogs',
    classification: 'Expense',
  },
  {
    name: 'Office Expenses',
    type: 'Expense',
    subType: 'OfficeGeneralAdministrativeExpenses',
    classification: 'Expense',
  },
  { name: 'Savings', type: 'Bank', subType: 'Savings', classification: 'Asset' },
  { name: 'Services', type: 'Income', subType: 'ServiceFeeIncome', classification: 'Revenue' },
  { name: 'Rent or Lease', type: 'Expense', subType: 'RentOrLeaseOfBuildings', classification: 'Expense' },
  {
    name: 'Board of Equalization Payable',
    type: 'Other Current Liability',
    subType: 'SalesTaxPayable',
    classification: 'Liability',
  },
  {
    name: 'Opening Balance Equity',
    type: 'Equity',
    subType: 'OpeningBalanceEquity',
    classification: 'Equity',
  },
  { name: 'Truck', type: 'Fixed Asset', subType: 'Vehicles', classification: 'Asset' },
  { name: 'Interest Earned', type: 'Other Income', subType: 'InterestEarned', classification: 'Revenue' },
  {
    name: 'Miscellaneous',
    type: 'Other Expense',
    subType: 'OtherMiscellaneousExpense',
    classification: 'Expense',
  },
  { name: 'Automobile', type: 'Expense', subType: 'Auto', classification: 'Expense' },
  { name: 'Utilities', type: 'Expense', subType: 'Utilities', classification: 'Expense' },
  { name: 'Mastercard', type: 'Credit Card', subType: 'CreditCard', classification: 'Liability' },
  { name: 'Advertising', type: 'Expense', subType: 'AdvertisingPromotional', classification: 'Expense' },
  { name: 'Landscaping Services', type: 'Income', subType: 'ServiceFeeIncome', classification: 'Revenue' },
  { name: 'Insurance', type: 'Expense', subType: 'Insurance', classification: 'Expense' },
  { name: 'Inventory Asset', type: 'Other Current Asset', subType: 'Inventory', classification: 'Asset' },
  {
    name: 'Legal & Professional Fees',
    type: 'Expense',
    subType: 'LegalProfessionalFees',
    classification: 'Expense',
  },
  {
    name: 'Payroll Clearing',
    type: 'Other Current Liability',
    subType: 'OtherCurrentLiabilities',
    classification: 'Liability',
  },
  { name: 'Money Market', type: 'Bank', subType: 'MoneyMarket', classification: 'Asset' },
  { name: 'Job Expenses', type: 'Expense', subType: 'SuppliesMaterials', classification: 'Expense' },
  { name: 'Retained Earnings', type: 'Equity', subType: 'RetainedEarnings', classification: 'Equity' },
];

/** Accounts every generated transaction can rely on from the first day. */
export const ACCOUNT_FIRST_DAY_MIN = 16;

export function chartEntry(id: number): ChartEntry {
  return ACCOUNT_CHART[(id - 1) % ACCOUNT_CHART.length] as ChartEntry;
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

export const CLASS_NAMES = [
  'Residential',
  'Commercial',
  'Landscaping',
  'Maintenance',
  'Design',
  'Installation',
];
export const DEPARTMENT_NAMES = [
  'Headquarters',
  'North Store',
  'South Store',
  'Online',
  'Warehouse',
  'Field Crew',
];
export const TERM_NAMES = ['Due on receipt', 'Net 15', 'Net 30', 'Net 60', '1% 10 Net 30', '2% 10 Net 45'];
export const PAYMENT_METHOD_NAMES = [
  'Cash',
  'Check',
  'Visa',
  'MasterCard',
  'American Express',
  'Discover',
  'Diners Club',
  'Direct Debit',
];
export const TAX_AGENCY_NAMES = [
  'California Department of Tax and Fee Administration',
  'Oregon Department of Revenue',
  'Washington State Department of Revenue',
  'Nevada Department of Taxation',
];
export const TAX_RATE_NAMES = [
  'California',
  'San Mateo County',
  'Santa Clara County',
  'Portland Metro',
  'Seattle',
  'Reno',
];
export const TAX_CODE_NAMES = [
  'California Sales Tax',
  'San Mateo Combined',
  'Santa Clara Combined',
  'Oregon Exempt',
  'Seattle Combined',
  'Out of State',
];

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
    case 'Class':
      return cycled(CLASS_NAMES, id);
    case 'Department':
      return cycled(DEPARTMENT_NAMES, id);
    case 'Term':
      return cycled(TERM_NAMES, id);
    case 'PaymentMethod':
      return cycled(PAYMENT_METHOD_NAMES, id);
    case 'TaxAgency':
      return cycled(TAX_AGENCY_NAMES, id);
    case 'TaxRate':
      return cycled(TAX_RATE_NAMES, id);
    case 'TaxCode':
      return cycled(TAX_CODE_NAMES, id);
    default:
      return undefined;
  }
}
