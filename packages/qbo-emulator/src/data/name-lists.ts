/**
 * The name lists beyond Customer and Item: soft-deleted with `Active=false`, hidden from a query
 * that does not name `Active`, with unique names that references quote (see list-names.ts).
 */
import { chance, intBetween, pick, type Rng } from '../prng.js';
import { DAY_MS, pacificDate } from '../pacific-time.js';
import type { BuildContext, EntityKind } from './entity-kind.js';
import { nameListKind, namedListKind, noteEdit, payloadFields } from './entity-kind.js';
import { ACCOUNT_FIRST_DAY_MIN, chartEntry, LIST_NAMES, refName } from './list-names.js';
import { CITIES, emailFor, FIRST_NAMES, LAST_NAMES, money, phone, STREETS } from './names.js';

const USD = { value: 'USD', name: 'United States Dollar' } as const;

function address(ctx: BuildContext, rng: Rng): Record<string, unknown> {
  const city = pick(rng, CITIES);
  return {
    Id: String(ctx.id * 2 + 1),
    Line1: `${intBetween(rng, 10, 9999)} ${pick(rng, STREETS)}`,
    City: city[0],
    CountrySubDivisionCode: city[1],
    PostalCode: city[2],
  };
}

/** A simple named list (Class, Department): Name, FullyQualifiedName, Active, a sub-list flag. */
function simpleList(qboName: string, subFlag: string): EntityKind {
  return namedListKind(0.1, {
    qboName,
    fields: payloadFields({ Name: 'string' }),
    build(ctx, p, name) {
      p.Name = name;
      p[subFlag] = false;
      p.FullyQualifiedName = name;
      p.Active = ctx.active;
    },
    change(payload, rng) {
      payload.Active = payload.Active === false ? false : chance(rng, 0.9);
    },
  });
}

export const classKind = simpleList('Class', 'SubClass');
export const departmentKind = simpleList('Department', 'SubDepartment');

export const vendorKind: EntityKind = namedListKind(0.1, {
  qboName: 'Vendor',
  fields: payloadFields({ DisplayName: 'string', CompanyName: 'string', Balance: 'number' }),
  build(ctx, p, name) {
    const { rng } = ctx;
    const balance = chance(rng, 0.5) ? 0 : intBetween(rng, 1000, 300_000);
    p.BillAddr = address(ctx, rng);
    const term = ctx.ref('Term');
    if (term && chance(rng, 0.6)) p.TermRef = { value: term.value };
    p.Balance = money(balance);
    if (chance(rng, 0.4)) p.AcctNum = String(intBetween(rng, 10000, 99999));
    p.Vendor1099 = chance(rng, 0.2);
    p.CurrencyRef = USD;
    p.CompanyName = name;
    p.DisplayName = name;
    p.PrintOnCheckName = name;
    p.Active = ctx.active;
    if (chance(rng, 0.7)) p.PrimaryPhone = { FreeFormNumber: phone(rng) };
    if (chance(rng, 0.6)) p.PrimaryEmailAddr = { Address: emailFor(name, rng) };
  },
  change: noteEdit('AcctNum'),
});

export const employeeKind: EntityKind = namedListKind(0.12, {
  qboName: 'Employee',
  fields: payloadFields({ DisplayName: 'string', GivenName: 'string', FamilyName: 'string' }),
  build(ctx, p, name) {
    const { rng } = ctx;
    const [given, ...rest] = name.split(' ');
    p.SSN = `XXX-XX-${String(intBetween(rng, 0, 9999)).padStart(4, '0')}`;
    p.PrimaryAddr = address(ctx, rng);
    p.BillableTime = chance(rng, 0.5);
    if (p.BillableTime) p.BillRate = intBetween(rng, 25, 120);
    p.HiredDate = pacificDate(ctx.created - intBetween(rng, 0, 700) * DAY_MS);
    p.GivenName = given;
    p.FamilyName = rest.join(' ');
    p.DisplayName = name;
    p.PrintOnCheckName = name;
    p.Active = ctx.active;
    p.EmployeeNumber = `E${String(ctx.id).padStart(4, '0')}`;
    p.PrimaryPhone = { FreeFormNumber: phone(rng) };
    if (chance(rng, 0.8)) p.PrimaryEmailAddr = { Address: emailFor(name, rng) };
  },
  change(payload, rng) {
    payload.PrimaryPhone = { FreeFormNumber: phone(rng) };
  },
});

export const accountKind: EntityKind = namedListKind(0.05, {
  qboName: 'Account',
  firstDayMin: ACCOUNT_FIRST_DAY_MIN,
  fields: payloadFields({
    Name: 'string',
    AccountType: 'string',
    Classification: 'string',
    CurrentBalance: 'number',
  }),
  build(ctx, p, name) {
    const { rng } = ctx;
    const entry = chartEntry(ctx.id);
    const balance = ['Income', 'Expense', 'Cost of Goods Sold'].includes(entry.type)
      ? 0
      : intBetween(rng, 0, 5_000_000);
    p.Name = name;
    p.SubAccount = false;
    p.FullyQualifiedName = name;
    p.Active = ctx.active;
    p.Classification = entry.classification;
    p.AccountType = entry.type;
    p.AccountSubType = entry.subType;
    if (entry.type === 'Bank' && chance(rng, 0.5)) p.AcctNum = String(intBetween(rng, 1000, 9999));
    p.CurrentBalance = money(balance);
    p.CurrentBalanceWithSubAccounts = money(balance);
    p.CurrencyRef = USD;
  },
  change(payload, rng) {
    const balance = typeof payload.CurrentBalance === 'number' ? payload.CurrentBalance : 0;
    payload.CurrentBalance = money(Math.round(balance * 100) + intBetween(rng, 1, 50_000));
    payload.CurrentBalanceWithSubAccounts = payload.CurrentBalance;
  },
});

export const termKind: EntityKind = namedListKind(0.1, {
  qboName: 'Term',
  fields: payloadFields({ Name: 'string', DueDays: 'number' }),
  build(ctx, p, name) {
    const due = /Net (\d+)/.exec(name);
    const discount = /^(\d)% (\d+)/.exec(name);
    p.Name = name;
    p.Active = ctx.active;
    p.Type = 'STANDARD';
    if (discount) {
      p.DiscountPercent = Number(discount[1]);
      p.DiscountDays = Number(discount[2]);
    }
    p.DueDays = due ? Number(due[1]) : 0;
  },
  change(payload, rng) {
    payload.DueDays = intBetween(rng, 0, 90);
  },
});

export const paymentMethodKind: EntityKind = namedListKind(0.1, {
  qboName: 'PaymentMethod',
  fields: payloadFields({ Name: 'string', Type: 'string' }),
  build(ctx, p, name) {
    const card = LIST_NAMES.PaymentMethod.slice(2, 7).some((c) => name.startsWith(c));
    p.Name = name;
    p.Active = ctx.active;
    p.Type = card ? 'CREDIT_CARD' : 'NON_CREDIT_CARD';
  },
  change(payload, rng) {
    payload.Active = chance(rng, 0.9);
  },
});

/**
 * TaxRate: a name list peers sync whole (see the registry). `AgencyRef` points at a TaxAgency;
 * `RateValue` is a percentage.
 */
export const taxRateKind: EntityKind = namedListKind(0.1, {
  qboName: 'TaxRate',
  cdc: false,
  fields: payloadFields({ Name: 'string', RateValue: 'number' }),
  build(ctx, p, name) {
    const { rng } = ctx;
    const rate = intBetween(rng, 100, 1025) / 100;
    p.Name = name;
    p.Description = `${name} sales tax`;
    p.Active = ctx.active;
    p.RateValue = rate;
    const agency = ctx.ref('TaxAgency');
    if (agency) p.AgencyRef = { value: agency.value };
    p.SpecialTaxType = 'NONE';
    p.DisplayType = 'ReadOnly';
    p.EffectiveTaxRate = [{ RateValue: rate, EffectiveDate: '2023-01-01T00:00:00-08:00' }];
  },
  change(payload, rng) {
    payload.Description = `${String(payload.Name)} sales tax (revised ${intBetween(rng, 1000, 9999)})`;
  },
});

/** TaxCode: a name list peers sync whole; each groups one or more tax rates. */
export const taxCodeKind: EntityKind = namedListKind(0.1, {
  qboName: 'TaxCode',
  cdc: false,
  fields: payloadFields({ Name: 'string' }),
  build(ctx, p, name) {
    const { rng } = ctx;
    const rates: Record<string, unknown>[] = [];
    const count = intBetween(rng, 1, 2);
    for (let i = 0; i < count; i++) {
      const rate = ctx.ref('TaxRate');
      if (rate) rates.push({ TaxRateRef: rate, TaxTypeApplicable: 'TaxOnAmount', TaxOrder: i });
    }
    p.Name = name;
    p.Description = name;
    p.Active = ctx.active;
    p.Hidden = false;
    p.Taxable = true;
    p.TaxGroup = rates.length > 1;
    p.SalesTaxRateList = { TaxRateDetail: rates };
    p.PurchaseTaxRateList = { TaxRateDetail: [] };
  },
  change(payload, rng) {
    payload.Description = `${String(payload.Name)} (${intBetween(rng, 1000, 9999)})`;
  },
});

/** Budget: a name list of monthly amounts per account for one fiscal year. */
export const budgetKind: EntityKind = nameListKind(0.15, {
  qboName: 'Budget',
  fields: payloadFields({ Name: 'string', StartDate: 'date', EndDate: 'date' }),
  build(ctx, p) {
    const { rng } = ctx;
    const year = Number(pacificDate(ctx.created).slice(0, 4)) + (chance(rng, 0.5) ? 1 : 0);
    const accounts = [ctx.accountRef('Income'), ctx.accountRef('Expense'), ctx.accountRef('Expense')];
    const detail: Record<string, unknown>[] = [];
    for (let month = 1; month <= 12; month++) {
      for (const account of accounts) {
        detail.push({
          BudgetDate: `${year}-${String(month).padStart(2, '0')}-01`,
          Amount: money(intBetween(rng, 10_000, 2_000_000)),
          AccountRef: account,
        });
      }
    }
    p.Name = `Budget FY${year} #${ctx.id}`;
    p.StartDate = `${year}-01-01`;
    p.EndDate = `${year}-12-31`;
    p.BudgetType = 'ProfitAndLoss';
    p.BudgetEntryType = 'Monthly';
    p.Active = ctx.active;
    p.BudgetDetail = detail;
  },
  change(payload, rng) {
    payload.Active = chance(rng, 0.8);
  },
});

/**
 * TaxAgency: no `Active` flag and never deleted through the API; change data capture does not
 * cover it (Intuit's CDC page).
 */
export const taxAgencyKind: EntityKind = {
  qboName: 'TaxAgency',
  nameList: false,
  deletedRate: 0,
  inactiveRate: 0,
  cdc: false,
  fields: payloadFields({ DisplayName: 'string' }),
  build(ctx, p) {
    const { rng } = ctx;
    p.DisplayName = refName(ctx.seed, ctx.realmId, 'TaxAgency', ctx.id);
    p.TaxTrackedOnSales = true;
    p.TaxTrackedOnPurchases = chance(rng, 0.2);
    if (chance(rng, 0.5))
      p.TaxRegistrationNumber = `${pick(rng, FIRST_NAMES).slice(0, 2).toUpperCase()}-${intBetween(rng, 100000, 999999)}`;
    p.LastFileDate = pacificDate(ctx.created - intBetween(rng, 1, 90) * DAY_MS);
    p.TaxAgencyConfig = chance(rng, 0.8) ? 'SYSTEM_GENERATED' : 'USER_DEFINED';
    if (chance(rng, 0.3)) p.Notes = `Contact: ${pick(rng, LAST_NAMES)}`;
  },
  change: noteEdit('Notes'),
};
