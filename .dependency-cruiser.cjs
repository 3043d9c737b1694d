/**
 * The layer order of docs/architecture.md, enforced in `npm test` (`npm run check:layers`).
 * Imports point down only: lib/cli → functions/, lib/local → lib/ingest → lib/formats,
 * lib/catalog, lib/storage (never sideways) → lib/iceberg. Type-only imports count too.
 * A wrong import fails with the rule's name and the comment below it.
 */
const above = (...layers) => `^(${layers.map((l) => (l === 'functions' || l === 'infra' ? l : `lib/${l}`)).join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'iceberg-is-the-core',
      comment: 'lib/iceberg (the table format, the FileIO interface) imports nothing above it.',
      severity: 'error',
      from: { path: '^lib/iceberg/' },
      to: { path: above('formats', 'catalog', 'storage', 'ingest', 'local', 'cli', 'functions', 'infra') },
    },
    {
      name: 'formats-not-sideways',
      comment: 'lib/formats turns bytes into Arrow: it knows lib/iceberg only (not catalog, storage or ingest).',
      severity: 'error',
      from: { path: '^lib/formats/' },
      to: { path: above('catalog', 'storage', 'ingest', 'local', 'cli', 'functions', 'infra') },
    },
    {
      name: 'formats-writes-no-parquet',
      comment: 'lib/formats reads; writing Parquet data files is lib/ingest/convert-file.ts.',
      severity: 'error',
      from: { path: '^lib/formats/' },
      to: { path: '^lib/iceberg/parquet/(data-file-writer|parquet-file-writer|parquet-encoder|worker-encoder)' },
    },
    {
      name: 'catalog-not-sideways',
      comment: 'lib/catalog knows lib/iceberg only (credentials are the shared lib/iceberg/storage-credentials.ts type).',
      severity: 'error',
      from: { path: '^lib/catalog/', pathNot: '^lib/catalog/server/' },
      to: { path: above('formats', 'storage', 'ingest', 'local', 'cli', 'functions', 'infra') },
    },
    {
      name: 'catalog-server-storage-only',
      comment:
        'The embedded REST server is a runnable service over a warehouse: besides lib/iceberg it may use lib/storage ' +
        '(local paths, conditional S3 pointer swaps), nothing else above it (docs/architecture.md).',
      severity: 'error',
      from: { path: '^lib/catalog/server/' },
      to: { path: above('formats', 'ingest', 'local', 'cli', 'functions', 'infra') },
    },
    {
      name: 'storage-not-sideways',
      comment: 'lib/storage implements lib/iceberg/file-io.ts; it knows lib/iceberg only.',
      severity: 'error',
      from: { path: '^lib/storage/' },
      to: { path: above('formats', 'catalog', 'ingest', 'local', 'cli', 'functions', 'infra') },
    },
    {
      name: 'ingest-below-adapters',
      comment: 'lib/ingest (the use cases) never imports the adapters above it: functions/, lib/local, lib/cli.',
      severity: 'error',
      from: { path: '^lib/ingest/' },
      to: { path: above('local', 'cli', 'functions', 'infra') },
    },
    {
      name: 'no-aws-sdk-in-the-core',
      comment: 'AWS clients live in functions/ or lib/storage; lib/ingest and below take interfaces.',
      severity: 'error',
      from: { path: '^lib/(ingest|formats|catalog|iceberg)/', pathNot: '^lib/catalog/server/' },
      to: { path: '(^|/)node_modules/@aws-(sdk|lambda-powertools)/' },
    },
    {
      name: 'cli-is-the-top',
      comment: 'Only lib/cli (and bin/) import lib/cli.',
      severity: 'error',
      from: { path: '^(lib|functions|infra)/', pathNot: '^lib/cli/' },
      to: { path: '^lib/cli/' },
    },
    {
      name: 'functions-not-local',
      comment: 'Lambda handlers never import the laptop stack.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: '^lib/local/' },
    },
    {
      name: 'local-not-functions',
      comment: 'The laptop stack never imports Lambda handlers.',
      severity: 'error',
      from: { path: '^lib/local/' },
      to: { path: '^functions/' },
    },
    {
      name: 'catalog-server-entry-only',
      comment: 'Outside lib/catalog, the embedded REST server is used through server/server.ts only.',
      severity: 'error',
      from: { path: '^(lib/(local|cli|ingest)|functions)/' },
      to: { path: '^lib/catalog/server/', pathNot: '^lib/catalog/server/server\\.ts$' },
    },
    {
      name: 'infra-knows-cdk-only',
      comment: 'infra/ knows CDK, its own config types and the route schema; never the runtime code.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { path: '^(lib|functions)/', pathNot: '^lib/ingest/config\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // bin/floe.mjs imports the build output; the rules are about the sources.
    exclude: { path: '^dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
