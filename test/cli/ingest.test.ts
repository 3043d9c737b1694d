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
    expect(JSON.parse(dry.stdout).schema.fields.map((f: { name: string }) => f.name)).toEqual(['id', 'name']);
    const first = JSON.parse((await run(process.execPath, [BIN, 'ingest', 'a.csv', '--table', 'n.t', '--json'], { cwd })).stdout);
    const second = JSON.parse((await run(process.execPath, [BIN, 'ingest', 'a.csv', '--table', 'n.t', '--json'], { cwd })).stdout);
    expect(first).toMatchObject({ committed: 1, rows: 2, snapshots: 1 });
    expect(second).toMatchObject({ committed: 0, skipped: 1, snapshots: 0 });
    const scan = await run(process.execPath, [BIN, 'scan', 'n.t', '--csv'], { cwd });
    expect(scan.stdout.trim().split('\n')).toEqual(['id,name', '1,x', '2,y']);
  });
});
