/**
 * The CLI as users meet it (issue #18): files from different folders, an empty file, scan output
 * in Iceberg's single-value JSON form, one-line errors, `catalog serve --help`, and
 * `--mode overwrite` for replacing an unpartitioned table.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');
const exec = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

type Out = { code: number; stdout: string; stderr: string };
function floe(cwd: string, ...args: string[]): Promise<Out> {
  return exec(process.execPath, [BIN, ...args], { cwd }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: Out) => e,
  );
}

describe('floe CLI messages and output', () => {
  it('ingests files from two folders, skips an empty file by name, and scans exact values', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'floe-cli18-'));
    dirs.push(cwd);
    await mkdir(join(cwd, 'a'));
    await mkdir(join(cwd, 'b'));
    await writeFile(
      join(cwd, 'a', 'x.csv'),
      'id,amount,at,o\n1,1234.56789012345678,2024-01-02T03:04:05.789012,"{""t"": ""2024-01-02T03:04:05.000001""}"\n',
    );
    await writeFile(join(cwd, 'b', 'y.csv'), 'id,at,o\n2,2024-01-03T00:00:00,\n');
    await writeFile(join(cwd, 'empty.csv'), '');
    const ingest = await floe(cwd, 'ingest', 'a/x.csv', 'b/y.csv', 'empty.csv', '--table', 'n.t');
    expect(ingest.stdout).toMatch(/empty\.csv: empty file \(0 bytes\), skipped/);
    expect(ingest.stdout).toMatch(/2 file\(s\) committed \(2 rows\)/);
    expect(ingest.code).toBe(0);
    const scan = await floe(cwd, 'scan', 'n.t', '--json');
    const rows = scan.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toContainEqual({
      id: 1,
      amount: '1234.56789012345678',
      at: '2024-01-02T03:04:05.789012',
      o: '{"t": "2024-01-02T03:04:05.000001"}',
    });
    // One line, no stack: an unknown --where column, an unknown table.
    const where = await floe(cwd, 'scan', 'n.t', '--where', 'nope=1');
    expect(where.code).toBe(1);
    expect(where.stderr.trim()).toBe('floe scan: --where "nope=1": no column "nope" in the table');
    const missing = await floe(cwd, 'scan', 'n.missing');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^floe scan: .*missing/);
    // replace-partitions on an unpartitioned table needs --mode overwrite.
    const replace = await floe(cwd, 'backfill', 'a', '--table', 'n.t', '--mode', 'replace-partitions');
    expect(replace.code).toBe(2);
    expect(replace.stderr).toMatch(
      /unpartitioned: replace-partitions would replace the whole table; pass --mode overwrite/,
    );
    const help = await floe(cwd, 'catalog', 'serve', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: floe catalog serve/);
  });
});
