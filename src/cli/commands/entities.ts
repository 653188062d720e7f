import { ENTITIES } from '../../model/entities.js';
import type { Command } from '../command.js';
import { listingCommand } from '../listing-command.js';

/** One entity as `entities --json` prints it (the contract's keys, in its order). */
export interface EntityListing {
  name: string;
  qboName: string;
  table: string;
  kind: 'transaction' | 'list' | 'snapshot';
}

export function entityListing(): EntityListing[] {
  return ENTITIES.map((e) => ({ name: e.name, qboName: e.qboName, table: e.table, kind: e.kind }));
}

/**
 * How the default plan (`enqueue --windows adaptive`) reads the entity: a window over the whole
 * range, split into days where the data is dense (`--windows day`: one per UTC day from the start);
 * or the whole entity once per run, whatever its dates.
 */
function readText(read: 'window' | 'whole'): string {
  return read === 'window' ? 'by LastUpdatedTime, split by day where dense' : 'whole, once per run';
}

export const entitiesCommand: Command = listingCommand({
  name: 'entities',
  summary: 'every entity the product extracts, with its QBO name, raw table and kind',
  json: entityListing,
  head: ['name', 'QBO name', 'table', 'kind', 'read'],
  rows: () => ENTITIES.map((e) => [e.name, e.qboName, `raw.${e.table}`, e.kind, readText(e.read)]),
  footer: () =>
    `${ENTITIES.length} entities; --entities all takes every one of them; read: as enqueue's default plan reads it (--windows day: one window per UTC day)`,
});
