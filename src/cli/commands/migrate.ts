import type { Command } from '../command.js';
import { EXIT, parseFlags } from '../command.js';
import { migrateToLatest } from '../../infra/migrate.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply the database migrations (safe from several processes at once)',
  usage: 'qbo-backfill migrate',
  async run(argv, io) {
    parseFlags(argv, {}, this.usage);
    const config = io.config();
    const { applied } = await migrateToLatest(config.databaseDirectUrl);
    // The command's own line says what was applied: no log line repeats it in between.
    io.out(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
        : 'schema is up to date',
    );
    return EXIT.ok;
  },
};
