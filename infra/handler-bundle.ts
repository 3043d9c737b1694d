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

/**
 * Shell commands run after bundling (NodejsFunction `commandHooks.afterBundling`): copy the
 * wasm next to the bundle. `inputDir` is the project root as CDK sees it (local or in Docker).
 */
export function afterBundlingCommands(inputDir: string, outputDir: string): string[] {
  return [`cp "${join(inputDir, PARQUET_WASM_SOURCE)}" "${join(outputDir, PARQUET_WASM_FILE)}"`];
}
