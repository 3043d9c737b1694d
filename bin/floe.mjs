#!/usr/bin/env node
// Runs the CLI built to JavaScript (`dist/`, made by `npm run build`, which `npm ci` and
// `npm install` run as `prepare`): start-up without transpiling. Without a build, or when a
// source under lib/ is newer than it (an edit since the last build), it runs the TypeScript
// sources through tsx instead, so a checkout never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = `${root}dist/BUILT`;

/** True when dist/ exists and no lib/ source changed after it was built (a few ms for ~200 files). */
function buildIsFresh() {
  if (!existsSync(stamp) || process.env.FLOE_FROM_SOURCE === '1') return false;
  const built = statSync(stamp).mtimeMs;
  // A copy without sources (only dist/) runs the build.
  if (!existsSync(`${root}lib`)) return true;
  for (const entry of readdirSync(`${root}lib`, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && statSync(`${entry.parentPath}/${entry.name}`).mtimeMs > built) return false;
  }
  return true;
}

if (buildIsFresh()) {
  await import('../dist/lib/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../lib/cli/main.ts');
}
