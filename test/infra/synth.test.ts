import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HANDLER_ENTRIES, missingHandlerEntries, PARQUET_WASM_FILE, PROJECT_ROOT } from '../../infra/handler-bundle.js';

/**
 * The real `npx cdk synth` (cdk.json → infra/app.ts: esbuild bundling of every handler, cdk-nag
 * as a validation plugin, CloudFormation rule validation), offline: this is how CI proves the
 * app synthesizes. It costs ~13 s of CPU (12.7 s wall on an idle-ish 2-core machine, ~50 s at a
 * load average of 15), so it is part of the default suite; `FLOE_REAL_SYNTH=0` skips it in a
 * local edit loop.
 */
describe.skipIf(process.env.FLOE_REAL_SYNTH === '0')('npx cdk synth (real app, offline)', () => {
  it('synthesizes the app with every handler bundled and no unacknowledged cdk-nag finding', {
    timeout: 240_000,
  }, () => {
    expect(missingHandlerEntries()).toEqual([]);
    const outdir = mkdtempSync(join(tmpdir(), 'floe-synth-'));
    try {
      // Throws (non-zero exit) on a config error, a bundling error or an unacknowledged finding.
      execFileSync('npx', ['cdk', 'synth', '--quiet', '-o', outdir, '-c', 'warehouse=ci'], {
        cwd: PROJECT_ROOT,
        stdio: 'pipe',
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      });
      const template = JSON.parse(readFileSync(join(outdir, 'Floe.template.json'), 'utf8'));
      const functions = Object.values(template.Resources as Record<string, any>).filter(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs24.x',
      );
      expect(functions).toHaveLength(Object.keys(HANDLER_ENTRIES).length);
      // Each function's code is its own asset: an ESM bundle with parquet-wasm's wasm next to it.
      const assets = readdirSync(outdir).filter(
        (d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')),
      );
      expect(assets).toHaveLength(functions.length);
      for (const asset of assets) expect(existsSync(join(outdir, asset, PARQUET_WASM_FILE))).toBe(true);
      for (const fn of functions) expect(assets).toContain(`asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
