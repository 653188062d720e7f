import { readdirSync } from 'node:fs';

/** src/ of the tree this file runs in: the sources, or their compiled copy (test/helpers/compiled.ts). */
const SRC = new URL('../../src/', import.meta.url);

/**
 * Every module of the given src/ folders, imported, by its path below src/ (`qbo/qbo-errors.js`).
 * `except`: paths that must not be imported (the binary, which runs the command line).
 */
export async function importSrcModules(
  folders: readonly string[],
  except: readonly string[] = [],
): Promise<Map<string, Record<string, unknown>>> {
  const modules = new Map<string, Record<string, unknown>>();
  for (const folder of folders) {
    const files = readdirSync(new URL(`${folder}/`, SRC), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
      .map((f) => `${folder}/${f}`)
      .filter((f) => !except.some((e) => f.startsWith(e)));
    for (const file of files) {
      modules.set(file, (await import(new URL(file, SRC).href)) as Record<string, unknown>);
    }
  }
  return modules;
}
