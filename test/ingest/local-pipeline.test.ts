/**
 * The local ingest path `floe ingest <file…>` ships (and `floe backfill` shares): local files
 * planned with their content versions, converted and committed by `runBackfill` through
 * `localBackfillContext`, on floe's embedded catalog over HTTP. Plus `dryRunObject`
 * (`floe ingest --dry-run`).
 */
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdentifier } from '../../lib/catalog/catalog.js';
import { runBackfill } from '../../lib/ingest/backfill.js';
import { type IngestConfig, parseIngestConfig } from '../../lib/ingest/config.js';
import { dryRunObject } from '../../lib/ingest/dry-run.js';
import { ingestId } from '../../lib/ingest/ingest-id.js';
import { SUMMARY_INGEST_IDS } from '../../lib/ingest/ingest-ledger.js';
import { type CatalogConnection, connectCatalog } from '../../lib/local/catalog-connection.js';
import { localBackfillContext, planLocalFiles, singleTableConfig } from '../../lib/local/local-backfill.js';
import { localLandedObject } from '../../lib/local/local-objects.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { readTableWithIcebird } from '../support/icebird.js';

let dir: string;
let connection: CatalogConnection;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-local-ingest-'));
  connection = await connectCatalog({ dir: join(dir, '.floe') });
});
afterAll(async () => {
  await connection?.close();
  await rm(dir, { recursive: true, force: true });
});

/** What `floe ingest <paths…> --table <table>` runs. */
async function ingest(paths: string[], table: string, config?: IngestConfig) {
  const files = await Promise.all(
    paths.map(async (path) => {
      const s = await stat(path);
      return { path, size: s.size, lastModifiedMs: s.mtimeMs };
    }),
  );
  const plan = await planLocalFiles(files);
  return runBackfill(plan, localBackfillContext(connection, parseIdentifier(table), dir, config), {
    mode: 'append',
    concurrency: 2,
    filesPerSnapshot: 10_000,
  });
}

async function tableIds(table: string): Promise<number[]> {
  const loaded = await connection.catalog.loadTable(parseIdentifier(table));
  const rows = await readTableWithIcebird(loaded.metadataLocation);
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

describe('floe ingest: the backfill path on local files', () => {
  it('creates the table, ingests files once, evolves the schema, and reports a bad file', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const bad = join(dir, 'bad.csv');
    await writeFile(a, 'id,name\n1,ann\n2,bob\n');
    await writeFile(b, 'id,name,score\n3,cy,1.5\n');
    await writeFile(bad, 'id,name\n4,dee\nnot-a-number,eve\n');
    const first = await ingest([a], 'db.people');
    expect(first).toMatchObject({ committed: 1, rows: 2, snapshots: 1 });

    // a again (duplicate: skipped before any work), b (new column), bad (rejected)
    const second = await ingest([a, b, bad], 'db.people');
    expect(second).toMatchObject({ skipped: 1, committed: 1, rejected: 1, snapshots: 1 });

    const loaded = await connection.catalog.loadTable(parseIdentifier('db.people'));
    const schema = loaded.metadata.schemas.find((s) => s['schema-id'] === loaded.metadata['current-schema-id']);
    expect(schema?.fields.map((f) => f.name)).toEqual(['id', 'name', 'score']);
    expect(loaded.metadata.snapshots.at(-1)?.summary[SUMMARY_INGEST_IDS]).toMatch(/^i[0-9a-f]{24}$/);
    expect(await tableIds('db.people')).toEqual([1, 2, 3]);

    const reportPath = second.rejections[0]?.reportPath as string;
    expect(second.rejections[0]?.path).toBe(bad);
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    expect(report).toMatchObject({
      table: 'db.people',
      outcome: 'rejected',
      error: 'BadInputError',
      line: 3,
      column: 'id',
      value: 'not-a-number',
    });
    expect(report.ingestId).toMatch(/^i/);
  });

  it('identifies a local file by its bytes: touched is not new data, rewritten is', async () => {
    const f = join(dir, 'same.csv');
    await writeFile(f, 'id\n10\n11\n');
    expect(await ingest([f], 'db.touch')).toMatchObject({ committed: 1 });
    // Act: touch (new mtime, same bytes), then ingest again.
    const later = new Date(Date.now() + 60_000);
    await utimes(f, later, later);
    expect(await ingest([f], 'db.touch')).toMatchObject({ committed: 0, skipped: 1 });
    // A rewrite with the same size and mtime is still new data.
    const { mtime } = await stat(f);
    await writeFile(f, 'id\n12\n13\n');
    await utimes(f, mtime, mtime);
    expect(await ingest([f], 'db.touch')).toMatchObject({ committed: 1, skipped: 0 });
    expect(await tableIds('db.touch')).toEqual([10, 11, 12, 13]);
  });

  it('floe dev derives the same version for a touched file (localLandedObject)', async () => {
    const f = join(dir, 'landing', 'x.csv');
    await mkdir(join(dir, 'landing'), { recursive: true });
    await writeFile(f, 'id\n1\n');
    const before = await localLandedObject(f, await stat(f), join(dir, 'landing'));
    const later = new Date(Date.now() + 120_000);
    await utimes(f, later, later);
    const after = await localLandedObject(f, await stat(f), join(dir, 'landing'));
    expect(after.etag).toBe(before.etag);
    expect(ingestId(after)).toBe(ingestId(before));
    expect(after.eventTime).not.toBe(before.eventTime);
  });

  it('auto-creates with the configured partition spec', async () => {
    const config = parseIngestConfig({
      routes: [
        { match: '**', table: 'db.events', auto_create: { partition_spec: [{ column: 'day', transform: 'day' }] } },
      ],
    });
    const f = join(dir, 'events.csv');
    await writeFile(f, 'id,day\n1,2024-01-02\n2,2024-01-03\n3,2024-01-03\n');
    const result = await ingest([f], 'db.events', config);
    expect(result).toMatchObject({ committed: 1, rows: 3 });
    const loaded = await connection.catalog.loadTable(parseIdentifier('db.events'));
    expect(loaded.metadata['partition-specs'].at(-1)?.fields).toMatchObject([
      { name: 'day_day', transform: 'day', 'source-id': 2 },
    ]);
  });
});

describe('dryRunObject (floe ingest --dry-run)', () => {
  const io = new LocalFileIO();
  const dryRun = async (path: string, config: IngestConfig) => {
    const s = await stat(path);
    const object = { bucket: 'local', key: basename(path), size: s.size, etag: 'dry-run', eventTime: s.mtimeMs };
    return dryRunObject(object, () => io.readStream(path), config, connection.catalog);
  };

  it('shows the schema and row count and writes nothing', async () => {
    await mkdir(join(dir, 'dry'), { recursive: true });
    const c = join(dir, 'dry', 'c.csv');
    await writeFile(c, 'id,when\n1,2024-01-02\n2,2024-01-03\n');
    const outcome = await dryRun(c, singleTableConfig(parseIdentifier('db.dry')));
    expect(outcome).toMatchObject({ status: 'dry-run', rows: 2, tableExists: false });
    expect((outcome as { schema: { fields: Array<{ type: string }> } }).schema.fields.map((f) => f.type)).toEqual([
      'int',
      'date',
    ]);
    expect(await connection.catalog.tableExists(parseIdentifier('db.dry'))).toBe(false);
  });

  it('names the line and column of a bad value, and the reason of an unroutable key', async () => {
    await ingest([join(dir, 'a.csv')], 'db.people');
    const bad = join(dir, 'dry', 'bad.csv');
    await writeFile(bad, 'id,name\n4,dee\nnot-a-number,eve\n');
    expect(await dryRun(bad, singleTableConfig(parseIdentifier('db.people')))).toMatchObject({
      status: 'dry-run',
      tableExists: true,
      error: { line: 3, column: 'id' },
    });
    const loose = join(dir, 'loose.csv');
    await writeFile(loose, 'id\n1\n');
    expect(await dryRun(loose, parseIngestConfig({}))).toMatchObject({
      error: { reason: expect.stringMatching(/<namespace>/) },
    });
  });
});
