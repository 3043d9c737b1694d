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

async function setup(): Promise<{ root: string; files: LandedFile[]; watcher: LandingWatcher }> {
  const root = await mkdtemp(join(tmpdir(), 'floe-landing-'));
  dirs.push(root);
  const files: LandedFile[] = [];
  const watcher = new LandingWatcher({ root, onFile: (f) => files.push(f), stableMs: 50, rescanMs: 200 });
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
    await new Promise((r) => setTimeout(r, 400)); // several rescans later
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
    await new Promise((r) => setTimeout(r, 300));
    expect(files.map((f) => f.key)).toEqual(['ns/t/d.csv']);
    expect(isIgnoredName('x.tmp')).toBe(true);
    expect(isIgnoredName('~$report.xlsx')).toBe(true);
    expect(isIgnoredName('a.csv.crdownload')).toBe(true);
  });
});
