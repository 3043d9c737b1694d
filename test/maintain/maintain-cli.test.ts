/**
 * `floe maintain` as a user runs it: a child process over a `.floe` directory with a table that
 * `floe ingest` filled, a dry run that changes nothing, then compaction + expiry + orphan removal
 * with `--older-than 0s`; rows checked with `floe scan`, the ledger markers on disk.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
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

describe('floe maintain', () => {
  it('dry run changes nothing; a real run compacts, expires and keeps every row and ingest id', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'floe-maintain-'));
    dirs.push(cwd);
    const floe = async (...args: string[]) => (await run(process.execPath, [BIN, ...args], { cwd })).stdout;
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const [i, n] of names.entries()) await writeFile(join(cwd, `${n}.csv`), `id,name\n${i},${n}\n`);
    await floe('ingest', ...names.map((n) => `${n}.csv`), '--table', 'n.t');
    await writeFile(join(cwd, 'f.csv'), 'id,name\n5,f\n');
    await floe('ingest', 'f.csv', '--table', 'n.t');

    const dry = JSON.parse(await floe('maintain', 'n.t', '--dry-run', '--json', '--older-than', '0s'));
    expect(dry.reports.find((r: { operation: string }) => r.operation === 'compact').groups[0]).toMatchObject({
      inputFiles: 6,
      outcome: 'planned',
    });
    expect(dry.reports.find((r: { operation: string }) => r.operation === 'expire').expiredSnapshots).toBe(1);
    const history = (await floe('history', 'n.t', '--json')).trim().split('\n');
    expect(history).toHaveLength(2);

    const text = await floe('maintain', '--older-than', '0s');
    expect(text).toMatch(/n\.t\n {2}compact: {3}6 small file\(s\) → 1 in 1 group/);
    expect(text).toMatch(/expire: {4}2 snapshot\(s\) expired, 1 kept, 10 file\(s\) deleted, 6 ingest id/);
    expect((await floe('history', 'n.t', '--json')).trim().split('\n')).toHaveLength(1);
    const scan = await floe('scan', 'n.t', '--csv');
    expect(scan.trim().split('\n').slice(1).sort()).toEqual(['0,a', '1,b', '2,c', '3,d', '4,e', '5,f']);
    // The expired snapshots' ingest ids live on as markers.
    const [uuid] = await readdir(join(cwd, '.floe', 'ledger'));
    expect(await readdir(join(cwd, '.floe', 'ledger', uuid as string))).toHaveLength(6);

    const usage = await run(process.execPath, [BIN, 'maintain', '--older-than', 'soon'], { cwd }).catch((e) => e);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--older-than "soon" is not a duration/);
  });

  it('applies the maintenance block of the routes config: enabled false skips the table', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'floe-maintain-cfg-'));
    dirs.push(cwd);
    const floe = async (...args: string[]) => (await run(process.execPath, [BIN, ...args], { cwd })).stdout;
    for (const n of ['a', 'b']) {
      await writeFile(join(cwd, `${n}.csv`), `id,name\n1,${n}\n`);
      await floe('ingest', `${n}.csv`, '--table', 'n.t');
    }
    const config = { routes: [{ prefix: 'x/', table: 'n.t', maintenance: { enabled: false } }] };
    await writeFile(join(cwd, 'maint.json'), JSON.stringify(config));
    const text = await floe('maintain', 'n.t', '--older-than', '0s', '--config', 'maint.json');
    expect(text).toMatch(/n\.t\n {2}skipped: maintenance disabled/);
    expect((await floe('history', 'n.t', '--json')).trim().split('\n')).toHaveLength(2);
  });
});
