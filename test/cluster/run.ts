/**
 * `npm run test:cluster`: the suites that start servers past the machine's one Redis and one
 * PostgreSQL pool (test/cluster/*.cluster.ts: a Redis Cluster of three `redis-server`s, PgBouncer
 * in transaction mode), compiled like `npm test`'s files and run one file at a time. They need
 * `redis-server`, `redis-cli` and `pgbouncer` (Debian: `apt-get install redis-server pgbouncer`);
 * without them the run is skipped with one line saying which is missing, and exits 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { compiled } from '../helpers/compiled.js';
import { ROOT, typeScriptFiles } from '../helpers/project-root.js';

const REQUIRED = ['redis-server', 'redis-cli', 'pgbouncer'];
const missing = REQUIRED.filter(
  (bin) => spawnSync('sh', ['-c', `command -v ${bin} || test -x /usr/sbin/${bin}`]).status !== 0,
);
if (missing.length > 0) {
  console.log(
    `test:cluster skipped: ${missing.join(', ')} not installed (apt-get install redis-server pgbouncer)`,
  );
  process.exit(0);
}

const files = typeScriptFiles(path.join(ROOT, 'test', 'cluster'))
  .filter((f) => f.endsWith('.cluster.ts'))
  .sort();
const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    '--test-timeout=600000',
    ...process.argv.slice(2),
    ...files.map((file) => path.relative(process.cwd(), compiled(file))),
  ],
  // Debian installs pgbouncer in /usr/sbin, which a user's PATH may leave out.
  { stdio: 'inherit', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin` } },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
