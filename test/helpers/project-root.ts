/**
 * The project's root, found by its package.json rather than by counting `..` from this file: the
 * test files run compiled from a tree under node_modules/.cache (test/helpers/compiled.ts), and
 * the paths they reach for (the sources, docker/, the migrations, the test-results folder) are
 * the project's, wherever the compiled copy sits. And the listing of its TypeScript files, which
 * the compiler, the test runner and a test of the metric names each walk.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'qbo-backfill'
    )
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no qbo-backfill package.json above ${from}`);
  }
}

export const ROOT = projectRoot(path.dirname(fileURLToPath(import.meta.url)));

/** Every .ts file below `dir`, in no particular order. */
export function typeScriptFiles(dir: string, into: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) typeScriptFiles(full, into);
    else if (entry.name.endsWith('.ts')) into.push(full);
  }
  return into;
}
