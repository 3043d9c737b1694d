import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isIgnoredName, type LandedFile, LandingWatcher } from '../../lib/local/landing-watcher.js';

const dirs: string[] = [];
const watchers: LandingWatcher[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Rescans twice, then lands a sentinel file and waits for it: a file seen again is re-checked
 * within its rescan, while the sentinel needs a stat, the stability window and another stat,
 * so whatever the rescans would report has been reported by then. No fixed sleep.
 */
async function afterRescans(root: string, watcher: LandingWatcher, files: LandedFile[]): Promise<void> {
  await watcher.scan();
  await watcher.scan();
  const sentinel = join(root, 'zz', 'sentinel.csv');
  await mkdir(join(root, 'zz'), { recursive: true });
  await writeFile(sentinel, 'x');
  await watcher.scan();
  await until(() => files.some((f) => f.key === 'zz/sentinel.csv'));
  files.splice(
    files.findIndex((f) => f.key === 'zz/sentinel.csv'),
    1,
  );
}

async function setup(): Promise<{ root: string; files: LandedFile[]; watcher: LandingWatcher }> {
  const root = await mkdtemp(join(tmpdir(), 'floe-landing-'));
  dirs.push(root);
  const files: LandedFile[] = [];
  // Rescans are driven by the tests (`watcher.scan()`), not by the interval.
  const watcher = new LandingWatcher({ root, onFile: (f) => files.push(f), stableMs: 50, rescanMs: 3_600_000 });
  watchers.push(watcher);
  return { root, files, watcher };
}

describe('LandingWatcher', () => {
  it('picks up files that were there before it started (startup scan)', async () => {
    const { root, files, watcher } = await setup();
    await mkdir(join(root, 'sales', 'orders'), { recursive: true });
    await writeFile(join(root, 'sales', 'orders', 'a.csv'), 'id\n1\n');
    await watcher.start();
    await until(() => files.length === 1);
    expect(files[0]?.key).toBe('sales/orders/a.csv');
    expect(files[0]?.size).toBe(5);
  });

  it('reports a new file in a new directory once, after its size is stable', async () => {
    const { root, files, watcher } = await setup();
    await watcher.start();
    await mkdir(join(root, 'ns', 't'), { recursive: true });
    const path = join(root, 'ns', 't', 'b.ndjson');
    await writeFile(path, '{"a":1}\n');
    await appendFile(path, '{"a":2}\n');
    await until(() => files.length >= 1);
    await afterRescans(root, watcher, files);
    expect(files.map((f) => f.key)).toEqual(['ns/t/b.ndjson']);
    expect(files[0]?.size).toBe(16);
  });

  it('ignores hidden and temporary files', async () => {
    const { root, files, watcher } = await setup();
    await mkdir(join(root, 'ns', 't'), { recursive: true });
    await writeFile(join(root, 'ns', 't', '.hidden.csv'), 'x');
    await writeFile(join(root, 'ns', 't', 'c.csv.part'), 'x');
    await writeFile(join(root, 'ns', 't', 'd.csv'), 'x');
    await watcher.start();
    await until(() => files.length === 1);
    await afterRescans(root, watcher, files);
    expect(files.map((f) => f.key)).toEqual(['ns/t/d.csv']);
    expect(isIgnoredName('x.tmp')).toBe(true);
    expect(isIgnoredName('~$report.xlsx')).toBe(true);
    expect(isIgnoredName('a.csv.crdownload')).toBe(true);
  });
});
