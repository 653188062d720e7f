/**
 * What `qbo-backfill <command> --help` says about each flag, below the usage line: a newcomer
 * should not have to provoke an error to learn a flag's format.
 */

import { EMULATOR_DEVELOPMENT_VALUES } from '../config/qbo-environments.js';
import { periodText } from '../infra/time-format.js';
import { SYNC_DEFAULTS } from '../sync/sync-queue.js';
import { REPORT_DEFAULTS } from '../model/reports.js';
import { CONNECT_DEFAULTS } from './commands/auth-connect.js';

const DATE = 'a UTC date (2026-01-01) or an ISO instant with an offset (2026-01-01T00:00:00Z)';
const RUN = '  --run ID            the run, as enqueue printed it (status lists them)';
const JSON_LINE = '  --json              one JSON object instead of the text (for scripts)';

export const FLAG_HELP: Readonly<Record<string, readonly string[]>> = Object.freeze({
  migrate: ['no options; DATABASE_URL (or DATABASE_DIRECT_URL) says which database'],
  emulator: [
    '  --port N                   port (default 8089)        --host ADDRESS  interface (default 127.0.0.1)',
    '  --seed N                   the generated companies (same seed, same data)',
    '  --profile sandbox|large    tens of records a month (default), or ~1,000 invoices a day',
    `  --realm ID                 a realm id to serve (repeatable); default ${EMULATOR_DEVELOPMENT_VALUES.realmIds.join(' and ')}`,
    '                             (with QBO_ENVIRONMENT=emulator, QBO_REALM_ID defaults to the first)',
    '  --client-id, --client-secret, --refresh-token   the credentials it accepts (printed at start)',
    '  --requests-per-minute N, --window-ms N, --max-concurrent N   the per-realm limits (429 over them)',
    '  --latency-ms MS|MIN,MAX    added to every answer',
    '  --server-error-rate R, --drop-rate R, --truncate-rate R   fractions (0 to 1) of faulty answers',
    "  --xml429                   429s in QBO's XML fault body",
    '  --access-token-ttl S, --rotate-after S, --grace S   token lifetimes, in seconds',
    '  --drift-per-minute N, --activity-per-minute N   records changed while serving, per realm',
    '  --webhook-url URL --webhook-verifier-token T [--webhook-interval-ms MS]   send signed webhooks',
    '  --report-cell-limit N      cells (rows x columns) above which a report is cut, as QBO cuts it (default 400000)',
  ],
  worker: ['  --concurrency N     window jobs this process runs at once (default 4)'],
  enqueue: [
    '  --entities LIST     entity names, comma-separated, or all (qbo-backfill entities lists them)',
    '  --from DATE         first day: ' + DATE,
    '  --to DATE           last day, included whole (a date), or the exclusive end (an instant)',
    '  --start-at INSTANT  when the run may start, an ISO instant with an offset, e.g.',
    '                      2026-02-01T15:30:00Z or 2026-02-01T10:30:00-05:00 (default: now)',
    '  --realm ID[,ID...]  the companies, one run each (repeatable; default QBO_REALM_ID)',
    '  --page-size N       records per QBO page, 1 to 1000 (default 1000: fewest requests)',
    '  --windows adaptive|day   adaptive (default): one window per entity, split into days where the',
    '                      data is dense; day: one window per entity and UTC day',
    '  --reports LIST      reports too (qbo-backfill reports lists them; all: every one), one job per',
    '                      report and calendar month: a period report over it, an as-of one at its',
    '                      last day; --entities may then be left out',
    "  --accounting-method accrual|cash   the reports' basis, always sent to QBO (default accrual)",
    '  --dry-run           print the plan and its cost in requests, record nothing',
    '  --json              one JSON object per realm: {"runId":..,"jobs":N,"startAt":..}',
    '  --follow            stay and show the progress until the runs end (exit 1 unless all succeed)',
    '',
    'words: a window is one read of one entity over some UTC days, one job each; an entity-day is',
    'one entity on one UTC day, the unit of report and of the run page',
  ],
  status: [
    RUN.replace('the run, as enqueue printed it (status lists them)', 'one run, with its failed windows'),
    '  --limit N           how many of the newest runs to list (default 20)',
    '  --json              the runs as a JSON array (one object with --run)',
    '  --watch             a progress bar per live run (or --run) until it ends',
  ],
  report: [
    RUN,
    '  --format table|json|csv   the human table (default), or every entity-day as JSON or CSV',
    '  --by entity|month|day     the table per entity (default; per month for runs over 62 days),',
    '                            or one line per entity-day',
  ],
  resume: [RUN],
  retry: [
    RUN,
    '  --entity E          the entity (qbo-backfill entities lists them)',
    '  --day DATE          the UTC day, e.g. 2026-01-15; a wider window is read again whole',
  ],
  cancel: [RUN],
  sync: [
    '  --realm ID[,ID...]  the companies (default QBO_REALM_ID; all: every connected one)',
    '  --entities LIST     entity names or all (default all)',
    '  --once              one cycle now, through the workers, and wait for it',
    JSON_LINE.replace('one JSON object', 'one JSON object per realm'),
    '  --every DURATION    a cycle per realm every 90s, 15m, 1h... (installed in the queue)',
    "  --off               remove the realms' schedules",
    `  --reread-every DURATION   how often what CDC leaves out is read whole (default ${periodText(SYNC_DEFAULTS.rereadEveryMs)})`,
    '  --reports LIST      reports read again each cycle (all: every one); alone, without --entities,',
    '                      the cycle refreshes only them',
    `  --report-months N   trailing calendar months refreshed, this one included (default ${REPORT_DEFAULTS.syncTrailingMonths})`,
    "  --accounting-method accrual|cash   the reports' basis (default accrual)",
  ],
  auth: [
    `connect: --port N (default ${CONNECT_DEFAULTS.port}) the local redirect http://127.0.0.1:<port>/callback;`,
    `         --no-open: print the URL without opening a browser; --timeout DURATION (default ${periodText(CONNECT_DEFAULTS.timeoutMs)})`,
    'set:     --realm ID (default QBO_REALM_ID); the token from stdin, or --file PATH',
    'status:  --realm ID: one company only; --json: one JSON object',
    'disconnect: --realm ID: revoke its token at Intuit and forget it',
  ],
  dashboard: [
    'pages, behind the login (DASHBOARD_USER, DASHBOARD_PASSWORD):',
    '  /runs             backfill runs, and each run as a grid of entity by day',
    "  /sync             each realm's sync: schedule, lag per entity, recent cycles",
    "  /connect          connected companies, their token health, and Intuit's connect button",
    '  /admin/queues     Bull Board: the jobs of both queues (retry, promote, clean)',
    '  /metrics          Prometheus metrics, summed over every worker',
    'without the login: /healthz, and POST /webhooks/intuit (signed by Intuit)',
    '',
    '  --port N            the admin port (default 3000; 0 picks a free one)',
    '  --host ADDRESS      the interface both ports listen on (default 0.0.0.0, every one)',
    '  --webhook-port N    serve POST /webhooks/intuit (and /healthz) on this port alone and not on',
    '                      the admin port, so that only this one need face the internet',
    '  --insecure-no-auth  serve without a login when DASHBOARD_USER/PASSWORD are not set',
  ],
  demo: ['  --keep              leave the dashboard (port 3000) and the emulator up after the run'],
  entities: [JSON_LINE.replace('one JSON object', 'a JSON array')],
  reconcile: [
    '  --realm ID          the company (its raw tables must hold its transactions to DATE)',
    "  --as-of DATE        a calendar date of the company (2026-06-30): QBO's TrialBalance as of it",
    JSON_LINE,
  ],
  reports: [JSON_LINE.replace('one JSON object', 'a JSON array [{"name":..,"kind":"period"|"as-of"}]')],
});
