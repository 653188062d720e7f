import { EXIT, intFlag, parseFlags, type Command } from '../command.js';
import { untilSignal } from '../signals.js';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'run one worker process until SIGTERM/SIGINT, then drain and exit 0',
  usage: 'qbo-backfill worker [--concurrency N]',
  async run(argv, io) {
    const { startWorker } = await import('../../worker/worker-process.js');
    const { values } = parseFlags(argv, { concurrency: { type: 'string' } }, this.usage);
    const concurrency = intFlag(values.concurrency, 'concurrency', 1, 100);
    const config = io.config();
    const logger = io.logger(config, 'qbo-backfill-worker');
    const worker = startWorker({ config, logger, ...(concurrency ? { concurrency } : {}) });
    await untilSignal(() => worker.close(), logger);
    return EXIT.ok;
  },
};
