import type { Logger } from '../infra/logger.js';
import { EXIT } from './command.js';

/**
 * Runs `stop` on the first SIGTERM/SIGINT and resolves when it has finished; a second signal
 * exits at once with code 1 (the operator insisted; locks and leases expire on their own). The one
 * signal handler of the long-running commands (worker, dashboard, emulator, demo --keep).
 */
export function untilSignal(stop: () => Promise<void>, logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      received++;
      if (received > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(EXIT.failed);
      }
      logger.info({ signal }, 'signal received: shutting down');
      stop().then(() => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve();
      }, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
