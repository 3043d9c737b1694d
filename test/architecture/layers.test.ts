import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

// The layer rules of .dependency-cruiser.cjs (run by `npm run check:layers` in `npm test`).
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs');
const ruleSet = { forbidden: config.forbidden };

const trees: string[] = [];
afterAll(() => {
  for (const dir of trees) rmSync(dir, { recursive: true, force: true });
});

/** Cruises a throwaway tree of `files` (path → source) with floe's rules. */
async function cruiseTree(files: Record<string, string>): Promise<ICruiseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'floe-layers-'));
  trees.push(dir);
  for (const [path, source] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), source);
  }
  const roots = [...new Set(Object.keys(files).map((path) => path.split('/')[0] as string))];
  const result = await cruise(roots, { baseDir: dir, validate: true, ruleSet, tsPreCompilationDeps: true });
  return result.output as ICruiseResult;
}

const ruleNames = (result: ICruiseResult) =>
  result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);

describe('layer rules', () => {
  it('fail an upward or sideways import, naming the rule', async () => {
    const result = await cruiseTree({
      'lib/iceberg/metadata.ts': "import type { S3FileIO } from '../storage/s3.js';\nexport type M = S3FileIO;\n",
      'lib/storage/s3.ts': "import type { Catalog } from '../catalog/catalog.js';\nexport type S3FileIO = Catalog;\n",
      'lib/catalog/catalog.ts': 'export type Catalog = string;\n',
      'lib/local/stack.ts': "import type { R } from '../catalog/server/routes.js';\nexport type S = R;\n",
      'lib/catalog/server/routes.ts': 'export type R = number;\n',
    });
    expect(ruleNames(result).sort()).toEqual([
      'catalog-server-entry-only: lib/local/stack.ts → lib/catalog/server/routes.ts',
      'iceberg-is-the-core: lib/iceberg/metadata.ts → lib/storage/s3.ts',
      'storage-not-sideways: lib/storage/s3.ts → lib/catalog/catalog.ts',
    ]);
  });

  it('pass imports that point down', async () => {
    const result = await cruiseTree({
      'lib/ingest/commit.ts': "import type { FileIO } from '../iceberg/file-io.js';\nexport type C = FileIO;\n",
      'lib/iceberg/file-io.ts': 'export type FileIO = string;\n',
      'functions/commit.ts': "import type { C } from '../lib/ingest/commit.js';\nexport type H = C;\n",
    });
    expect(ruleNames(result)).toEqual([]);
  });
});
