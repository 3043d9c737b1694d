import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIngestConfig } from '../../lib/ingest/config.js';
import { SUMMARY_INGEST_IDS } from '../../lib/ingest/ingest-ledger.js';
import { runLocalIngest } from '../../lib/ingest/dry-run.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { readTableWithIcebird } from '../support/icebird.js';

describe('runLocalIngest (embedded catalog over HTTP, local warehouse)', () => {
  let env: TestCatalog;
  let dir: string;
  beforeAll(async () => {
    env = await startTestCatalog();
    dir = await mkdtemp(join(tmpdir(), 'floe-local-ingest-'));
  });
  afterAll(async () => {
    await env?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the table, ingests files once, evolves the schema, and reports a bad file', async () => {
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    const bad = join(dir, 'bad.csv');
    await writeFile(a, 'id,name\n1,ann\n2,bob\n');
    await writeFile(b, 'id,name,score\n3,cy,1.5\n');
    await writeFile(bad, 'id,name\n4,dee\nnot-a-number,eve\n');
    const first = await runLocalIngest({ files: [a], table: 'db.people', catalog: env.catalog, root: dir });
    expect(first.files[0]).toMatchObject({ status: 'enqueued', rows: 2 });
    expect(first.commits[0]?.outcome).toBe('committed');

    // a again (duplicate), b (new column), bad (rejected)
    const second = await runLocalIngest({ files: [a, b, bad], table: 'db.people', catalog: env.catalog, root: dir });
    // a late duplicate is skipped before any work: its ingest id is already in the table
    expect(second.files.map((f) => f.status)).toEqual(['skipped', 'enqueued', 'rejected']);
    expect(second.files[0]).toMatchObject({ reason: expect.stringMatching(/already committed/) });
    expect(second.commits[0]?.committedIngestIds).toHaveLength(1);

    const loaded = await env.catalog.loadTable({ namespace: ['db'], name: 'people' });
    const schema = loaded.metadata.schemas.find((s) => s['schema-id'] === loaded.metadata['current-schema-id']);
    expect(schema?.fields.map((f) => f.name)).toEqual(['id', 'name', 'score']);
    const head = loaded.metadata.snapshots.at(-1);
    expect(head?.summary[SUMMARY_INGEST_IDS]).toMatch(/^i[0-9a-f]{24}$/);

    const rows = await readTableWithIcebird(loaded.metadataLocation);
    expect(rows.map((r) => Number(r.id)).sort()).toEqual([1, 2, 3]);

    const report = JSON.parse(await readFile(join(dir, '_floe/errors/bad.csv.error.json'), 'utf8'));
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

  it('dry run shows the schema and row count and writes nothing', async () => {
    await mkdir(join(dir, 'dry'), { recursive: true });
    const c = join(dir, 'dry', 'c.csv');
    await writeFile(c, 'id,when\n1,2024-01-02\n2,2024-01-03\n');
    const result = await runLocalIngest({ files: [c], table: 'db.dry', catalog: env.catalog, dryRun: true, root: dir });
    expect(result.files[0]).toMatchObject({ status: 'dry-run', rows: 2, tableExists: false });
    expect(
      (result.files[0] as { schema: { fields: Array<{ type: string }> } }).schema.fields.map((f) => f.type),
    ).toEqual(['int', 'date']);
    expect(await env.catalog.tableExists({ namespace: ['db'], name: 'dry' })).toBe(false);

    // errors are per file: a bad value names its line and column, an unroutable key its reason
    const bad = join(dir, 'dry', 'bad.csv');
    await writeFile(bad, 'id,name\n4,dee\nnot-a-number,eve\n');
    const badRun = await runLocalIngest({ files: [bad], table: 'db.people', catalog: env.catalog, dryRun: true });
    expect(badRun.files[0]).toMatchObject({ status: 'dry-run', tableExists: true, error: { column: 'id' } });
    const loose = join(dir, 'loose.csv');
    await writeFile(loose, 'id\n1\n');
    const unroutable = await runLocalIngest({ files: [loose], catalog: env.catalog, dryRun: true, root: dir });
    expect(unroutable.files[0]).toMatchObject({ error: { reason: expect.stringMatching(/<namespace>/) } });
  });

  it('auto-creates with the configured partition spec', async () => {
    const config = parseIngestConfig({
      routes: [
        {
          match: '**',
          table: 'db.events',
          archive: true,
          auto_create: { partition_spec: [{ column: 'day', transform: 'day' }] },
        },
      ],
    });
    const f = join(dir, 'events.csv');
    await writeFile(f, 'id,day\n1,2024-01-02\n2,2024-01-03\n3,2024-01-03\n');
    const result = await runLocalIngest({ files: [f], table: 'db.events', config, catalog: env.catalog, root: dir });
    expect(result.files[0]).toMatchObject({ status: 'enqueued', dataFiles: 2 });
    // archive: a copy under _floe/archive/, the original untouched
    expect(await readFile(join(dir, '_floe/archive/events.csv'), 'utf8')).toBe(await readFile(f, 'utf8'));
    const loaded = await env.catalog.loadTable({ namespace: ['db'], name: 'events' });
    expect(loaded.metadata['partition-specs'].at(-1)?.fields).toMatchObject([
      { name: 'day_day', transform: 'day', 'source-id': 2 },
    ]);
  });
});
