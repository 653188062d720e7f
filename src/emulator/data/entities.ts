/** Every entity the emulator serves. Adding one: write its {@link EntityKind} and list it here. */
import { customerKind } from './customer.js';
import type { EntityKind } from './entity-kind.js';
import { invoiceKind } from './invoice.js';
import { itemKind } from './item.js';

export const ENTITY_KINDS: readonly EntityKind[] = [invoiceKind, customerKind, itemKind];

const byLowerName = new Map(ENTITY_KINDS.map((k) => [k.qboName.toLowerCase(), k]));

/** Finds an entity by its QBO name, case-insensitively (QBO accepts `from invoice`). */
export function findEntityKind(name: string): EntityKind | undefined {
  return byLowerName.get(name.toLowerCase());
}
