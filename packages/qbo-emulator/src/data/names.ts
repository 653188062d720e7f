/**
 * Word lists and id-keyed name functions. Names of customers and items depend only on
 * (seed, realm, id), so an invoice can reference customer 42 by name without generating it.
 */
import { hashSeed, mulberry32, pick, type Rng } from '../prng.js';

export const FIRST_NAMES = [
  'Amy',
  'Bill',
  'Carla',
  'Dylan',
  'Elena',
  'Frank',
  'Grace',
  'Hector',
  'Iris',
  'Jamal',
  'Kira',
  'Luis',
  'Mona',
  'Nate',
  'Olga',
  'Pedro',
  'Quinn',
  'Rosa',
  'Sam',
  'Tara',
  'Uma',
  'Victor',
  'Wendy',
  'Xavier',
  'Yara',
  'Zoe',
] as const;

export const LAST_NAMES = [
  'Lauterbach',
  'Nguyen',
  'Okafor',
  'Papadopoulos',
  'Quispe',
  'Ramirez',
  'Schmidt',
  'Tanaka',
  'Underwood',
  'Vasquez',
  'Walsh',
  'Xu',
  'Yilmaz',
  'Zapata',
  'Anders',
  'Brooks',
  'Cohen',
  'Dubois',
  'Eriksen',
  'Fischer',
  "O'Brien",
  'García',
  'Hughes',
  'Ivanova',
] as const;

const COMPANY_FIRST = [
  "Amy's",
  'Bayshore',
  'Cool',
  'Diego',
  'Evergreen',
  'Freeman',
  'Golden',
  'Harbor',
  'Iron',
  'Jade',
  'Kookies',
  'Lakeside',
  'Mountain',
  'Northwind',
  'Ocean',
  'Pine',
  'Quarry',
  'Red Rock',
  'Sonnenschein',
  'Travis',
  'Union',
  'Valley',
  'Willow',
  'Yellow',
  'Zenith',
  'Blue',
  'Cedar',
  'Dukes',
  'Elm',
  'Fox',
] as const;
const COMPANY_SECOND = [
  'Bird Sanctuary',
  'Cars',
  'Bakery',
  'Landscaping',
  'Plumbing',
  'Pet Supplies',
  'Coffee',
  'Auto Repair',
  'Dental',
  'Florist',
  'Hardware',
  'Books',
  'Builders',
  'Cleaners',
  'Design',
  'Electric',
  'Farms',
  'Fitness',
  'Gardens',
  'Roofing',
  'Studio',
  'Tailors',
  'Vineyard',
  'Wellness',
] as const;
const COMPANY_SUFFIX = ['', '', ' Inc.', ' LLC', ' & Co.', ' Ltd.', ' Group', ' Partners'] as const;

const COMBOS = COMPANY_FIRST.length * COMPANY_SECOND.length * COMPANY_SUFFIX.length;

/**
 * A unique company-like DisplayName for a customer id (QBO requires unique DisplayNames). Ids map
 * onto the combinations through a multiplicative permutation; beyond them a number is appended.
 */
export function customerDisplayName(seed: number, realmId: string, id: number): string {
  const offset = hashSeed(seed, realmId, 'customer-names') % COMBOS;
  const index = ((id - 1) * 7919 + offset) % COMBOS; // 7919 is prime and coprime with COMBOS
  const round = Math.floor((id - 1) / COMBOS);
  const a = COMPANY_FIRST[index % COMPANY_FIRST.length];
  const b = COMPANY_SECOND[Math.floor(index / COMPANY_FIRST.length) % COMPANY_SECOND.length];
  const c = COMPANY_SUFFIX[Math.floor(index / (COMPANY_FIRST.length * COMPANY_SECOND.length))];
  return `${a} ${b}${c}${round > 0 ? ` ${round + 1}` : ''}`;
}

const ITEM_ADJ = [
  'Rock',
  'Garden',
  'Deluxe',
  'Basic',
  'Premium',
  'Large',
  'Small',
  'Copper',
  'Steel',
  'Oak',
  'Solar',
  'Organic',
  'Classic',
  'Compact',
  'Heavy-duty',
  'Custom',
] as const;
const ITEM_NOUN = [
  'Fountain',
  'Sprinkler Heads',
  'Pump',
  'Hose',
  'Lighting',
  'Installation',
  'Design',
  'Maintenance',
  'Trimming',
  'Concrete',
  'Soil',
  'Pavers',
  'Gravel',
  'Consulting',
  'Hours',
  'Planter',
] as const;
const ITEM_COMBOS = ITEM_ADJ.length * ITEM_NOUN.length;

/** Unique item Name for an item id. */
export function itemName(seed: number, realmId: string, id: number): string {
  const offset = hashSeed(seed, realmId, 'item-names') % ITEM_COMBOS;
  const index = ((id - 1) * 37 + offset) % ITEM_COMBOS; // 37 is coprime with 256
  const round = Math.floor((id - 1) / ITEM_COMBOS);
  const name = `${ITEM_ADJ[index % ITEM_ADJ.length]} ${ITEM_NOUN[Math.floor(index / ITEM_ADJ.length)]}`;
  return round > 0 ? `${name} ${round + 1}` : name;
}

/** The list price of an item id, in cents (stable, so invoices can quote it). */
export function itemPriceCents(seed: number, realmId: string, id: number): number {
  const rng = mulberry32(hashSeed(seed, realmId, 'item-price', id));
  return Math.round(5 + rng() * rng() * 995) * 100 + (rng() < 0.5 ? 0 : Math.floor(rng() * 100));
}

export const STREETS = [
  'Finch St.',
  'Main St.',
  'Oak Ave.',
  'Ocean Blvd.',
  'Pine Rd.',
  'Sunset Dr.',
  'Elm Ct.',
  'Harbor Way',
] as const;
export const CITIES: readonly (readonly [string, string, string])[] = [
  ['Bayshore', 'CA', '94326'],
  ['Middlefield', 'CA', '94303'],
  ['Palo Alto', 'CA', '94301'],
  ['Sunnyvale', 'CA', '94086'],
  ['Portland', 'OR', '97201'],
  ['Seattle', 'WA', '98101'],
  ['Reno', 'NV', '89501'],
];

export const MEMOS = [
  'Thank you for your business and have a great day!',
  'Payment due within 30 days.',
  'Please include the invoice number with your payment.',
] as const;

/** Money from cents, as the JSON number QBO prints (`275`, `362.07`). */
export function money(cents: number): number {
  return Math.round(cents) / 100;
}

export function phone(rng: Rng): string {
  return `(${pick(rng, ['650', '415', '408', '503', '206'])}) 555-${String(Math.floor(rng() * 10000)).padStart(4, '0')}`;
}

export function emailFor(name: string, rng: Rng): string {
  const local =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '.')
      .replace(/^\.|\.$/g, '') || 'info';
  return `${local}@${pick(rng, ['example.com', 'intuit.test', 'mail.test'])}`;
}
