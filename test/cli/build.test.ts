import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SUMMARIES } from '../../lib/cli/summaries.js';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
// Inside the repo (gitignored `.scratch-*`), so the built modules resolve node_modules as dist/ does.
const OUT = join(ROOT, `.scratch-build-${process.pid}`);

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('the CLI built to JavaScript (npm run build, run by prepare)', () => {
  it('runs without tsx: --help from the summaries, a command with module-relative files', async () => {
    await exec('node', [join(ROOT, 'scripts', 'build.mjs'), '--out', OUT], { cwd: ROOT });
    const main = join(OUT, 'lib', 'cli', 'main.js');
    expect(existsSync(join(OUT, 'lib', 'iceberg', 'parquet', 'parquet-worker.js'))).toBe(true);
    expect(existsSync(join(OUT, 'lib', 'local', 'demo', 'orders-2024-06-01.csv'))).toBe(true);

    const help = await exec('node', [main, '--help'], { cwd: ROOT });
    for (const [name, summary] of Object.entries(SUMMARIES))
      expect(help.stdout).toContain(`${name.padEnd(10)} ${summary}`);

    const inspect = await exec('node', [main, 'inspect', 'test/fixtures/tables/icebird-spark-bunnies', '--json'], {
      cwd: ROOT,
    });
    expect(JSON.parse(inspect.stdout).formatVersion).toBe(2);
  });
});
