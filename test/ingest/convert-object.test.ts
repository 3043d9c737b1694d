import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedTable } from '../../lib/catalog/catalog.js';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { currentSchema } from '../../lib/iceberg/metadata.js';
import { commitBatch } from '../../lib/ingest/commit-batch.js';
import type { CommitRequest } from '../../lib/ingest/commit-request.js';
import { defaultIngestConfig, parseIngestConfig } from '../../lib/ingest/config.js';
import { type ConvertContext, type ConvertOutcome, convertObject } from '../../lib/ingest/convert-object.js';
import { dataFileShapeHash } from '../../lib/ingest/data-file-names.js';
import { commitSchema, nextSchemaId } from '../../lib/ingest/table-setup.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { readTableWithIcebird } from '../support/icebird.js';

type Enqueued = Extract<ConvertOutcome, { status: 'enqueued' }>;

describe('convertObject: deterministic data file names, late duplicates, one read', () => {
  let env: TestCatalog;
  let landing: string;
  const sent: CommitRequest[] = [];
  const io = new LocalFileIO();
  let context: ConvertContext;

  beforeAll(async () => {
    env = await startTestCatalog();
    landing = await mkdtemp(join(tmpdir(), 'floe-convert-object-'));
    context = {
      catalog: env.catalog,
      config: defaultIngestConfig(),
      landingIo: io,
      objectUri: (o) => join(landing, o.key),
      errorsLocation: () => join(landing, '_floe/errors/'),
      reservedPrefixes: ['_floe/'],
      tableIo: () => io,
      queue: { send: async (r) => void sent.push(r) },
    };
  });
  afterAll(async () => {
    await env?.close();
    await rm(landing, { recursive: true, force: true });
  });

  async function land(key: string, text: string): Promise<void> {
    await mkdir(join(landing, key, '..'), { recursive: true });
    await writeFile(join(landing, key), text);
  }
  async function convert(key: string): Promise<ConvertOutcome> {
    const size = (await stat(join(landing, key))).size;
    return convertObject({ bucket: 'landing', key, size, etag: `etag-${key}-${size}`, eventTime: 0 }, context);
  }
  async function convertEnqueued(key: string): Promise<Enqueued> {
    const outcome = await convert(key);
    if (outcome.status !== 'enqueued')
      throw new Error(`${key}: ${outcome.status} ${'reason' in outcome ? outcome.reason : ''}`);
    return outcome;
  }
  const paths = (o: Enqueued) => o.request.dataFiles.map((f) => f.file_path);
  const commit = (requests: CommitRequest[]) =>
    commitBatch(requests, { catalog: env.catalog, tableIo: () => io, dedupWindowMs: () => 86_400_000 });
  const load = (name: string): Promise<LoadedTable> => env.catalog.loadTable({ namespace: ['det'], name });
  async function dataFilesOf(table: LoadedTable): Promise<string[]> {
    const dir = `${table.metadata.location.replace(/^file:\/\//, '')}/data`;
    return (await readdir(dir)).filter((f) => f.endsWith('.parquet')).sort();
  }

  it('converting the same object twice writes the same paths with identical bytes', async () => {
    await land('det/orders/a.csv', 'id,name\n1,ann\n2,bob\n');
    const first = await convertEnqueued('det/orders/a.csv');
    expect(first.passes).toBe(2); // the table was created: inferred first
    const bytes = await Promise.all(paths(first).map((p) => readFile(p.replace(/^file:\/\//, ''))));

    const again = await convertEnqueued('det/orders/a.csv');
    expect(again.passes).toBe(1); // existing table, header fits
    expect(paths(again)).toEqual(paths(first));
    expect(paths(first)[0]).toContain(`/${first.ingestId}-`);
    const rewritten = await Promise.all(paths(again).map((p) => readFile(p.replace(/^file:\/\//, ''))));
    expect(rewritten).toEqual(bytes);
    expect(again.request.dataFiles).toEqual(first.request.dataFiles);
    expect(await dataFilesOf(await load('orders'))).toHaveLength(1);
  });

  it('after a schema evolution the same object gets new paths; committed files keep their bytes', async () => {
    await land('det/orders/b.csv', 'id,name,score\n3,cy,1.5\n');
    const before = sent.find((r) => r.sourceKey === 'det/orders/a.csv')!;
    const beforeBytes = await readFile(before.dataFiles[0]!.file_path.replace(/^file:\/\//, ''));
    const b = await convertEnqueued('det/orders/b.csv');
    expect(b.passes).toBe(2); // a new column: inferred, schema evolved
    expect(currentSchema((await load('orders')).metadata).fields.map((f) => f.name)).toEqual(['id', 'name', 'score']);

    const after = await convertEnqueued('det/orders/a.csv');
    expect(after.ingestId).toBe(before.ingestId);
    expect(paths(after)).not.toEqual(before.dataFiles.map((f) => f.file_path));
    expect(await readFile(before.dataFiles[0]!.file_path.replace(/^file:\/\//, ''))).toEqual(beforeBytes);
  });

  it('skips an object whose ingest id the table already holds, before converting', async () => {
    const a = sent.find((r) => r.sourceKey === 'det/orders/a.csv')!;
    const b = sent.find((r) => r.sourceKey === 'det/orders/b.csv')!;
    const result = await commit([a, b]);
    expect(result.tables[0]?.outcome).toBe('committed');
    const filesBefore = await dataFilesOf(await load('orders'));
    const sentBefore = sent.length;

    const late = await convert('det/orders/a.csv');
    expect(late).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/already committed/) });
    expect(sent).toHaveLength(sentBefore);
    expect(await dataFilesOf(await load('orders'))).toEqual(filesBefore);
  });

  it('converts in one read when the columns fit, and reads twice when a value needs a wider type', async () => {
    await land('det/wide/a.csv', 'id,amount\n1,10\n2,20\n');
    const first = await convertEnqueued('det/wide/a.csv');
    await commit([first.request]);
    expect(currentSchema((await load('wide')).metadata).fields.map((f) => f.type)).toEqual(['int', 'int']);

    // Columns in another order, one missing: fits the table, one pass.
    await land('det/wide/b.csv', 'amount,id\n30,3\n');
    const b = await convertEnqueued('det/wide/b.csv');
    expect(b.passes).toBe(1);
    // A gzipped file's header is peeked through the decompressor.
    await mkdir(join(landing, 'det/wide'), { recursive: true });
    await writeFile(join(landing, 'det/wide/d.csv.gz'), gzipSync('id,amount\n5,50\n'));
    const d = await convertEnqueued('det/wide/d.csv.gz');
    expect(d).toMatchObject({ passes: 1, rows: 1 });

    // 3e9 overflows int; `evolve` may widen int→long, so the file falls back to inference.
    await land('det/wide/c.csv', 'id,amount\n4,3000000000\n');
    const c = await convertEnqueued('det/wide/c.csv');
    expect(c.passes).toBe(2);
    const table = await load('wide');
    expect(currentSchema(table.metadata).fields.find((f) => f.name === 'amount')?.type).toBe('long');
    // The one-pass attempt's files were removed: only a, b, d and c's final files are in the data directory.
    expect(await dataFilesOf(table)).toHaveLength(4);
    await commit([b.request, c.request, d.request]);

    const rows = await readTableWithIcebird((await load('wide')).metadataLocation);
    expect(rows.map((r) => [Number(r.id), Number(r.amount)]).sort((x, y) => x[0]! - y[0]!)).toEqual([
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 3_000_000_000],
      [5, 50],
    ]);
  });

  it('reads a small JSON file once (its sample is the whole file)', async () => {
    await land('det/events/a.json', '{"id":1,"kind":"x"}\n{"id":2,"kind":"y"}\n');
    const first = await convertEnqueued('det/events/a.json');
    await commit([first.request]);
    await land('det/events/b.json', '{"kind":"z","id":3}\n');
    expect((await convertEnqueued('det/events/b.json')).passes).toBe(1);
    await land('det/events/c.json', '{"id":4,"kind":"w","extra":true}\n');
    const c = await convertEnqueued('det/events/c.json');
    expect(c.passes).toBe(2);
    expect(currentSchema((await load('events')).metadata).fields.map((f) => f.name)).toEqual(['id', 'kind', 'extra']);
  });
  it("a retry that fails midway (transient) leaves the earlier attempt's files in place", async () => {
    const partitioned: ConvertContext = {
      ...context,
      config: parseIngestConfig({
        defaults: { auto_create: { partition_spec: [{ column: 'k', transform: 'identity' }] } },
      }),
    };
    await land('det/parts/a.csv', 'k,v\na,1\nb,2\nc,3\n');
    const object = { bucket: 'landing', key: 'det/parts/a.csv', size: 20, etag: 'parts-a', eventTime: 0 };
    const first = await convertObject(object, partitioned);
    if (first.status !== 'enqueued') throw new Error(first.status);
    expect(first.request.dataFiles).toHaveLength(3);
    const bytes = await Promise.all(paths(first).map((p) => readFile(p.replace(/^file:\/\//, ''))));

    // The retry's third file write fails (a dropped connection): the writer aborts and asks to
    // delete what it wrote, which are the same paths the first attempt may have committed.
    let writes = 0;
    const flaky: FileIO = new Proxy(io, {
      get(target, prop) {
        if (prop === 'writeStream')
          return (path: string, chunks: AsyncIterable<Uint8Array>) =>
            ++writes === 3 ? Promise.reject(new Error('socket hang up')) : target.writeStream(path, chunks);
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    await expect(convertObject(object, { ...partitioned, tableIo: () => flaky })).rejects.toThrow(/writing failed/);
    expect(writes).toBe(3);
    const after = await Promise.all(paths(first).map((p) => readFile(p.replace(/^file:\/\//, ''))));
    expect(after).toEqual(bytes);
  });

  /** The test catalog with `hooks` run before the named methods (a real race, not a stub). */
  function catalogWith(hooks: Partial<Record<'createTable' | 'commitTable', (...args: unknown[]) => Promise<void>>>) {
    return new Proxy(env.catalog, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        const hook = hooks[prop as keyof typeof hooks];
        if (typeof value !== 'function') return value;
        if (!hook) return value.bind(target);
        return async (...args: unknown[]) => {
          await hook(...args);
          return value.apply(target, args);
        };
      },
    });
  }

  it('two first files of a new table race to create it: one creates, the other loads it, both land', async () => {
    await land('det/race/a.csv', 'id,name\n1,a\n');
    await land('det/race/b.csv', 'id,name\n2,b\n');
    let arrived = 0;
    let release: () => void = () => {};
    const bothArrived = new Promise<void>((r) => {
      release = r;
    });
    const racing = {
      ...context,
      catalog: catalogWith({
        createTable: async (_namespace, request) => {
          if ((request as { 'stage-create'?: boolean })['stage-create']) return; // staging creates nothing
          if (++arrived === 2) release();
          await bothArrived;
        },
      }),
    };
    const size = (key: string) => stat(join(landing, key)).then((s) => s.size);
    const outcomes = await Promise.all(
      ['det/race/a.csv', 'det/race/b.csv'].map(async (key) =>
        convertObject({ bucket: 'landing', key, size: await size(key), etag: `race-${key}`, eventTime: 0 }, racing),
      ),
    );
    expect(arrived).toBe(2);
    expect(outcomes.map((o) => o.status)).toEqual(['enqueued', 'enqueued']);
    await commit(outcomes.map((o) => (o as Enqueued).request));
    const table = await load('race');
    const rows = await readTableWithIcebird(table.metadataLocation);
    expect(rows.map((r) => Number(r.id)).sort()).toEqual([1, 2]);
    // Each stage picked its own default location; the loser rewrote under the winner's, where
    // the table's vended credentials reach, and left nothing in its staged directory.
    for (const o of outcomes)
      for (const path of paths(o as Enqueued)) expect(path.startsWith(`${table.metadata.location}/`)).toBe(true);
    const namespaceDir = join(table.metadata.location.replace(/^file:\/\//, ''), '..');
    const stray = (await readdir(namespaceDir)).filter((n) => n.startsWith('race-'));
    for (const name of stray)
      if (!table.metadata.location.endsWith(`/${name}`))
        expect(await readdir(join(namespaceDir, name, 'data')).catch(() => [])).toEqual([]);
  });

  it('a table created between the load and the stage (stage-create answers 409) is loaded and used', async () => {
    await land('det/late/a.csv', 'id,name\n1,a\n');
    await land('det/late/b.csv', 'id,name\n2,b\n');
    let created = false;
    const late = {
      ...context,
      catalog: catalogWith({
        createTable: async (_namespace, request) => {
          // Another writer creates the table just before this file stages it.
          if (!created && (request as { 'stage-create'?: boolean })['stage-create']) {
            created = true;
            await commit([(await convertEnqueued('det/late/a.csv')).request]);
          }
        },
      }),
    };
    const size = (await stat(join(landing, 'det/late/b.csv'))).size;
    const outcome = await convertObject(
      { bucket: 'landing', key: 'det/late/b.csv', size, etag: 'late-b', eventTime: 0 },
      late,
    );
    expect(created).toBe(true);
    expect(outcome.status).toBe('enqueued');
    await commit([(outcome as Enqueued).request]);
    const table = await load('late');
    for (const path of paths(outcome as Enqueued)) expect(path.startsWith(`${table.metadata.location}/`)).toBe(true);
    const rows = await readTableWithIcebird(table.metadataLocation);
    expect(rows.map((r) => Number(r.id)).sort()).toEqual([1, 2]);
  });

  it('an evolved schema is committed with assert-current-schema-id and retried after another writer evolved it first', async () => {
    await land('det/evolve/a.csv', 'id\n1\n');
    await commit([(await convertEnqueued('det/evolve/a.csv')).request]);
    await land('det/evolve/b.csv', 'id,mine\n2,x\n');
    const requirements: unknown[] = [];
    let outsideDone = false;
    const racing = {
      ...context,
      catalog: catalogWith({
        commitTable: async (_id, change) => {
          requirements.push((change as { requirements: unknown[] }).requirements);
          if (outsideDone) return;
          outsideDone = true;
          // Another writer adds a column between our load and our commit.
          const table = await load('evolve');
          const theirs = currentSchema(table.metadata);
          const last = table.metadata['last-column-id'];
          await commitSchema(
            env.catalog,
            table,
            {
              ...theirs,
              'schema-id': nextSchemaId(table),
              fields: [...theirs.fields, { id: last + 1, name: 'theirs', required: false, type: 'string' }],
            },
            last + 1,
          );
        },
      }),
    };
    const b = await convertObject(
      { bucket: 'landing', key: 'det/evolve/b.csv', size: 12, etag: 'evolve-b', eventTime: 0 },
      racing,
    );
    expect(b.status).toBe('enqueued');
    expect(requirements).toHaveLength(2); // the first attempt hit 409, the second succeeded
    expect(requirements[0]).toContainEqual(expect.objectContaining({ type: 'assert-current-schema-id' }));
    const fields = currentSchema((await load('evolve')).metadata).fields.map((f) => f.name);
    expect(fields).toEqual(['id', 'theirs', 'mine']);
  });
});

describe('dataFileShapeHash', () => {
  const schema = {
    type: 'struct' as const,
    'schema-id': 0,
    fields: [{ id: 1, name: 'id', required: false, type: 'long' as const }],
  };
  const spec = { 'spec-id': 0, fields: [] };
  const base = {
    schema,
    spec,
    formatVersion: 2,
    properties: { 'write.parquet.compression-codec': 'zstd', owner: 'x' },
  };

  it('is stable for the same inputs and ignores properties that do not shape the bytes', () => {
    expect(dataFileShapeHash(base)).toBe(
      dataFileShapeHash({ ...base, properties: { ...base.properties, owner: 'y' } }),
    );
    expect(dataFileShapeHash(base)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('changes with the schema, spec, write properties, format options and on_error', () => {
    const h = dataFileShapeHash(base);
    const variants = [
      { ...base, schema: { ...schema, 'schema-id': 1 } },
      { ...base, schema: { ...schema, fields: [{ ...schema.fields[0]!, type: 'int' as const }] } },
      { ...base, spec: { 'spec-id': 1, fields: [] } },
      { ...base, properties: { ...base.properties, 'write.parquet.compression-codec': 'snappy' } },
      { ...base, properties: { ...base.properties, 'write.metadata.metrics.default': 'counts' } },
      { ...base, options: { csv: { delimiter: ';' } } },
      { ...base, onError: 'continue' as const },
      { ...base, formatVersion: 3 },
    ];
    const hashes = new Set(variants.map((v) => dataFileShapeHash(v)));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(h)).toBe(false);
  });
});
