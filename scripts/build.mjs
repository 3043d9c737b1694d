#!/usr/bin/env node
/**
 * Builds the CLI to JavaScript: every `lib/**\/*.ts` transpiled (not bundled) to `dist/lib/`,
 * so module-relative files (the Parquet worker script, the demo data) keep their places, plus
 * the demo files. `npm ci`/`npm install` run it as `prepare`; `bin/floe.mjs` runs the build
 * when it is at least as new as the sources and falls back to tsx otherwise. A build takes
 * about a second; the point is start-up: `floe --help` no longer transpiles on every call.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--out <dir>` builds elsewhere (the build test), default `dist/`.
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 ? resolve(process.argv[outArg + 1]) : join(root, 'dist');

const sources = readdirSync(join(root, 'lib'), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
  .map((e) => relative(root, join(e.parentPath, e.name)));

// esbuild is a dev dependency: an install without them keeps running the sources through tsx.
const esbuild = await import('esbuild').catch(() => undefined);
if (!esbuild) {
  console.warn('floe build: esbuild is not installed; the CLI runs the TypeScript sources through tsx');
  process.exit(0);
}

rmSync(out, { recursive: true, force: true });
await esbuild.build({
  entryPoints: sources,
  outdir: join(out, 'lib'),
  outbase: join(root, 'lib'),
  absWorkingDir: root,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
cpSync(join(root, 'lib', 'local', 'demo'), join(out, 'lib', 'local', 'demo'), { recursive: true });
mkdirSync(out, { recursive: true });
// The build's time: bin/floe.mjs runs dist/ only while no source is newer than this file.
writeFileSync(join(out, 'BUILT'), `${new Date().toISOString()}\n`);
