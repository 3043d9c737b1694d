/**
 * Issue #19, in process: every hostile file of the corpus is a named error with its line, within
 * a per-test timeout (a hang fails the test), and leaves no spool directory behind. Memory under
 * a watchdog and whole batches through `floe ingest` and the convert handler are in
 * test/cli/hostile-ingest.test.ts and test/functions/hostile-convert.test.ts.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../../lib/formats/bad-input-error.js';
import { inferSchema } from '../../lib/formats/infer.js';
import { readBatches } from '../../lib/formats/read-batches.js';
import { RowErrorCollector } from '../../lib/formats/row-errors.js';
import { hostileCases, TEST_LIMITS } from '../fixtures/hostile/corpus.js';
import { bytesOf, schemaOf } from './roundtrip.js';

const options = { limits: TEST_LIMITS };

/** What the pipeline does with a landed file: infer, then read every batch. */
async function ingest(name: string, bytes: Uint8Array, onError: 'abort' | 'continue' = 'abort') {
  const schema = await inferSchema(() => bytesOf(bytes, 64 * 1024), name, options);
  const rowErrors = new RowErrorCollector(onError);
  let rows = 0;
  for await (const b of readBatches(bytesOf(bytes, 64 * 1024), name, schema, options, rowErrors)) rows += b.numRows;
  return { schema, rows, rejected: rowErrors.rows };
}

describe('hostile corpus (issue #19): a named error for each file, no hang, nothing left behind', () => {
  let spoolRoot: string;
  const tmp = process.env.TMPDIR;
  beforeAll(async () => {
    // The Parquet reader spools under os.tmpdir(): point it at a directory this test can audit.
    spoolRoot = await mkdtemp(join(tmpdir(), 'floe-hostile-'));
    process.env.TMPDIR = spoolRoot;
  });
  afterAll(async () => {
    process.env.TMPDIR = tmp;
    await rm(spoolRoot, { recursive: true, force: true });
  });

  for (const c of hostileCases()) {
    it(c.name, { timeout: 30_000 }, async () => {
      const error = await ingest(c.name, c.bytes).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(BadInputError);
      const e = error as BadInputError;
      expect(e.name).toBe(c.error.name);
      expect(e.reason).toMatch(c.error.reason);
      expect(e.file).toBe(c.name);
      if (c.error.line !== undefined) expect(e.line).toBe(c.error.line);
      if (c.error.column !== undefined) expect(e.column).toBe(c.error.column);
      expect((await readdir(spoolRoot)).filter((n) => n.startsWith('floe-'))).toEqual([]);
    });
  }

  it('a good Parquet file still reads after a corrupt one crashed the decoder', { timeout: 30_000 }, async () => {
    const { parquetOf, corruptParquet } = await import('../fixtures/hostile/corpus.js');
    const arrow = await import('apache-arrow');
    await expect(ingest('bad.parquet', corruptParquet())).rejects.toMatchObject({ name: 'ParquetDecodeError' });
    const good = parquetOf(arrow.tableFromArrays({ a: Int32Array.of(1, 2, 3) }));
    expect((await ingest('good.parquet', good)).rows).toBe(3);
    expect((await readdir(spoolRoot)).filter((n) => n.startsWith('floe-'))).toEqual([]);
  });
});

describe('values and row errors (issue #19)', () => {
  it('reads tiny doubles exactly (more than 22 digits after the point) and infers double for them', async () => {
    const csv = 'x\n0.00000000000000000000001\n1.5\n-0.000000000000000000000000000123\n';
    const { schema } = await ingest('tiny.csv', new TextEncoder().encode(csv));
    expect(schema.fields[0]?.type).toBe('double');
    const values: number[] = [];
    for await (const b of readBatches(bytesOf(csv), 'tiny.csv', schema, options, new RowErrorCollector('abort')))
      values.push(...(b.getChildAt(0)!.toArray() as Float64Array));
    expect(values).toEqual([1e-23, 1.5, -1.23e-28]);
  });

  it('on_error continue: a ragged CSV row and a bad NDJSON line are row errors for a new table too', async () => {
    const csv = await ingest('ragged.csv', new TextEncoder().encode('a,b\n1,2\n3\n4,5\n'), 'continue');
    expect(csv.schema.fields.map((f) => [f.name, f.type])).toEqual([
      ['a', 'int'],
      ['b', 'int'],
    ]);
    expect(csv.rows).toBe(2);
    expect(csv.rejected).toMatchObject([{ line: 3, reason: 'expected 2 fields, found 1' }]);
    const json = await ingest(
      'bad-line.ndjson',
      new TextEncoder().encode('{"a": 1}\nnot json\n{"a": 2}\n'),
      'continue',
    );
    expect(json.rows).toBe(2);
    expect(json.rejected.length).toBeGreaterThan(0);
    expect(json.rejected.every((r) => r.line === 2)).toBe(true);
    // abort still rejects the file at that row
    await expect(ingest('ragged.csv', new TextEncoder().encode('a,b\n1,2\n3\n'))).rejects.toMatchObject({
      line: 3,
      reason: 'expected 2 fields, found 1',
    });
  });

  it('a lone surrogate is a row error; a proper pair is kept', async () => {
    const ok = await ingest('pair.ndjson', new TextEncoder().encode('{"a": "\\ud83d\\ude00"}\n'));
    expect(ok.rows).toBe(1);
    const cont = await ingest('lone.ndjson', new TextEncoder().encode('{"a": "x"}\n{"a": "\\udc00y"}\n'), 'continue');
    expect(cont.rows).toBe(1);
    expect(cont.rejected[0]).toMatchObject({ line: 2 });
    expect(cont.rejected[0]?.reason).toMatch(/lone surrogate/);
  });

  it('the caps come from the options: a wide file passes under a raised maxColumns', async () => {
    const header = Array.from({ length: 600 }, (_, i) => `c${i}`).join(',');
    const bytes = new TextEncoder().encode(`${header}\n${header}\n`);
    await expect(ingest('wide.csv', bytes)).rejects.toMatchObject({ name: 'LimitExceededError' });
    const schema = await inferSchema(() => bytesOf(bytes), 'wide.csv', { limits: { maxColumns: 600 } });
    expect(schema.fields).toHaveLength(600);
  });

  it('a new column that differs only in case from a table column is a ColumnNameError', async () => {
    const { alignToTable } = await import('../../lib/formats/align.js');
    const table = { ...schemaOf([['id', 'int']]), 'schema-id': 0 };
    expect(() => alignToTable(table, schemaOf([['Id', 'int']]), 'evolve', { fileName: 'f.csv' })).toThrow(
      /"id" and "Id" differ only in case/,
    );
    // with caseInsensitive the file's Id is the table's id
    expect(alignToTable(table, schemaOf([['Id', 'int']]), 'evolve', { caseInsensitive: true }).evolved).toBe(false);
  });
});
