/**
 * For the fixture tables the README calls self-consistent, the live data files read from the
 * manifests add up to the snapshot summaries the engines wrote.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveDataFiles, snapshotFiles } from '../../lib/iceberg/scan.js';
import { openLocalTable } from '../../lib/local/table-paths.js';
import { fixtureTableIo } from '../support/icebird.js';
import { CONSISTENT_TABLES } from './consistent-tables.js';

const tablesDir = join(import.meta.dirname, '../fixtures/tables');

/** The self-consistent tables plus DuckDB's Spark-written ones (only file sizes differ there). */
const CONSISTENT = [
  ...CONSISTENT_TABLES,
  'impala-iceberg_mixed_file_format_test',
  'duckdb-hive_partitioned_table',
  'duckdb-partition_decimal_hugeint',
];

describe('live data files match snapshot summaries', () => {
  it.each(CONSISTENT)('%s', async (name) => {
    const table = await openLocalTable(join(tablesDir, name));
    const io = fixtureTableIo(table);
    const files = await snapshotFiles(io, table.metadata);
    expect(files).toBeDefined();
    const summary = files?.snapshot.summary ?? { operation: 'append' };
    const data = files?.dataEntries ?? [];
    const records = data.reduce((n, e) => n + e.data_file.record_count, 0);
    expect(String(data.length)).toBe(summary['total-data-files'] ?? String(data.length));
    expect(String(records)).toBe(summary['total-records'] ?? String(records));
    if (summary['total-delete-files'] !== undefined)
      expect(String(files?.deleteEntries.length)).toBe(summary['total-delete-files']);
    // At least the record total is present for every one of these engines.
    expect(summary['total-records']).toBeDefined();
    if (
      summary['total-files-size'] !== undefined &&
      !name.startsWith('duckdb-hive') &&
      !name.startsWith('duckdb-partition')
    ) {
      // Deletion vectors count their blob, not the whole Puffin file (Java ScanTaskUtil.contentSizeInBytes).
      const size = [...data, ...(files?.deleteEntries ?? [])].reduce(
        (n, e) => n + (e.data_file.content_size_in_bytes ?? e.data_file.file_size_in_bytes),
        0,
      );
      expect(String(size)).toBe(summary['total-files-size']);
    }
  });

  it('reads older snapshots by id and filters by partition', async () => {
    const table = await openLocalTable(join(tablesDir, 'icebird-spark-bunnies'));
    const first = table.metadata.snapshots[0];
    const entries = await liveDataFiles(table.io, table.metadata, { snapshotId: first?.['snapshot-id'] });
    expect(String(entries.reduce((n, e) => n + e.data_file.record_count, 0))).toBe(first?.summary['total-records']);

    const partitioned = await openLocalTable(join(tablesDir, 'polars-iceberg-table'));
    const all = await liveDataFiles(partitioned.io, partitioned.metadata);
    const firstDay = all.map((e) => e.data_file.partition[0] as number).sort()[0] as number;
    const oneDay = await liveDataFiles(partitioned.io, partitioned.metadata, {
      partitionFilter: (_spec, p) => p[0] === firstDay,
    });
    expect(oneDay.length).toBeGreaterThan(0);
    expect(oneDay.length).toBeLessThan(all.length);
    // Day partitions are days since the epoch: 2023-03-01 is day 19417.
    expect(firstDay).toBe(19417);
  });
});
