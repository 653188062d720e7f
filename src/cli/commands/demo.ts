import { parseFlags, type Command } from '../command.js';
import { untilSignal } from '../signals.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the whole flow against the built-in emulator; --keep leaves the dashboard up',
  usage: 'qbo-backfill demo [--keep]',
  async run(argv, io) {
    // Loaded on use: the demo brings the emulator, the dashboard and a worker.
    const { runDemo } = await import('../demo/run-demo.js');
    const { values } = parseFlags(argv, { keep: { type: 'boolean' } }, this.usage);
    // The demo prints its own summary; only warnings and errors go to the log unless asked.
    const config = io.config({ defaultLogLevel: 'warn' });
    const logger = io.logger(config, 'qbo-backfill-demo');
    return runDemo({
      config,
      keep: values.keep ?? false,
      logger,
      out: io.out,
      progress: io.stdout,
      untilStopped: () => untilSignal(() => Promise.resolve(), logger),
    });
  },
};
