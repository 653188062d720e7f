/** Customer: a name list (soft-deleted with `Active=false`). DisplayName is unique per realm. */
import { chance, intBetween, pick, type Rng } from '../prng.js';
import type { EntityKind } from './entity-kind.js';
import { payloadField } from './entity-kind.js';
import {
  CITIES,
  customerDisplayName,
  emailFor,
  FIRST_NAMES,
  LAST_NAMES,
  money,
  phone,
  STREETS,
} from './names.js';

export const customerKind: EntityKind = {
  qboName: 'Customer',
  nameList: true,
  deletedRate: 0,
  inactiveRate: 0.12,
  fields: [
    { name: 'DisplayName', type: 'string', get: payloadField('DisplayName') },
    { name: 'CompanyName', type: 'string', get: payloadField('CompanyName') },
    { name: 'GivenName', type: 'string', get: payloadField('GivenName') },
    { name: 'FamilyName', type: 'string', get: payloadField('FamilyName') },
    { name: 'PrimaryEmailAddr', type: 'string', get: payloadField('PrimaryEmailAddr', 'Address') },
    { name: 'Balance', type: 'number', get: payloadField('Balance') },
  ],
  build(ctx, p) {
    const { rng } = ctx;
    const displayName = customerDisplayName(ctx.seed, ctx.realmId, ctx.id);
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
};
