/**
 * `floe ingest --select/--where`, `--mode overwrite --partition` and `floe backfill --from-table`
 * as commands (issue 17), each a child process on the embedded catalog under `.floe`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { openLocalTable } from '../../lib/local/table-paths.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');
const exec = promisify(execFile);
let cwd: string;
afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

/** The table's rows as `id,day,kind` text, read by DuckDB from the live data files under `.floe/warehouse`. */
async function rowsOf(name: string): Promise<string[]> {
  // Default table folders are `<table>-<uuid>` (unique per table, issue #12).
  const folder = (await readdir(join(cwd, '.floe', 'warehouse', 'n'))).find((f) => f.startsWith(`${name}-`));
  const table = await openLocalTable(join(cwd, '.floe', 'warehouse', 'n', folder ?? name));
  const files = (await liveDataFiles(table.io, table.metadata)).map((e) => table.io.resolve(e.data_file.file_path));
  const db = await openDuckDb();
  try {
    const rows = await db.query(
      `SELECT id, CAST(day AS VARCHAR) AS day, kind FROM read_parquet([${files.map(sqlString).join(', ')}]) ORDER BY id`,
    );
    return rows.map((r) => `${r.id},${r.day},${r.kind}`);
  } finally {
    db.close();
  }
}

const floe = async (...args: string[]) => (await exec(process.execPath, [BIN, ...args], { cwd })).stdout;
const SELECT = 'id, CAST(ts AS DATE) AS day, upper(kind) AS kind';

describe('floe ingest / backfill with transforms', () => {
  it('creates with a projection, overwrites one partition, and loads a table into another', async () => {
    cwd = await mkdtemp(join(tmpdir(), 'floe-transform-cli-'));
    await writeFile(
      join(cwd, 'floe.config.json'),
      JSON.stringify({ defaults: { auto_create: { partition_spec: [{ column: 'day' }] } } }),
    );
    await writeFile(
      join(cwd, 'a.csv'),
      'id,ts,kind\n1,2024-01-15 10:00:00,a\n2,2024-01-15 11:00:00,b\n3,2024-01-16 09:00:00,a\n4,2024-01-16 10:00:00,skip\n',
    );
    await writeFile(join(cwd, 'fix.csv'), 'id,ts,kind\n2,2024-01-15 11:00:00,fixed\n');

    const created = JSON.parse(
      await floe('ingest', 'a.csv', '--table', 'n.events', '--select', SELECT, '--where', "kind <> 'skip'", '--json'),
    );
    expect(created).toMatchObject({ committed: 1, rows: 3 });
    const replaced = JSON.parse(
      await floe(
        'ingest',
        'fix.csv',
        '--table',
        'n.events',
        '--select',
        SELECT,
        '--mode',
        'overwrite',
        '--partition',
        'day=2024-01-15',
        '--json',
      ),
    );
    expect(replaced).toMatchObject({ mode: 'overwrite', committed: 1, rows: 1, snapshots: 1 });
    expect(await rowsOf('events')).toEqual(['2,2024-01-15,FIXED', '3,2024-01-16,A']);

    const loaded = JSON.parse(
      await floe(
        'backfill',
        '--from-table',
        'n.events',
        '--table',
        'n.copy',
        '--select',
        'id, day, kind',
        '--where',
        "day = '2024-01-16'",
        '--json',
      ),
    );
    expect(loaded).toMatchObject({ committed: 1, rows: 1 });
    expect(await rowsOf('copy')).toEqual(['3,2024-01-16,A']);

    await expect(floe('ingest', 'a.csv', '--table', 'n.events', '--select', 'frob(id) AS x')).rejects.toMatchObject({
      stderr: expect.stringMatching(/unknown function frob in "frob\(id\)"/),
    });
  }, 300_000);
});
