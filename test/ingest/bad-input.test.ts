/**
 * Bad input never blocks good input (invariant 4): each bad file between good ones gets its
 * error report under the errors prefix while the good ones are committed; with
 * `on_error: continue` the good rows of a file are kept and the rejected ones written as NDJSON.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitBatch } from '../../lib/ingest/commit-batch.js';
import type { CommitRequest } from '../../lib/ingest/commit-request.js';
import { parseIngestConfig, settingsForTable } from '../../lib/ingest/config.js';
import { type ConvertContext, convertObject } from '../../lib/ingest/convert-object.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { fileIOForTable } from '../../lib/storage/resolve.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { readTableWithIcebird } from '../support/icebird.js';

describe('bad input suite', () => {
  let env: TestCatalog;
  let landing: string;
  beforeAll(async () => {
    env = await startTestCatalog();
    landing = await mkdtemp(join(tmpdir(), 'floe-landing-'));
  });
  afterAll(async () => {
    await env?.close();
    await rm(landing, { recursive: true, force: true });
  });

  it('reports each bad file and ingests the good files around it', async () => {
    const config = parseIngestConfig({
      routes: [
        { prefix: 'strict/', table: 'db.strict_t', schema_policy: 'strict' },
        { prefix: 'partial/', table: 'db.partial_t', on_error: 'continue' },
        { prefix: 'nocreate/', table: 'db.never', auto_create: false },
      ],
      defaults: { format: { csv: { header: true } } },
    });
    const files: Record<string, string | Uint8Array> = {
      'strict/1-good.csv': 'id,name\n1,a\n',
      'strict/2-extra-column.csv': 'id,name,surprise\n2,b,c\n',
      'strict/3-bad-int.csv': 'id,name\nzz,c\n',
      'strict/4-good.csv': 'id,name\n4,d\n',
      'strict/5-broken.csv.gz': new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]),
      'strict/6-good.csv.gz': gzipSync('id,name\n6,f\n'),
      'strict/7-unterminated.csv': 'id,name\n7,"never closed\n',
      'strict/8-too-big.csv': `id,name\n${'8,h\n'.repeat(2000)}`,
      'partial/0.csv': 'id,v\n0,5\n',
      'partial/1.csv': 'id,v\n1,10\n2,oops\n3,30\n',
      'nocreate/1.csv': 'id\n1\n',
    };
    const objects = [];
    for (const [key, body] of Object.entries(files)) {
      const path = join(landing, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body);
      objects.push({ bucket: 'landing', key, size: (await stat(path)).size, etag: `e-${key}`, eventTime: Date.now() });
    }
    const requests: CommitRequest[] = [];
    const context: ConvertContext = {
      catalog: env.catalog,
      config,
      landingIo: new LocalFileIO(),
      objectUri: (o) => join(landing, o.key),
      errorsLocation: () => join(landing, '_floe/errors/'),
      reservedPrefixes: ['_floe/'],
      tableIo: (t) => fileIOForTable(t),
      queue: { send: async (r) => void requests.push(r) },
      maxFileBytes: 4096,
    };
    const outcomes = [];
    for (const object of objects) outcomes.push(await convertObject(object, context));
    expect(Object.fromEntries(outcomes.map((o) => [o.key, o.status]))).toEqual({
      'strict/1-good.csv': 'enqueued',
      'strict/2-extra-column.csv': 'rejected',
      'strict/3-bad-int.csv': 'rejected',
      'strict/4-good.csv': 'enqueued',
      'strict/5-broken.csv.gz': 'rejected',
      'strict/6-good.csv.gz': 'enqueued',
      'strict/7-unterminated.csv': 'rejected',
      'strict/8-too-big.csv': 'rejected',
      'partial/0.csv': 'enqueued',
      'partial/1.csv': 'enqueued',
      'nocreate/1.csv': 'rejected',
    });

    const report = async (key: string) =>
      JSON.parse(await readFile(join(landing, '_floe/errors', `${key}.error.json`), 'utf8'));
    expect(await report('strict/2-extra-column.csv')).toMatchObject({
      table: 'db.strict_t',
      outcome: 'rejected',
      column: 'surprise',
      reason: expect.stringContaining('strict'),
    });
    expect(await report('strict/3-bad-int.csv')).toMatchObject({ line: 2, column: 'id', value: 'zz' });
    expect((await report('strict/5-broken.csv.gz')).reason).toMatch(/gzip|deflate|compress|corrupt|invalid/i);
    expect(await report('strict/7-unterminated.csv')).toMatchObject({ error: 'BadInputError' });
    expect((await report('strict/8-too-big.csv')).reason).toMatch(/over the limit of 4096/);
    expect(await report('nocreate/1.csv')).toMatchObject({ error: 'TableMissingError', table: 'db.never' });
    const partial = await report('partial/1.csv');
    expect(partial).toMatchObject({
      outcome: 'partial',
      rejectedRowCount: 1,
      rejectedRows: [{ line: 3, column: 'v', value: 'oops' }],
    });
    const ndjson = (await readFile(partial.rejectedRowsFile, 'utf8')).trim().split('\n');
    expect(ndjson).toHaveLength(1);
    // the landed objects are untouched
    expect(await readFile(join(landing, 'strict/3-bad-int.csv'), 'utf8')).toBe(files['strict/3-bad-int.csv']);

    const result = await commitBatch(requests, {
      catalog: env.catalog,
      tableIo: (t) => fileIOForTable(t),
      dedupWindowMs: (t) => settingsForTable(config, t).dedupWindowMs,
    });
    expect(result.tables.map((t) => t.outcome)).toEqual(['committed', 'committed']);
    const strict = await env.catalog.loadTable({ namespace: ['db'], name: 'strict_t' });
    expect((await readTableWithIcebird(strict.metadataLocation)).map((r) => Number(r.id)).sort()).toEqual([1, 4, 6]);
    const kept = await env.catalog.loadTable({ namespace: ['db'], name: 'partial_t' });
    expect((await readTableWithIcebird(kept.metadataLocation)).map((r) => Number(r.id)).sort()).toEqual([0, 1, 3]);
  });
});
