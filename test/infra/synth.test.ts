import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingHandlerEntries, PARQUET_WASM_FILE, PROJECT_ROOT } from '../../infra/handler-bundle.js';

/**
 * The real `npx cdk synth` (esbuild bundling of every handler, cdk-nag as a validation plugin),
 * offline. It takes ~15 s of CPU (about a minute on a loaded 2-core machine), so it runs only
 * with FLOE_REAL_SYNTH=1 (CI: `FLOE_REAL_SYNTH=1 npx vitest run test/infra/synth.test.ts`).
 */
describe.runIf(process.env.FLOE_REAL_SYNTH === '1')('npx cdk synth (real app, offline)', () => {
  it('synthesizes the app with bundled handlers and no unacknowledged cdk-nag finding', { timeout: 240_000 }, () => {
    const missing = missingHandlerEntries();
    expect(missing.filter((n) => !n.startsWith('backfill'))).toEqual([]);
    const outdir = mkdtempSync(join(tmpdir(), 'floe-synth-'));
    try {
      const backfill = missing.length === 0 ? [] : ['-c', 'backfill=false'];
      execFileSync('npx', ['cdk', 'synth', '--quiet', '-o', outdir, '-c', 'warehouse=ci', ...backfill], {
        cwd: PROJECT_ROOT,
        stdio: 'pipe',
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
      });
      const template = JSON.parse(readFileSync(join(outdir, 'Floe.template.json'), 'utf8'));
      const functions = Object.values(template.Resources as Record<string, any>).filter(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs24.x',
      );
      expect(functions).toHaveLength(missing.length === 0 ? 6 : 2);
      const assets = readdirSync(outdir).filter(
        (d) => d.startsWith('asset.') && existsSync(join(outdir, d, 'index.mjs')),
      );
      expect(assets.length).toBeGreaterThanOrEqual(2);
      for (const asset of assets) expect(existsSync(join(outdir, asset, PARQUET_WASM_FILE))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
