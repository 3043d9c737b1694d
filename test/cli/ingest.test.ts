import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');
const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('floe ingest', () => {
  it('ingests a file once (a second run adds nothing) and a dry run writes nothing', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'floe-ingest-'));
    dirs.push(cwd);
    await writeFile(join(cwd, 'a.csv'), 'id,name\n1,x\n2,y\n');
    const dry = await run(process.execPath, [BIN, 'ingest', 'a.csv', '--table', 'n.t', '--dry-run', '--json'], { cwd });
    expect(JSON.parse(dry.stdout)).toMatchObject({ table: 'n.t', tableExists: false, rows: 2, rejectedRows: 0 });
    expect(JSON.parse(dry.stdout).schema.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'name']);
    const first = JSON.parse(
      (await run(process.execPath, [BIN, 'ingest', 'a.csv', '--table', 'n.t', '--json'], { cwd })).stdout,
    );
    const second = JSON.parse(
      (await run(process.execPath, [BIN, 'ingest', 'a.csv', '--table', 'n.t', '--json'], { cwd })).stdout,
    );
    expect(first).toMatchObject({ committed: 1, rows: 2, snapshots: 1 });
    expect(second).toMatchObject({ committed: 0, skipped: 1, snapshots: 0 });
    const scan = await run(process.execPath, [BIN, 'scan', 'n.t', '--csv'], { cwd });
    expect(scan.stdout.trim().split('\n')).toEqual(['id,name', '1,x', '2,y']);
  });

  it('a dry run aligns to the existing table and names the bad cell; a bad file exits 1 with its error report', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'floe-ingest-'));
    dirs.push(cwd);
    await writeFile(join(cwd, 'a.csv'), 'id,name\n1,x\n');
    await run(process.execPath, [BIN, 'ingest', 'a.csv', '--table', 'n.t'], { cwd });
    await writeFile(join(cwd, 'more.csv'), 'id,name,extra\n2,y,true\n');
    await writeFile(join(cwd, 'bad.csv'), 'id,name\n3,z\nfour,w\n');
    // Act: a dry run of a file with a new column and of a file with a bad value.
    const dry = await run(
      process.execPath,
      [BIN, 'ingest', 'more.csv', 'bad.csv', '--table', 'n.t', '--dry-run', '--json'],
      { cwd },
    ).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    // Assess: exit 1; the first file evolves the table, the second names line 3, column id.
    expect(dry?.code).toBe(1);
    const [more, bad] = (dry?.stdout ?? '')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(more).toMatchObject({ tableExists: true, evolves: true, rows: 1 });
    expect(more.schema.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'name', 'extra']);
    expect(bad.error).toMatchObject({ line: 3, column: 'id', value: 'four' });
    // A real ingest of the bad file exits 1 and prints its error report; nothing is committed.
    const real = await run(process.execPath, [BIN, 'ingest', 'bad.csv', '--table', 'n.t'], { cwd }).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(real?.code).toBe(1);
    expect(real?.stdout).toMatch(/"line": 3/);
    expect(real?.stdout).toMatch(/"column": "id"/);
    const scan = await run(process.execPath, [BIN, 'scan', 'n.t', '--csv'], { cwd });
    expect(scan.stdout.trim().split('\n')).toEqual(['id,name', '1,x']);
  });
});
