/**
 * The dependency rule of src/ (docs/architecture.md): each top-level folder is a layer and may
 * import only from the layers below it, so no import circle can form between folders. The QBO
 * emulator is a package of its own that only the `emulator` command and the demo reach; the
 * packages never reach into the product.
 *
 * `npm run lint` runs this (`depcruise src packages`); `npx depcruise src --output-type dot` draws it.
 */

/** Lowest first: a layer may import from the layers before it in this list, never after. */
const LAYERS = [
  'config',
  'model',
  'infra',
  'qbo',
  'raw',
  'staging',
  'backfill',
  'sync',
  'worker',
  'dashboard',
  'cli',
];

/** What each layer may import besides itself: every layer below it, except where noted. */
const ALLOWED = Object.fromEntries(LAYERS.map((layer, i) => [layer, LAYERS.slice(0, i)]));
// config and model are two roots: settings and the data model know nothing of each other.
ALLOWED.model = [];
// The dashboard shows runs, syncs and tokens; it starts no worker.
ALLOWED.dashboard = ALLOWED.dashboard.filter((layer) => layer !== 'worker');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...LAYERS.map((layer) => ({
      name: `layer-${layer}`,
      comment: `src/${layer}/ may import only from ${ALLOWED[layer].map((l) => `src/${l}/`).join(', ') || 'itself'} (docs/architecture.md)`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: '^src/', pathNot: `^src/(${[layer, ...ALLOWED[layer]].join('|')})/` },
    })),
    {
      name: 'top-level-files',
      comment: 'src/ holds folders only: a file at its top belongs to no layer',
      severity: 'error',
      from: { path: '^src/[^/]+$' },
      to: {},
    },
    {
      name: 'emulator-from-cli-only',
      comment: 'the product reaches the emulator only through the `emulator` command and the demo',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/(commands/emulator\\.ts|demo/)' },
      to: { path: '^packages/qbo-emulator/' },
    },
    {
      name: 'packages-stand-alone',
      comment: 'a workspace package never imports the product',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^src/' },
    },
    {
      name: 'no-circular',
      comment: 'no import circle between files either: shared types live in a leaf both sides import',
      severity: 'error',
      from: { path: '^(src|packages)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'] },
  },
};
