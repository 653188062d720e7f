import type { Command } from '../command.js';
import { EXIT, intFlag, parseFlags } from '../command.js';
import { UsageError } from '../../model/usage-error.js';
import { untilSignal } from '../signals.js';

export const dashboardCommand: Command = {
  name: 'dashboard',
  summary:
    'serve the web pages (runs, sync, connected companies, Bull Board), Prometheus metrics and Intuit webhooks',
  usage: 'qbo-backfill dashboard [--port 3000] [--host 0.0.0.0] [--webhook-port N] [--insecure-no-auth]',
  async run(argv, io) {
    // Loaded on use: Express and Bull Board stay out of the workers' and producers' processes.
    const { BOARD_PATH, DASHBOARD_DEFAULTS, dashboardCredentials, startDashboard } =
      await import('../../dashboard/index.js');
    const { values } = parseFlags(
      argv,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        'webhook-port': { type: 'string' },
        'insecure-no-auth': { type: 'boolean' },
      },
      this.usage,
    );
    const port = intFlag(values.port, 'port', 0, 65_535) ?? DASHBOARD_DEFAULTS.port;
    const webhookPort = intFlag(values['webhook-port'], 'webhook-port', 0, 65_535);
    if (webhookPort !== undefined && webhookPort !== 0 && webhookPort === port)
      throw new UsageError(`--webhook-port: expected a port other than the admin port (--port ${port})`);
    const insecureNoAuth = values['insecure-no-auth'] ?? false;
    const config = io.config();
    // Refuse before opening any connection: a missing login is a configuration error (exit 2).
    dashboardCredentials(config, insecureNoAuth);
    const log = io.logger(config, 'dashboard');

    const starting = startDashboard({
      config,
      port,
      host: values.host,
      insecureNoAuth,
      logger: log,
      ...(webhookPort !== undefined ? { webhookPort } : {}),
    });
    // Listening for signals before the server is up: a SIGTERM during start still shuts down cleanly.
    const stopped = untilSignal(() => starting.then((d) => d.close()), log);
    const dashboard = await starting;
    io.out(
      `dashboard listening on ${dashboard.url} (runs at ${dashboard.url}/runs, Bull Board at ${dashboard.url}${BOARD_PATH})`,
    );
    if (dashboard.webhookUrl)
      io.out(`webhooks on ${dashboard.webhookUrl}/webhooks/intuit (and nothing else there)`);
    await stopped;
    return EXIT.ok;
  },
};
