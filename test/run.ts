/**
 * `npm test`: compiles the sources and tests once (test/helpers/compiled.ts) and runs the compiled
 * test files with Node's test runner, four files at a time. Arguments narrow the run: test files
 * or folders (`npm test -- test/unit test/engine/resume.test.ts`); options (`--test-name-pattern=…`)
 * go to the runner. A file can also be run as it is: `node --import tsx --test <file>`.
 *
 * Four at a time: most of the slow files wait on latency, outages and pacing, not the CPU (139 s at
 * two, 100 s at four on a 2-core machine). Compiled: the TypeScript loader cost each test file's
 * process about 1 CPU s before its first test.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { compiled } from './helpers/compiled.js';
import { ROOT, typeScriptFiles } from './helpers/project-root.js';

function testFiles(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return typeScriptFiles(target)
    .filter((file) => file.endsWith('.test.ts'))
    .sort();
}

const args = process.argv.slice(2);
const options = args.filter((a) => a.startsWith('--'));
const targets = args.filter((a) => !a.startsWith('--')).map((a) => path.resolve(a));
const everyTree = [
  path.join(ROOT, 'test'),
  ...readdirSync(path.join(ROOT, 'packages')).map((p) => path.join(ROOT, 'packages', p, 'test')),
];
const files = (targets.length ? targets : everyTree.filter((t) => existsSync(t))).flatMap(testFiles);
if (files.length === 0) {
  console.error(`no test files in ${targets.join(', ')}`);
  process.exit(2);
}

const child = spawn(
  process.execPath,
  [
    '--test',
    '--test-concurrency=4',
    '--test-timeout=300000',
    ...options,
    ...files.map((file) => path.relative(process.cwd(), compiled(file))),
  ],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
