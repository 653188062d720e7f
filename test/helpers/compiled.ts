/**
 * The test files (run by test/run.ts) and the child processes they start (workers, the dashboard,
 * limiter children) run JavaScript compiled from the current sources, not through the TypeScript
 * loader: under Node 20 the loader resolves every module on a thread of its own, which cost each
 * of some ninety processes a run about 1 CPU s before it did anything, on two cores. The compiled
 * tree is what `dist/` holds (esbuild's transpiling, the one tsx itself uses, without type checks;
 * `npm run typecheck` checks types), kept per version of the sources: any change to a .ts file
 * compiles it anew, so nothing runs stale code.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { ROOT, typeScriptFiles } from './project-root.js';

/** Inside node_modules: ignored by git, and bare imports (bullmq...) resolve from there as from the sources. */
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'qbo-backfill-test-children');
/** The product's trees, and each workspace package's sources and tests (packages/<name>/{src,test}). */
const PACKAGES = readdirSync(path.join(ROOT, 'packages')).map((name) => path.join('packages', name));
const TREES = [
  'src',
  'migrations',
  'test',
  'bench',
  ...PACKAGES.flatMap((p) => [`${p}/src`, `${p}/test`]),
].filter((tree) => existsSync(path.join(ROOT, tree)));

/** Trees of earlier versions go once an hour has passed (a run still using one is long over). */
function prune(keep: string): void {
  for (const entry of readdirSync(CACHE)) {
    const full = path.join(CACHE, entry);
    if (full === keep) continue;
    try {
      if (Date.now() - statSync(full).mtimeMs > 3_600_000) rmSync(full, { recursive: true, force: true });
    } catch {
      // Another process pruned it first.
    }
  }
}

let built: string | undefined;

/** A hash of the names, sizes and times of `files`: it changes whenever one of them does. */
function versionOf(files: string[]): string {
  const hash = createHash('sha1');
  for (const file of files) {
    const s = statSync(file);
    hash.update(`${file}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The product imports the workspace packages by name (`@qbo-backfill/emulator`), which resolves to
 * their dist/ (built by `npm ci`'s prepare). A change to a package's sources since then would run
 * stale: its dist/ JavaScript is compiled anew here (types stay `npm run typecheck`'s job).
 */
function refreshPackages(): void {
  for (const pkg of PACKAGES) {
    const src = path.join(ROOT, pkg, 'src');
    const dist = path.join(ROOT, pkg, 'dist');
    const files = typeScriptFiles(src);
    const stamp = path.join(dist, '.sources-version');
    const version = versionOf(files);
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === version) continue;
    buildSync({
      entryPoints: files,
      outdir: dist,
      outbase: src,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
    writeFileSync(stamp, version);
  }
}

/** The compiled tree of the current sources, compiled first when they changed. */
function compiledTree(): string {
  if (built) return built;
  mkdirSync(CACHE, { recursive: true });
  refreshPackages();
  const files = TREES.flatMap((t) => typeScriptFiles(path.join(ROOT, t)));
  const tree = path.join(CACHE, versionOf(files));
  if (!existsSync(tree)) {
    // Test files compile at once in several processes: each builds aside, the first rename wins.
    const aside = `${tree}.${process.pid}.${Date.now()}`;
    buildSync({
      entryPoints: files,
      outdir: aside,
      outbase: ROOT,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
    // Outside the project's own package.json (node_modules bounds a package scope): say ESM again.
    writeFileSync(path.join(aside, 'package.json'), '{"type":"module"}\n');
    try {
      renameSync(aside, tree);
    } catch {
      rmSync(aside, { recursive: true, force: true });
    }
    prune(tree);
  }
  built = tree;
  return tree;
}

/**
 * The compiled counterpart of a .ts file of this project, to start a child process with. A test
 * running compiled names its fixtures by its own location, inside a compiled tree: that is the same
 * file of the project.
 */
export function compiled(tsFile: string): string {
  let relative = path.relative(ROOT, tsFile);
  const inTree = path.relative(CACHE, tsFile);
  if (!inTree.startsWith('..')) relative = inTree.split(path.sep).slice(1).join(path.sep);
  if (relative.startsWith('..') || !relative.endsWith('.ts'))
    throw new Error(`not a TypeScript file of this project: ${tsFile}`);
  return path.join(compiledTree(), relative.replace(/\.ts$/, '.js'));
}
