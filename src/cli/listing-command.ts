import Table from 'cli-table3';
import { quoteInput, UsageError } from '../model/usage-error.js';
import { EXIT, parseFlags, type Command } from './command.js';

/** What a command that lists a registry (`entities`, `reports`) prints, as a table or as JSON. */
export interface ListingSpec {
  name: string;
  summary: string;
  /** The `--json` answer: the contract's keys, in its order. */
  json: () => unknown;
  head: string[];
  rows: () => string[][];
  /** One line under the table: how many, and what `all` takes. */
  footer: () => string;
}

/** `qbo-backfill <name> [--json]`: the registry as a table, or as one JSON array. */
export function listingCommand(spec: ListingSpec): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: `qbo-backfill ${spec.name} [--json]`,
    run(argv, io) {
      const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } }, this.usage);
      if (positionals.length)
        throw new UsageError(
          `unexpected argument ${quoteInput(positionals[0] as string)}; usage: ${this.usage}`,
        );
      if (values.json) {
        io.out(JSON.stringify(spec.json()));
        return Promise.resolve(EXIT.ok);
      }
      const table = new Table({
        head: spec.head,
        style: { head: [], border: [] },
        // One line per entry: no separators between rows.
        chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
      });
      for (const row of spec.rows()) table.push(row);
      io.out(table.toString());
      io.out(spec.footer());
      return Promise.resolve(EXIT.ok);
    },
  };
}
