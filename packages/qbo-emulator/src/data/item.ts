/** Item: a name list (soft-deleted with `Active=false`) of products and services. */
import { chance, intBetween, type Rng } from '../prng.js';
import { pacificDate } from '../pacific-time.js';
import type { EntityKind } from './entity-kind.js';
import { namedListKind, payloadFields } from './entity-kind.js';
import { chartAccountRef } from './list-names.js';
import { itemPriceCents, money } from './names.js';

export const itemKind: EntityKind = namedListKind(0.12, {
  qboName: 'Item',
  fields: payloadFields({ Name: 'string', Type: 'string', Sku: 'string', UnitPrice: 'number' }),
  build(ctx, p, name) {
    const { rng } = ctx;
    const roll = rng();
    const type = roll < 0.5 ? 'Service' : roll < 0.75 ? 'NonInventory' : 'Inventory';
    const price = itemPriceCents(ctx.seed, ctx.realmId, ctx.id);
    const inventory = type === 'Inventory';
    p.Name = name;
    if (chance(rng, 0.6)) p.Description = `${name} for residential and commercial jobs`;
    p.Active = ctx.active;
    p.FullyQualifiedName = name;
    p.Taxable = chance(rng, 0.5);
    p.UnitPrice = money(price);
    p.Type = type;
    // Real accounts of the chart, of the right type: the general ledger posts sales to them.
    p.IncomeAccountRef = chartAccountRef(type === 'Service' ? 'Services' : 'Sales of Product Income');
    p.PurchaseCost = inventory ? money(Math.round(price * 0.6)) : 0;
    if (inventory) {
      p.AssetAccountRef = chartAccountRef('Inventory Asset');
      p.ExpenseAccountRef = chartAccountRef('Cost of Goods Sold');
      p.TrackQtyOnHand = true;
      p.QtyOnHand = intBetween(rng, 0, 500);
      p.InvStartDate = pacificDate(ctx.created);
    } else {
      p.TrackQtyOnHand = false;
    }
    if (chance(rng, 0.4)) p.Sku = `SKU-${String(ctx.id).padStart(5, '0')}`;
  },
  change(payload, rng: Rng) {
    const price = typeof payload.UnitPrice === 'number' ? payload.UnitPrice : 0;
    payload.UnitPrice = money(Math.round(price * 100 * (1 + (rng() - 0.3) / 5)) + 1);
    payload.Description = `${String(payload.Name)} (revised ${intBetween(rng, 1000, 9999)})`;
  },
});
