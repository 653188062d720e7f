/** Customer: a name list (soft-deleted with `Active=false`). DisplayName is unique per realm. */
import { chance, intBetween, pick, type Rng } from '../prng.js';
import type { EntityKind } from './entity-kind.js';
import { namedListKind, payloadFields } from './entity-kind.js';
import { CITIES, emailFor, FIRST_NAMES, LAST_NAMES, money, phone, STREETS } from './names.js';

export const customerKind: EntityKind = namedListKind(0.12, {
  qboName: 'Customer',
  fields: payloadFields({
    DisplayName: 'string',
    CompanyName: 'string',
    GivenName: 'string',
    FamilyName: 'string',
    PrimaryEmailAddr: ['string', 'Address'],
    Balance: 'number',
  }),
  build(ctx, p, displayName) {
    const { rng } = ctx;
    const given = pick(rng, FIRST_NAMES);
    const family = pick(rng, LAST_NAMES);
    const balance = chance(rng, 0.6) ? 0 : intBetween(rng, 1000, 500_000);
    const city = pick(rng, CITIES);
    const withAddr = chance(rng, 0.8);
    const withEmail = chance(rng, 0.7);
    const withPhone = chance(rng, 0.6);
    const withCompany = chance(rng, 0.85);
    p.Taxable = chance(rng, 0.5);
    if (withAddr) {
      p.BillAddr = {
        Id: String(ctx.id * 2),
        Line1: `${intBetween(rng, 10, 9999)} ${pick(rng, STREETS)}`,
        City: city[0],
        CountrySubDivisionCode: city[1],
        PostalCode: city[2],
      };
    }
    p.Job = false;
    p.BillWithParent = false;
    p.Balance = money(balance);
    p.BalanceWithJobs = money(balance);
    p.CurrencyRef = { value: 'USD', name: 'United States Dollar' };
    p.PreferredDeliveryMethod = pick(rng, ['Print', 'Email', 'None']);
    p.IsProject = false;
    p.GivenName = given;
    p.FamilyName = family;
    p.FullyQualifiedName = displayName;
    if (withCompany) p.CompanyName = displayName;
    p.DisplayName = displayName;
    p.PrintOnCheckName = displayName;
    p.Active = ctx.active;
    if (withPhone) p.PrimaryPhone = { FreeFormNumber: phone(rng) };
    if (withEmail) p.PrimaryEmailAddr = { Address: emailFor(`${given}.${family}`, rng) };
  },
  change(payload, rng: Rng) {
    payload.PrimaryPhone = { FreeFormNumber: phone(rng) };
    payload.Notes = `Contact updated (${intBetween(rng, 1000, 9999)})`;
  },
});
