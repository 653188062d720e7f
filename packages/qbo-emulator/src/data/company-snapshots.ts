/**
 * The two one-per-company entities, CompanyInfo and Preferences: a single record (Id 1) that
 * `SELECT * FROM CompanyInfo` returns whole. They have no `Active` flag, cannot be deleted, and
 * extractors read them whole instead of filtering them by time (see the entity registry).
 */
import { chance, intBetween, pick } from '../prng.js';
import { pacificDate } from '../pacific-time.js';
import type { EntityKind } from './entity-kind.js';
import { payloadFields } from './entity-kind.js';
import { CITIES, customerDisplayName, STREETS } from './names.js';

export const companyInfoKind: EntityKind = {
  qboName: 'CompanyInfo',
  nameList: false,
  deletedRate: 0,
  inactiveRate: 0,
  singleton: true,
  fields: payloadFields({ CompanyName: 'string' }),
  build(ctx, p) {
    const { rng } = ctx;
    // Named after a customer-like name of its own stream, so realms differ.
    const name = customerDisplayName(ctx.seed, `${ctx.realmId}-company`, 1);
    const city = pick(rng, CITIES);
    const addr = {
      Id: '1',
      Line1: `${intBetween(rng, 10, 9999)} ${pick(rng, STREETS)}`,
      City: city[0],
      CountrySubDivisionCode: city[1],
      PostalCode: city[2],
    };
    p.CompanyName = name;
    p.LegalName = `${name} Holdings`;
    p.CompanyAddr = addr;
    p.CustomerCommunicationAddr = addr;
    p.LegalAddr = addr;
    p.PrimaryPhone = { FreeFormNumber: `(650) 555-${String(intBetween(rng, 0, 9999)).padStart(4, '0')}` };
    p.CompanyStartDate = '2023-11-01';
    p.FiscalYearStartMonth = 'January';
    p.Country = 'US';
    p.Email = { Address: `books@${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example.com` };
    p.WebAddr = {};
    p.SupportedLanguages = 'en';
    p.NameValue = [
      { Name: 'NeoEnabled', Value: 'true' },
      { Name: 'IndustryType', Value: pick(rng, ['Landscaping Services', 'Retail', 'Construction']) },
      { Name: 'CompanyType', Value: pick(rng, ['LLC', 'SCorporation', 'SoleProprietor']) },
      { Name: 'OfferingSku', Value: pick(rng, ['QuickBooks Online Plus', 'QuickBooks Online Advanced']) },
      { Name: 'SubscriptionStatus', Value: 'PAID' },
      { Name: 'PayrollFeature', Value: String(chance(rng, 0.5)) },
    ];
  },
  change(payload, rng) {
    payload.PrimaryPhone = {
      FreeFormNumber: `(415) 555-${String(intBetween(rng, 0, 9999)).padStart(4, '0')}`,
    };
  },
};

export const preferencesKind: EntityKind = {
  qboName: 'Preferences',
  nameList: false,
  deletedRate: 0,
  inactiveRate: 0,
  singleton: true,
  fields: [],
  build(ctx, p) {
    const { rng } = ctx;
    p.AccountingInfoPrefs = {
      TrackDepartments: chance(rng, 0.5),
      DepartmentTerminology: 'Location',
      ClassTrackingPerTxn: chance(rng, 0.5),
      ClassTrackingPerTxnLine: false,
      CustomerTerminology: 'Customers',
      BookCloseDate: pacificDate(ctx.created).slice(0, 8) + '01',
    };
    p.ProductAndServicesPrefs = {
      ForSales: true,
      ForPurchase: true,
      QuantityWithPriceAndRate: true,
      QuantityOnHand: true,
    };
    p.SalesFormsPrefs = {
      CustomTxnNumbers: chance(rng, 0.5),
      AllowDeposit: true,
      AllowDiscount: true,
      AllowEstimates: true,
      AllowShipping: chance(rng, 0.3),
      DefaultTerms: { value: '3' },
      ETransactionEnabledStatus: 'NotApplicable',
      IPNSupportEnabled: false,
    };
    p.VendorAndPurchasesPrefs = {
      TrackingByCustomer: true,
      BillableExpenseTracking: true,
      POCustomField: [],
    };
    p.TimeTrackingPrefs = {
      UseServices: true,
      BillCustomers: true,
      ShowBillRateToAll: false,
      WorkWeekStartDate: 'Monday',
      MarkTimeEntriesBillable: true,
    };
    p.TaxPrefs = { UsingSalesTax: true, PartnerTaxEnabled: true };
    p.CurrencyPrefs = { MultiCurrencyEnabled: false, HomeCurrency: { value: 'USD' } };
    p.ReportPrefs = { ReportBasis: pick(rng, ['Accrual', 'Cash']), CalcAgingReportFromTxnDate: false };
    p.OtherPrefs = {
      NameValue: [{ Name: 'SalesFormsPrefs.DefaultCustomerMessage', Value: 'Thank you for your business.' }],
    };
  },
  change(payload, rng) {
    payload.ReportPrefs = { ReportBasis: pick(rng, ['Accrual', 'Cash']), CalcAgingReportFromTxnDate: false };
  },
};
