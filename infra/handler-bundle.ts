/**
 * How every floe Lambda handler is bundled, shared by the CDK stack (NodejsFunction bundling)
 * and by `npm run bench:coldstart` (esbuild API), so the benchmark measures what is deployed.
 *
 * The output is one ESM file (`index.mjs`) plus parquet-wasm's `.wasm`, copied next to it:
 * parquet-wasm's Node build reads `${__dirname}/parquet_wasm_bg.wasm` at import, and esbuild
 * cannot inline a file read by `fs`. ESM has no `require`/`__dirname`, so the banner defines
 * them (the CommonJS parts of the bundle, parquet-wasm included, need both).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (infra/..): esbuild runs here and resolves node_modules from here. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The wasm file parquet-wasm's Node entry point loads from its own directory. */
export const PARQUET_WASM_FILE = 'parquet_wasm_bg.wasm';

/** Where the wasm file sits in node_modules, relative to PROJECT_ROOT. */
export const PARQUET_WASM_SOURCE = join('node_modules', 'parquet-wasm', 'node', PARQUET_WASM_FILE);

/** Defines `require`, `__filename` and `__dirname` for the CommonJS modules inside the ESM bundle. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __floeCreateRequire } from 'node:module';" +
  "import { fileURLToPath as __floeFileURLToPath } from 'node:url';" +
  "import { dirname as __floeDirname } from 'node:path';" +
  'const require = __floeCreateRequire(import.meta.url);' +
  'const __filename = __floeFileURLToPath(import.meta.url);' +
  'const __dirname = __floeDirname(__filename);';

/** esbuild target: the oldest Node floe supports (package.json engines), run on a newer Lambda runtime. */
export const ESBUILD_TARGET = 'node20';

/**
 * The esbuild options both consumers use. The AWS SDK is bundled rather than taken from the
 * runtime so that the deployed SDK is the tested one; minification keeps names for stack traces.
 */
export const HANDLER_ESBUILD = {
  platform: 'node',
  format: 'esm',
  target: ESBUILD_TARGET,
  minify: true,
  keepNames: true,
  sourcemap: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  external: [] as string[],
  /** Lambda resolves `index.handler` to `index.mjs` for ESM output. */
  outFileName: 'index.mjs',
} as const;

/** Lambda handler entry points, by logical name, relative to PROJECT_ROOT. */
export const HANDLER_ENTRIES = {
  convert: 'functions/convert.ts',
  commit: 'functions/commit.ts',
  backfillPlan: 'functions/backfill-plan.ts',
  backfillConvert: 'functions/backfill-convert.ts',
  backfillCommit: 'functions/backfill-commit.ts',
  backfillReport: 'functions/backfill-report.ts',
  maintain: 'functions/maintain.ts',
  maintainCompact: 'functions/maintain-compact.ts',
} as const;

/** A handler's logical name. */
export type HandlerName = keyof typeof HANDLER_ENTRIES;

/** Absolute path of a handler's entry file. */
export function handlerEntryPath(name: HandlerName, root = PROJECT_ROOT): string {
  return join(root, HANDLER_ENTRIES[name]);
}

/** Handlers whose entry file does not exist (yet). */
export function missingHandlerEntries(root = PROJECT_ROOT): HandlerName[] {
  return (Object.keys(HANDLER_ENTRIES) as HandlerName[]).filter((n) => !existsSync(handlerEntryPath(n, root)));
}

/** parquet-wasm's optional worker-thread encoder entry (lib/iceberg/parquet/worker-encoder.ts loads it by URL). */
export const PARQUET_WORKER_SOURCE = join('lib', 'iceberg', 'parquet', 'parquet-worker.ts');

/** The worker's bundled name, next to index.mjs (worker-encoder.ts resolves `./parquet-worker.js`). */
export const PARQUET_WORKER_FILE = 'parquet-worker.js';

/** The contained Parquet reader's worker entry (lib/formats/parquet-decoder.ts loads it by URL; issue #19). */
export const PARQUET_DECODE_WORKER_SOURCE = join('lib', 'formats', 'parquet-decode-worker.ts');

/** Its bundled name, next to index.mjs (parquet-decoder.ts resolves `./parquet-decode-worker.js`). */
export const PARQUET_DECODE_WORKER_FILE = 'parquet-decode-worker.js';

/** {@link HANDLER_ESBUILD} as esbuild command-line flags (what NodejsFunction passes, too). */
export function esbuildCliFlags(): string[] {
  return [
    '--bundle',
    `--platform=${HANDLER_ESBUILD.platform}`,
    `--format=${HANDLER_ESBUILD.format}`,
    `--target=${HANDLER_ESBUILD.target}`,
    ...(HANDLER_ESBUILD.minify ? ['--minify'] : []),
    ...(HANDLER_ESBUILD.keepNames ? ['--keep-names'] : []),
    `--main-fields=${HANDLER_ESBUILD.mainFields.join(',')}`,
    `--banner:js=${HANDLER_ESBUILD.banner}`,
  ];
}

/** Quotes one argument for a POSIX shell. */
function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Shell commands run after bundling (NodejsFunction `commandHooks.afterBundling`, and the
 * coldstart bench): copy the wasm next to the bundle, and when the worker-thread encoder exists,
 * bundle it as `parquet-worker.js` with a `package.json` marking `.js` as ESM.
 * `inputDir` is the project root as the bundler sees it.
 */
export function afterBundlingCommands(inputDir: string, outputDir: string): string[] {
  const commands = [
    `cp ${shellQuote(join(inputDir, PARQUET_WASM_SOURCE))} ${shellQuote(join(outputDir, PARQUET_WASM_FILE))}`,
  ];
  if (existsSync(join(PROJECT_ROOT, PARQUET_WORKER_SOURCE))) {
    const esbuild = join(inputDir, 'node_modules', '.bin', 'esbuild');
    commands.push(
      `echo '{"type":"module"}' > ${shellQuote(join(outputDir, 'package.json'))}`,
      [
        esbuild,
        join(inputDir, PARQUET_WORKER_SOURCE),
        ...esbuildCliFlags(),
        `--outfile=${join(outputDir, PARQUET_WORKER_FILE)}`,
        '--log-level=warning',
      ]
        .map(shellQuote)
        .join(' '),
    );
  }
  if (existsSync(join(PROJECT_ROOT, PARQUET_DECODE_WORKER_SOURCE))) {
    const esbuild = join(inputDir, 'node_modules', '.bin', 'esbuild');
    commands.push(
      `echo '{"type":"module"}' > ${shellQuote(join(outputDir, 'package.json'))}`,
      [
        esbuild,
        join(inputDir, PARQUET_DECODE_WORKER_SOURCE),
        ...esbuildCliFlags(),
        `--outfile=${join(outputDir, PARQUET_DECODE_WORKER_FILE)}`,
        '--log-level=warning',
      ]
        .map(shellQuote)
        .join(' '),
    );
  }
  return commands;
}
