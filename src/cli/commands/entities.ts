import Table from 'cli-table3';
import { ENTITIES } from '../../model/entities.js';
import { EXIT, parseFlags, type Command } from '../command.js';
import { quoteInput, UsageError } from '../../model/usage-error.js';

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

export const entitiesCommand: Command = {
  name: 'entities',
  summary: 'every entity the product extracts, with its QBO name, raw table and kind',
  usage: 'qbo-backfill entities [--json]',
  run(argv, io) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, this.usage);
    if (positionals.length)
      throw new UsageError(
        `unexpected argument ${quoteInput(positionals[0] as string)}; usage: ${this.usage}`,
      );
    if (values.json) {
      io.out(JSON.stringify(entityListing()));
      return Promise.resolve(EXIT.ok);
    }
    const table = new Table({
      head: ['name', 'QBO name', 'table', 'kind', 'read'],
      style: { head: [], border: [] },
      // One line per entity: no separators between rows.
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    for (const e of ENTITIES) table.push([e.name, e.qboName, `raw.${e.table}`, e.kind, readText(e.read)]);
    io.out(table.toString());
    io.out(
      `${ENTITIES.length} entities; --entities all takes every one of them; read: as enqueue's default plan reads it (--windows day: one window per UTC day)`,
    );
    return Promise.resolve(EXIT.ok);
  },
};
