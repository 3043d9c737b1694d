/**
 * Issue #19 through `floe ingest`: one batch of every hostile file of the corpus beside good
 * files, in a child process under a watchdog: a hang is killed by the timeout (and fails), the
 * peak RSS is bounded, every bad file gets its named error report, every good file is committed,
 * and no spool directory is left in the child's temp directory.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goodCases, hostileCases, TEST_LIMITS } from '../fixtures/hostile/corpus.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');
const RSS_REPORTER = join(import.meta.dirname, '..', 'fixtures', 'hostile', 'report-rss.mjs');
/** Peak RSS allowed for the whole batch (the bombs reached > 3 GB before the fix). */
const MAX_RSS_MB = 1024;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function floe(args: string[], cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--max-old-space-size=512', '--import', RSS_REPORTER, BIN, ...args],
      { cwd, env: { ...process.env, ...env }, timeout: 150_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 ** 2 },
      (error, stdout, stderr) => {
        const e = error as (Error & { code?: number | string; killed?: boolean }) | null;
        if (e?.killed) reject(new Error(`floe ingest hung (killed after the watchdog timeout)\n${stderr}`));
        else resolve({ code: typeof e?.code === 'number' ? e.code : 0, stdout, stderr });
      },
    );
  });
}

describe('floe ingest: a batch of every hostile file beside good files (issue #19)', () => {
  it('rejects each bad file by name, commits every good one, stays bounded and leaves nothing', {
    timeout: 180_000,
  }, async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'floe-hostile-cli-'));
    dirs.push(cwd);
    const spool = join(cwd, 'tmp');
    await mkdir(spool);
    await mkdir(join(cwd, 'in'));
    await writeFile(join(cwd, 'floe.config.json'), JSON.stringify({ defaults: { format: { limits: TEST_LIMITS } } }));
    const bad = hostileCases().filter((c) => !c.newTableOnly);
    const firstOnly = hostileCases().filter((c) => c.newTableOnly);
    const good = goodCases();
    for (const c of [...good, ...bad, ...firstOnly]) await writeFile(join(cwd, 'in', c.name), c.bytes);
    // Good files first (the first creates the table), then every bad one, in one batch.
    const files = [...good, ...bad].map((c) => join('in', c.name));

    const run = await floe(['ingest', ...files, '--table', 'h.t', '--json'], cwd, { TMPDIR: spool });

    expect(run.code, run.stderr).toBe(1);
    const maxRssKb = Number(/FLOE_TEST_MAX_RSS_KB=(\d+)/.exec(run.stderr)?.[1]);
    expect(maxRssKb / 1024).toBeLessThan(MAX_RSS_MB);
    console.log(`floe ingest of the hostile batch: peak RSS ${Math.round(maxRssKb / 1024)} MB`);
    const [summary, ...rejections] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(summary, JSON.stringify(rejections.map((r) => r.rejected))).toMatchObject({
      committed: good.length,
      rejected: bad.length,
    });
    for (const c of bad) {
      const r = rejections.find((x) => x.rejected.endsWith(c.name));
      expect(r, c.name).toBeDefined();
      expect(r.report.error, c.name).toBe(c.error.name);
      expect(r.report.reason, c.name).toMatch(c.error.reason);
      if (c.error.line !== undefined) expect(r.report.line, c.name).toBe(c.error.line);
    }
    // Columns a and b only: a rejected file's new columns can stay in the schema (issue #18's part).
    const scan = await floe(['scan', 'h.t', '--csv'], cwd, { TMPDIR: spool });
    expect(
      scan.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',').slice(0, 2).join(','))
        .sort(),
    ).toEqual(['1,x', '2,y', '3,z', '4,p', '5,q']);
    // Files that are bad only as a table's first file: rejected, and no table is created.
    for (const c of firstOnly) {
      const first = await floe(['ingest', join('in', c.name), '--table', 'h.first', '--json'], cwd, { TMPDIR: spool });
      expect(first.code, first.stderr).toBe(1);
      const report = JSON.parse(first.stdout.trim().split('\n')[1]!).report;
      expect(report.error).toBe(c.error.name);
      expect(report.reason).toMatch(c.error.reason);
    }
    expect((await readdir(spool)).filter((n) => n.startsWith('floe-'))).toEqual([]); // (tsx keeps its cache here)
  });

  it('on_error continue: ragged rows and bad lines are row errors for a new table; tiny doubles read exactly', {
    timeout: 120_000,
  }, async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'floe-hostile-cli-'));
    dirs.push(cwd);
    await writeFile(join(cwd, 'floe.config.json'), JSON.stringify({ defaults: { on_error: 'continue' } }));
    await writeFile(join(cwd, 'ragged.csv'), 'a,b\n1,2\n3\n4,5\n');
    await writeFile(join(cwd, 'lines.ndjson'), '{"a": 1}\n{"a": oops}\n{"a": 2}\n');
    await writeFile(join(cwd, 'tiny.csv'), 'x\n0.00000000000000000000001\n1.5\n');

    const csv = await floe(['ingest', 'ragged.csv', '--table', 'c.csv', '--json'], cwd, {});
    const json = await floe(['ingest', 'lines.ndjson', '--table', 'c.json', '--json'], cwd, {});
    const tiny = await floe(['ingest', 'tiny.csv', '--table', 'c.tiny', '--json'], cwd, {});

    expect(JSON.parse(csv.stdout.split('\n')[0]!)).toMatchObject({ committed: 1, rows: 2 });
    expect(JSON.parse(json.stdout.split('\n')[0]!)).toMatchObject({ committed: 1, rows: 2 });
    expect(JSON.parse(tiny.stdout.split('\n')[0]!)).toMatchObject({ committed: 1, rows: 2 });
    const scan = await floe(['scan', 'c.tiny', '--json'], cwd, {});
    const values = scan.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).x);
    expect(values.map(Number).sort((p, q) => p - q)).toEqual([1e-23, 1.5]);
  });
});
