import { ConfigError } from '../config/config.js';
import { STORE_NAMES, unreachableStore } from '../infra/store-outage.js';
import { CommandFailedError, quoteInput, UsageError } from '../model/usage-error.js';
import { commandIo, EXIT, type CliIo, type Command } from './command.js';
import { commands } from './commands/index.js';
import { FLAG_HELP } from './flag-help.js';
import { escapeControls } from '../infra/terminal-text.js';

export type { CliIo } from './command.js';

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'qbo-backfill: backfill QuickBooks Online data into PostgreSQL with a BullMQ worker cluster',
    '',
    'usage: qbo-backfill <command> [options]   (qbo-backfill <command> --help for its options)',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'configuration comes from the environment (see docs/configuration.md); exit codes: 0 ok, 1 failed, 2 bad input',
  ].join('\n');
}

/**
 * Runs one command line against the given streams and environment and resolves to the exit code.
 * Never throws, never touches the process's own streams or environment: the binary hands them in,
 * tests hand in buffers.
 */
export async function main(argv: string[], cliIo: CliIo): Promise<number> {
  const io = commandIo(cliIo);
  // An error's message may quote QBO's answer: one line, its controls escaped.
  const fail = (line: string) => void io.stderr.write(`${escapeControls(line)}\n`);
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    fail(`qbo-backfill: unknown command ${quoteInput(name)}; see qbo-backfill --help`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    const flags = FLAG_HELP[command.name];
    io.out(`usage: ${command.usage}\n\n${command.summary}${flags ? `\n\n${flags.join('\n')}` : ''}`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      fail(`qbo-backfill ${name}: ${err.message}`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    const store = unreachableStore(err);
    if (store) {
      // Say which store, and where to look, instead of a bare socket error.
      const setting = store === 'postgres' ? 'DATABASE_URL' : 'REDIS_URL';
      fail(
        `qbo-backfill ${name}: ${STORE_NAMES[store]} unreachable (${message}): check ${setting} and that the server is up, then run the command again`,
      );
      return EXIT.failed;
    }
    fail(`qbo-backfill ${name}: ${err instanceof CommandFailedError ? '' : 'error: '}${message}`);
    return EXIT.failed;
  }
}
