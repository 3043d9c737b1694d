/**
 * Every fixture table (test/fixtures/tables) opened the way `floe inspect` opens it: current
 * metadata found, parsed, paths remapped onto the local copy, live files listed. For the tables
 * the fixtures README calls self-consistent, files exist with their recorded sizes (row totals
 * against the summaries: scan-fixtures.test.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentSchema, specById } from '../../lib/iceberg/metadata.js';
import { partitionPath } from '../../lib/iceberg/partition.js';
import { snapshotFiles } from '../../lib/iceberg/scan.js';
import { inspectTable } from '../../lib/local/inspect.js';
import {
  findCurrentMetadata,
  MetadataNotFoundError,
  metadataVersion,
  openLocalTable,
  resolveTablePath,
} from '../../lib/local/table-paths.js';
import { CONSISTENT_TABLES } from './consistent-tables.js';

const TABLES = resolve('test/fixtures/tables');
const tables = readdirSync(TABLES).sort();

describe('every fixture table loads', () => {
  it('has the tables the README lists', () => {
    expect(tables.length).toBeGreaterThanOrEqual(48);
    for (const name of CONSISTENT_TABLES) expect(tables).toContain(name);
  });

  for (const name of tables) {
    it(name, async () => {
      const report = await inspectTable(join(TABLES, name));
      expect([1, 2, 3]).toContain(report.formatVersion);
      expect(report.schema.fields.length).toBeGreaterThan(0);
      expect(report.files, 'every fixture has a current snapshot').not.toBeNull();
      expect(report.files!.error).toBeNull();
      expect(report.files!.dataFiles.length).toBeGreaterThan(0);
    });
  }
});

// Totals against summaries: scan-fixtures.test.ts.
describe('consistent tables: every live file exists at the size the manifest records', () => {
  for (const name of CONSISTENT_TABLES) {
    it(name, async () => {
      const table = await openLocalTable(join(TABLES, name));
      const files = await snapshotFiles(table.io, table.metadata);
      expect(files).toBeDefined();
      for (const entry of [...files!.dataEntries, ...files!.deleteEntries]) {
        const local = table.io.resolve(entry.data_file.file_path);
        expect(local.startsWith(resolve(TABLES, name)), local).toBe(true);
        expect(statSync(local).size, local).toBe(entry.data_file.file_size_in_bytes);
      }
    });
  }
});

describe('partition paths match the directories the engines wrote', () => {
  const partitioned = tables.filter(
    (t) => !t.startsWith('duckdb-equality_deletes_mytable') || t.endsWith('partitioned'),
  );
  it('formats every partitioned data file path like Java/PyIceberg did', async () => {
    let checked = 0;
    for (const name of partitioned) {
      const table = await openLocalTable(join(TABLES, name));
      const files = await snapshotFiles(table.io, table.metadata);
      for (const entry of files?.dataEntries ?? []) {
        const spec = specById(table.metadata, entry.data_file.spec_id!)!;
        if (spec.fields.length === 0) continue;
        const path = partitionPath(spec, currentSchema(table.metadata), entry.data_file.partition);
        // Spark/Java/PyIceberg write `<location>/data/<partition path>/<file>`.
        expect(entry.data_file.file_path, name).toContain(`/${path}/`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });
});

describe('finding the current metadata file', () => {
  const current = (name: string) => basename(findCurrentMetadata(join(TABLES, name)));

  it('follows version-hint.text holding a number', () => {
    expect(current('icebird-spark-bunnies')).toBe('v5.metadata.json');
    expect(current('duckdb-bigquery_table')).toBe('v1749025517.metadata.json');
  });

  it('follows a version hint holding a file stem, and Impala version-hint.txt', () => {
    expect(current('duckdb-is_null_is_not_null')).toBe('00001-43ceeb9a-cd0d-4556-b1e2-513b5bf88ff8.metadata.json');
    expect(current('impala-iceberg_mixed_file_format_test')).toBe('v8.metadata.json');
  });

  it('takes the highest version without a hint, gzip names included', () => {
    expect(current('duckdb-lineitem_iceberg_gz')).toBe('v2.gz.metadata.json');
    expect(current('duckdb-partition_time')).toBe('00001-44546aa6-1ee5-48c5-9e3b-bc6c0bc0a60c.metadata.json');
    expect(current('impala-iceberg_multiple_storage_locations')).toBe('v6.metadata.json');
    expect(metadataVersion('00012-abc.gz.metadata.json')).toBe(12);
    expect(metadataVersion('v3.metadata.json.gz')).toBe(3);
    expect(metadataVersion('version-hint.text')).toBeUndefined();
  });

  it('accepts a metadata file or the metadata directory', () => {
    const file = join(TABLES, 'polars-iceberg-table/metadata/v2.metadata.json');
    expect(findCurrentMetadata(file)).toBe(file);
    expect(findCurrentMetadata(join(TABLES, 'polars-iceberg-table/metadata'))).toBe(file);
  });

  it('falls back to scanning when the hint names a missing file, and fails clearly with nothing to find', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-paths-'));
    mkdirSync(join(dir, 'metadata'));
    expect(() => findCurrentMetadata(dir)).toThrow(MetadataNotFoundError);
    writeFileSync(join(dir, 'metadata/version-hint.text'), '7\n');
    writeFileSync(join(dir, 'metadata/v2.metadata.json'), '{}');
    writeFileSync(join(dir, 'metadata/v10.metadata.json'), '{}');
    expect(basename(findCurrentMetadata(dir))).toBe('v10.metadata.json');
    expect(() => findCurrentMetadata(join(dir, 'nope'))).toThrow(/no table metadata found/);
  });
});

describe('resolving paths written in metadata onto the local copy', () => {
  const local = (name: string) => join(TABLES, name);

  it('strips foreign-scheme locations (s3a, s3, hdfs) and bare absolute ones', () => {
    const dir = local('icebird-spark-bunnies');
    expect(
      resolveTablePath(
        's3a://hyperparam-iceberg/spark/bunnies',
        dir,
        's3a://hyperparam-iceberg/spark/bunnies/metadata/v5.metadata.json',
      ),
    ).toBe(join(dir, 'metadata/v5.metadata.json'));
    const polars = local('polars-iceberg-table');
    expect(resolveTablePath('/tmp/iceberg/t1', polars, '/tmp/iceberg/t1/metadata/v2.metadata.json')).toBe(
      join(polars, 'metadata/v2.metadata.json'),
    );
    const v3 = local('impala-iceberg_v3_row_lineage');
    expect(
      resolveTablePath(
        'hdfs://localhost:20500/test-warehouse/iceberg_v3_row_lineage',
        v3,
        'hdfs://localhost:20500/test-warehouse/iceberg_v3_row_lineage/metadata/v5.metadata.json',
      ),
    ).toBe(join(v3, 'metadata/v5.metadata.json'));
  });

  it('handles ./ locations, relative warehouses, file://relative URIs and locations that do not match', () => {
    const lineitem = local('duckdb-lineitem_iceberg');
    expect(resolveTablePath('./lineitem_iceberg', lineitem, 'lineitem_iceberg/metadata/v2.metadata.json')).toBe(
      join(lineitem, 'metadata/v2.metadata.json'),
    );
    const map = local('duckdb-map_stats');
    const mapFile = readdirSync(join(map, 'metadata')).find((f) => f.endsWith('.metadata.json'))!;
    expect(
      resolveTablePath(
        'file://data/persistent/map_stats/default.db/map_stats',
        map,
        `file://data/persistent/map_stats/default.db/map_stats/metadata/${mapFile}`,
      ),
    ).toBe(join(map, 'metadata', mapFile));
    const bq = local('duckdb-bigquery_table');
    expect(
      resolveTablePath(
        'gs://laura-test-test-bucket/table_name',
        bq,
        'data/persistent/big_query_error/metadata/v1749025517.metadata.json',
      ),
    ).toBe(join(bq, 'metadata/v1749025517.metadata.json'));
  });

  it('finds data directories that sit beside the table (write.data.path)', async () => {
    const table = await openLocalTable(local('impala-iceberg_multiple_storage_locations'));
    const files = await snapshotFiles(table.io, table.metadata);
    const dirs = new Set(
      files!.dataEntries.map((e) => basename(join(table.io.resolve(e.data_file.file_path), '../..'))),
    );
    expect([...dirs].sort()).toEqual([
      'iceberg_multiple_storage_locations_data',
      'iceberg_multiple_storage_locations_data01',
      'iceberg_multiple_storage_locations_data02',
    ]);
  });

  it('keeps paths already inside the local copy and guesses a local path for missing files', () => {
    const dir = local('icebird-spark-bunnies');
    const real = join(dir, 'metadata/v1.metadata.json');
    expect(resolveTablePath('s3a://x/y', dir, real)).toBe(real);
    const guess = resolveTablePath(
      's3a://hyperparam-iceberg/spark/bunnies',
      dir,
      's3a://hyperparam-iceberg/spark/bunnies/data/missing.parquet',
    );
    expect(guess).toBe(join(dir, 'data/missing.parquet'));
    expect(existsSync(guess)).toBe(false);
  });
});
