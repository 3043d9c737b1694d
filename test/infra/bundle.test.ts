import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloeFunction } from '../../infra/constructs/floe-function.js';
import {
  PARQUET_WASM_FILE,
  PARQUET_WASM_SOURCE,
  PARQUET_WORKER_FILE,
  PARQUET_WORKER_SOURCE,
  PROJECT_ROOT,
} from '../../infra/handler-bundle.js';

describe('NodejsFunction bundling (as cdk synth does it)', () => {
  let outdir: string;
  let assetDir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'floe-bundle-'));
    const app = new App({ outdir, builtinCloudFormationValidation: false, treeMetadata: false });
    const stack = new Stack(app, 'BundleTest');
    new FloeFunction(stack, 'Fixture', {
      handler: 'convert',
      entry: join(PROJECT_ROOT, 'test/infra/fixtures/wasm-handler.ts'),
      memoryMiB: 512,
      timeout: Duration.seconds(30),
      environment: {},
      logRetention: logs.RetentionDays.ONE_DAY,
      description: 'bundling fixture',
    });
    app.synth();
    const assets = readdirSync(outdir).filter(
      (d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')),
    );
    expect(assets).toHaveLength(1);
    assetDir = join(outdir, assets[0]!);
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('emits one ESM bundle with parquet-wasm’s wasm file next to it', () => {
    const files = readdirSync(assetDir).sort();
    expect(files).toEqual(expect.arrayContaining(['index.mjs', PARQUET_WASM_FILE]));
    expect(statSync(join(assetDir, PARQUET_WASM_FILE)).size).toBe(
      statSync(join(PROJECT_ROOT, PARQUET_WASM_SOURCE)).size,
    );
    if (existsSync(join(PROJECT_ROOT, PARQUET_WORKER_SOURCE))) {
      expect(files).toEqual(expect.arrayContaining([PARQUET_WORKER_FILE, 'package.json']));
    }
  });

  it('runs in a fresh node process from the asset directory alone: the wasm loads and writes Parquet', () => {
    // Run from a copy-free, node_modules-free location: the asset dir is outside the repository.
    const script = [
      `const m = await import(${JSON.stringify(join(assetDir, 'index.mjs'))});`,
      'console.log(JSON.stringify(await m.handler()));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: assetDir,
      encoding: 'utf8',
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(result.magic).toBe('PAR1');
    expect(result.bytes).toBeGreaterThan(100);
  });

  it.runIf(existsSync(join(PROJECT_ROOT, PARQUET_WORKER_SOURCE)))(
    'ships a parquet worker that starts as a worker thread',
    () => {
      const script = [
        "import { Worker } from 'node:worker_threads';",
        `const w = new Worker(${JSON.stringify(join(assetDir, PARQUET_WORKER_FILE))}, { execArgv: [] });`,
        "w.on('error', (e) => { console.log('error', e.message); process.exit(1); });",
        "w.on('online', async () => { await new Promise((r) => setTimeout(r, 200)); console.log('online'); await w.terminate(); });",
      ].join('\n');
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: assetDir,
        encoding: 'utf8',
      });
      expect(out.trim()).toBe('online');
    },
  );
});
