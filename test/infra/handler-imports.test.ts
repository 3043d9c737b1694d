/**
 * Issue #11 (cold start): the handlers that never write Parquet must not load parquet-wasm at
 * init. Each handler is bundled with the stack's esbuild options but WITHOUT the wasm file next
 * to it, then imported in a fresh node process with a Lambda-like environment: a handler that
 * evaluates parquet-wasm at import fails to find the file. Convert, which warms its encoder at
 * init, is the control that shows the check can fail.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { HANDLER_ESBUILD, type HandlerName, handlerEntryPath } from '../../infra/handler-bundle.js';

const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  FLOE_CATALOG_URI: 'https://catalog.example/api/iceberg',
  FLOE_WAREHOUSE: 'w',
  FLOE_AUTH_TYPE: 'bearer',
  FLOE_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:floe-pat-AbCdEf',
  FLOE_COMMIT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/commits.fifo',
  FLOE_LANDING_BUCKET: 'landing',
  FLOE_LANDING_PREFIX: 'landing/',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

describe('handler imports: parquet-wasm only where Parquet is written', () => {
  const work = mkdtempSync(join(tmpdir(), 'floe-imports-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const NAMES = ['backfillPlan', 'backfillCommit', 'backfillReport', 'backfillConvert', 'commit', 'convert'] as const;
  let built: Promise<void> | undefined;
  /** One esbuild run for every handler (stack options), with no wasm copied next to the bundles. */
  const buildAll = () => {
    const { outFileName, ...options } = HANDLER_ESBUILD;
    built ??= build({
      entryPoints: Object.fromEntries(
        NAMES.map((name) => [`${name}/${outFileName.replace(/\.mjs$/, '')}`, handlerEntryPath(name)]),
      ),
      bundle: true,
      outdir: work,
      outExtension: { '.js': '.mjs' },
      platform: options.platform,
      format: options.format,
      target: options.target,
      mainFields: [...options.mainFields],
      banner: { js: options.banner },
      external: [...options.external],
      logLevel: 'error',
    }).then(() => undefined);
    return built;
  };

  /** Imports the bundle of `name` in a fresh node process; returns the exit status and stderr. */
  async function importWithoutWasm(name: HandlerName): Promise<{ status: number | null; stderr: string }> {
    await buildAll();
    const url = pathToFileURL(join(work, name, HANDLER_ESBUILD.outFileName)).href;
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(url)}); if (typeof m.handler !== 'function') process.exit(3); process.exit(0);`,
      ],
      { cwd: work, env: ENV, encoding: 'utf8', timeout: 60_000 },
    );
    return { status: result.status, stderr: result.stderr };
  }

  it.each(['backfillPlan', 'backfillCommit', 'backfillReport', 'backfillConvert', 'commit'] as const)(
    '%s imports without parquet-wasm',
    { timeout: 60_000 },
    async (name) => {
      const { status, stderr } = await importWithoutWasm(name);
      expect(stderr).not.toMatch(/parquet_wasm_bg\.wasm/);
      expect(status).toBe(0);
    },
  );

  it('convert (the control) needs it at init', { timeout: 60_000 }, async () => {
    const { status, stderr } = await importWithoutWasm('convert');
    expect(status !== 0 || /parquet_wasm_bg\.wasm/.test(stderr)).toBe(true);
  });
});
