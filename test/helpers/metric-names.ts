import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, typeScriptFiles } from './project-root.js';

/** Every metric name the product's sources register (string literals `'qbo_backfill_...'`). */
export function sourceMetricNames(): Set<string> {
  const names = new Set<string>();
  for (const file of typeScriptFiles(join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/['"`](qbo_backfill_[a-z0-9_]+)['"`]/g)) {
      names.add(match[1] as string);
    }
  }
  return names;
}
