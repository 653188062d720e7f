import { ConfigError } from '../shared/config.js';
import { CommandFailedError, UsageError } from '../shared/usage-error.js';
import { EXIT, type Command, type CommandIo } from './command.js';
import { commands } from './commands/index.js';

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
    'configuration comes from the environment (see README.md); exit codes: 0 ok, 1 failed, 2 bad input',
  ].join('\n');
}

/** Runs one command line and resolves to the process exit code. Never throws. */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`qbo-backfill: unknown command ${JSON.stringify(name)}; see qbo-backfill --help\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${command.usage}\n\n${command.summary}`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`qbo-backfill ${name}: ${err.message}\n`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `qbo-backfill ${name}: ${err instanceof CommandFailedError ? '' : 'error: '}${message}\n`,
    );
    return EXIT.failed;
  }
}

const io: CommandIo = { out: (line) => process.stdout.write(`${line}\n`), stdin: process.stdin };
const code = await main(process.argv.slice(2), io);
// Long-running commands (worker, dashboard, emulator) resolve only once they have shut down.
process.exitCode = code;
