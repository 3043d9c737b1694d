/**
 * `floe backfill` as a user runs it: a child process, SIGKILLed halfway (a real kill, not an
 * in-process abort), then run again. The table must end with every file exactly once, and a
 * non-TTY run must print one plain summary line (no progress bar escapes).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');
const FILES = 200;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-backfill-cli-'));
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function metadataFiles(): Promise<number> {
  // The catalog's default location is <warehouse>/<ns>/<table>-<uuid> (unique per table); a
  // chunk that lost the race to create the table may have left an empty directory beside it.
  const ns = join(dir, '.floe', 'warehouse', 'hist');
  let count = 0;
  for (const table of (await readdir(ns).catch(() => [] as string[])).filter((n) => n.startsWith('killed-'))) {
    const names = await readdir(join(ns, table, 'metadata')).catch(() => []);
    count += names.filter((n) => n.endsWith('.metadata.json')).length;
  }
  return count;
}

describe('floe backfill (child process)', () => {
  it('killed with SIGKILL halfway and run again, ends with every file exactly once', async () => {
    // Prepare: one-row CSV files.
    const source = join(dir, 'src');
    await mkdir(source);
    for (let i = 0; i < FILES; i++) await writeFile(join(source, `f${String(i).padStart(4, '0')}.csv`), `id\n${i}\n`);
    const args = [
      BIN,
      'backfill',
      source,
      '--table',
      'hist.killed',
      '--files-per-snapshot',
      '10',
      '--chunk-files',
      '10',
      '--concurrency',
      '2',
    ];

    // Act 1: start the backfill and SIGKILL it once a few batches are committed.
    child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = new Promise<void>((resolve) => child?.on('exit', () => resolve()));
    for (let tries = 0; (await metadataFiles()) < 4; tries++) {
      if (child.exitCode !== null || tries > 600)
        throw new Error(`backfill ended (exit ${child.exitCode}) before it could be killed: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');

    // Act 2: the same command again, output not a terminal.
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: dir });

    // Assess: one plain summary line; the first run's commits are skipped, the rest committed.
    expect(stdout).not.toContain('\u001b');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const [, committed, skipped] = /(\d+) committed, (\d+) already ingested, 0 rejected/.exec(lines[0] as string) ?? [];
    expect(Number(skipped)).toBeGreaterThan(0);
    expect(Number(skipped)).toBeLessThan(FILES);
    expect(Number(committed) + Number(skipped)).toBe(FILES);
    const scan = await promisify(execFile)(process.execPath, [BIN, 'scan', 'hist.killed', '--json', '--limit', '0'], {
      cwd: dir,
    });
    const ids = scan.stdout
      .trim()
      .split('\n')
      .map((line) => Number(JSON.parse(line).id))
      .sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: FILES }, (_, i) => i));
  });
});
