/**
 * The entity registry: every QBO entity the product extracts is one entry here (plus one migration
 * creating its `raw.qb_<name>` table). Everything else (the worker loop, the queries, the upsert,
 * the reports) is generic and reads its behaviour from these entries.
 */
export interface EntityDefinition {
  /** Name used on the command line, in job data and in reports (`invoices`). */
  readonly name: string;
  /** QBO entity name used in queries and response keys (`Invoice`). */
  readonly qboName: string;
  /** Destination table in schema `raw`. */
  readonly table: `qb_${string}`;
  /**
   * Name-list entities (Customer, Item, ...) are soft-deleted with `Active=false`, and QBO hides
   * inactive ones unless the query names `Active`; transactions are hard-deleted and have no flag.
   */
  readonly nameList: boolean;
}

export const ENTITIES = [
  { name: 'invoices', qboName: 'Invoice', table: 'qb_invoices', nameList: false },
  { name: 'customers', qboName: 'Customer', table: 'qb_customers', nameList: true },
  { name: 'items', qboName: 'Item', table: 'qb_items', nameList: true },
] as const satisfies readonly EntityDefinition[];

export type EntityName = (typeof ENTITIES)[number]['name'];
export type RawTableName = (typeof ENTITIES)[number]['table'];

const byName = new Map<string, EntityDefinition>(ENTITIES.map((e) => [e.name, e]));

export function entityNames(): string[] {
  return ENTITIES.map((e) => e.name);
}

export function findEntity(name: string): EntityDefinition | undefined {
  return byName.get(name);
}

export function getEntity(name: string): EntityDefinition {
  const entity = byName.get(name);
  if (!entity) throw new Error(`unknown entity ${JSON.stringify(name)}; known: ${entityNames().join(', ')}`);
  return entity;
}
