import type { Command } from '../command.js';
import { EXIT, intFlag, parseFlags } from '../command.js';
import { untilSignal } from '../signals.js';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary: 'serve Bull Board at /admin/queues, Prometheus metrics at /metrics and /healthz',
  usage: 'qbo-backfill dashboard [--port 3000] [--host 0.0.0.0] [--insecure-no-auth]',
  async run(argv, io) {
    // Loaded on use: Express and Bull Board stay out of the workers' and producers' processes.
    const { BOARD_PATH, DASHBOARD_DEFAULTS, dashboardCredentials, startDashboard } =
      await import('../../dashboard/index.js');
    const { values } = parseFlags(
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        'insecure-no-auth': { type: 'boolean' },
      },
      this.usage,
    );
    const port = intFlag(values.port, 'port', 0, 65_535) ?? DASHBOARD_DEFAULTS.port;
    const insecureNoAuth = values['insecure-no-auth'] ?? false;
    const config = io.config();
    // Refuse before opening any connection: a missing login is a configuration error (exit 2).
    dashboardCredentials(config, insecureNoAuth);
    const log = io.logger(config, 'dashboard');

    const starting = startDashboard({ config, port, host: values.host, insecureNoAuth, logger: log });
    // Listening for signals before the server is up: a SIGTERM during start still shuts down cleanly.
    const stopped = untilSignal(() => starting.then((d) => d.close()), log);
    const dashboard = await starting;
    io.out(`dashboard listening on ${dashboard.url} (Bull Board at ${dashboard.url}${BOARD_PATH})`);
    await stopped;
    return EXIT.ok;
  },
};
