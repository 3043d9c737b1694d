/**
 * Compaction applies the table's default sort order (issue #13: "binpack ... (sort order if the
 * table has one)"): the rewritten file's rows come out sorted, read back by DuckDB in file order,
 * and the new data file records carry the order's id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { compactTable } from '../../lib/ingest/maintain/compact.js';
import { compareLiterals, sortBatches } from '../../lib/ingest/maintain/sort-rows.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { countsBySource, type Kit, startKit } from './maintain-kit.js';
import * as arrow from 'apache-arrow';

async function fileRows(path: string): Promise<Array<{ id: number | null; src: string }>> {
  const db = await openDuckDb();
  try {
    // file_row_number keeps the physical order of the file.
    const rows = await db.queryJson(
      `select id::int id, src from read_parquet(${sqlString(path.replace(/^file:\/\//, ''))}, file_row_number = true) order by file_row_number`,
    );
    return rows.map((r) => ({ id: r.id === null ? null : Number(r.id), src: String(r.src) }));
  } finally {
    db.close();
  }
}

describe('compaction with a sort order', () => {
  let kit: Kit;
  beforeEach(async () => {
    kit = await startKit({ 'commit.manifest.min-count-to-merge': '1000' });
  });
  afterEach(async () => kit.close());

  it('writes the rows of a group sorted by the default sort order (desc, nulls first) and records its id', async () => {
    await kit.env.catalog.commitTable(kit.id, {
      requirements: [],
      updates: [
        {
          action: 'add-sort-order',
          'sort-order': {
            'order-id': 1,
            fields: [{ 'source-id': 1, transform: 'identity', direction: 'desc', 'null-order': 'nulls-first' }],
          },
        },
        { action: 'set-default-sort-order', 'sort-order-id': -1 },
      ],
    });
    const ids = [[5, 17, 3], [42, 8], [1, 99, 23, 4], [60], [7, 31]];
    for (const [i, batch] of ids.entries())
      await kit.land(
        `s${i}.csv`,
        batch.map((n) => [n, '2026-01-01'] as [number, string]),
      );
    const before = await countsBySource(kit.env.catalog, kit.env.io, kit.id);

    const report = await compactTable(kit.id, kit.context(), { minInputFiles: 2 });
    expect(report.groups).toMatchObject([{ inputFiles: 5, outputFiles: 1, outcome: 'committed' }]);

    const table = await kit.load();
    const entries = await liveDataFiles(kit.env.io, table.metadata);
    expect(entries).toHaveLength(1);
    const file = entries[0]?.data_file;
    expect(file?.sort_order_id).toBe(1);
    const rows = await fileRows(file?.file_path as string);
    const expected = ids.flat().sort((a, b) => b - a);
    expect(rows.map((r) => r.id)).toEqual(expected);
    expect(await countsBySource(kit.env.catalog, kit.env.io, kit.id)).toEqual(before);
  });

  it('leaves sort_order_id unset when the table is unsorted', async () => {
    for (const [i, n] of [9, 2, 5].entries()) await kit.land(`u${i}.csv`, [[n, '2026-01-01']]);
    await compactTable(kit.id, kit.context(), { minInputFiles: 2 });
    const entries = await liveDataFiles(kit.env.io, (await kit.load()).metadata);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.data_file.sort_order_id ?? null).toBeNull();
    const ids = (await fileRows(entries[0]?.data_file.file_path as string)).map((r) => r.id);
    expect([...ids].sort()).toEqual([2, 5, 9]);
  });
});

describe('sortBatches', () => {
  const schema = {
    type: 'struct' as const,
    'schema-id': 0,
    fields: [
      { id: 1, name: 'a', required: false, type: 'int' as const },
      { id: 2, name: 'b', required: false, type: 'string' as const },
    ],
  };
  const batch = (a: (number | null)[], b: string[]) =>
    new arrow.RecordBatch({
      a: arrow.vectorFromArray(a, new arrow.Int32()).data[0] as arrow.Data<arrow.Int32>,
      b: arrow.vectorFromArray(b, new arrow.Utf8()).data[0] as arrow.Data<arrow.Utf8>,
    });
  const rowsOf = (batches: arrow.RecordBatch[]) =>
    batches.flatMap((bt) => bt.toArray().map((r) => [r.a as number | null, String(r.b)]));

  it('sorts across batches by several fields, asc nulls last then desc, ties stable', () => {
    const out = sortBatches([batch([2, null, 1], ['x', 'y', 'z']), batch([1, 2, null], ['w', 'x', 'v'])], schema, {
      'order-id': 3,
      fields: [
        { 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-last' },
        { 'source-id': 2, transform: 'identity', direction: 'desc', 'null-order': 'nulls-first' },
      ],
    });
    expect(rowsOf(out)).toEqual([
      [1, 'z'],
      [1, 'w'],
      [2, 'x'],
      [2, 'x'],
      [null, 'y'],
      [null, 'v'],
    ]);
  });

  it('orders NaN after +Infinity and bytes as unsigned', () => {
    expect(compareLiterals(Number.NaN, Number.POSITIVE_INFINITY)).toBeGreaterThan(0);
    expect(compareLiterals(new Uint8Array([0x80]), new Uint8Array([0x7f]))).toBeGreaterThan(0);
  });
});
