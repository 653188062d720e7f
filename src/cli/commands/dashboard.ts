import type { Command } from '../command.js';
import { EXIT, intFlag, parseFlags } from '../command.js';
import { parseConfig } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { BOARD_PATH, DEFAULT_PORT, dashboardCredentials, startDashboard } from '../../dashboard/index.js';

/** Resolves on the first SIGTERM/SIGINT; a second one while shutting down forces exit 1. */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const force = () => process.exit(EXIT.failed);
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'serve Bull Board at /admin/queues, Prometheus metrics at /metrics and /healthz',
  usage: 'qbo-backfill dashboard [--port 3000] [--host 0.0.0.0] [--insecure-no-auth]',
  async run(argv, io) {
    const { values } = parseFlags(
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        'insecure-no-auth': { type: 'boolean' },
      },
      this.usage,
    );
    const port = intFlag(values.port, 'port', 0, 65_535) ?? DEFAULT_PORT;
    const insecureNoAuth = values['insecure-no-auth'] ?? false;
    const config = parseConfig();
    // Refuse before opening any connection: a missing login is a configuration error (exit 2).
    dashboardCredentials(config, insecureNoAuth);
    const log = createLogger({ level: config.logLevel, name: 'dashboard' });

    const stopped = firstSignal();
    const dashboard = await startDashboard({ config, port, host: values.host, insecureNoAuth, logger: log });
    io.out(`dashboard listening on ${dashboard.url} (Bull Board at ${dashboard.url}${BOARD_PATH})`);
    const signal = await stopped;
    log.info({ signal }, 'shutting down');
    await dashboard.close();
    return EXIT.ok;
  },
};
