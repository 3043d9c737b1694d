import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../lib/cli/commands/inspect.js';
import { SUMMARIES } from '../../lib/cli/summaries.js';
import { parseJson } from '../../lib/iceberg/json.js';
import { type InspectReport, InspectSnapshotNotFoundError, inspectTable } from '../../lib/local/inspect.js';

const TABLES = 'test/fixtures/tables';

describe('floe inspect as a child process', () => {
  it('prints the JSON report of icebird-spark-bunnies', async () => {
    const { stdout } = await promisify(execFile)('node', [
      'bin/floe.mjs',
      'inspect',
      `${TABLES}/icebird-spark-bunnies`,
      '--json',
    ]);
    const report = parseJson<InspectReport>(stdout);
    expect(report.formatVersion).toBe(2);
    expect(report.currentSnapshotId).toBe('2701171901096418979');
    expect(report.snapshots.map((s) => [s.snapshotId, s.operation, s.current])).toEqual([
      ['7505300640432048841', 'append', false],
      ['469881615898633426', 'overwrite', false],
      ['2701171901096418979', 'overwrite', true],
    ]);
    expect(report.schema.fields.map((f) => f.name)).toContain('breed_name_length');
    expect(report.files!.totals).toEqual({ dataFiles: 1, records: 20, fileSizeInBytes: 3560, deleteFiles: 1 });
    expect(report.files!.summaryTotalRecords).toBe(20);
    expect(report.files!.dataFiles[0]!.path).toMatch(/^s3a:\/\/hyperparam-iceberg\/spark\/bunnies\/data\/.*\.parquet$/);
    expect(report.files!.dataFiles[0]!.localPath).toMatch(
      /test\/fixtures\/tables\/icebird-spark-bunnies\/data\/.*\.parquet$/,
    );
  });
});

describe('inspectTable', () => {
  it('lists an older snapshot when asked', async () => {
    const report = await inspectTable(`${TABLES}/icebird-spark-bunnies`, { snapshotId: 7505300640432048841n });
    expect(report.files!.snapshotId).toBe('7505300640432048841');
    expect(report.files!.totals.records).toBe(21);
    expect(report.files!.deleteFiles).toEqual([]);
  });

  it('shows partition values in human form with the spec fields', async () => {
    const report = await inspectTable(`${TABLES}/impala-iceberg_partitioned`);
    expect(report.formatVersion).toBe(1);
    expect(report.partitionSpecs[0]!.fields.map((f) => [f.name, f.transform, f.sourceName, f.resultType])).toEqual([
      ['event_time_hour', 'hour', 'event_time', 'int'],
      ['action', 'identity', 'action', 'string'],
    ]);
    const partitions = report.files!.dataFiles.map((f) => f.partition);
    expect(partitions).toContainEqual({ event_time_hour: '2020-01-01-08', action: 'view' });
    expect(report.files!.totals.records).toBe(report.files!.summaryTotalRecords);
  });

  it('reports delete files by content and null partition values', async () => {
    const java = await inspectTable(`${TABLES}/icebird-java-bunnies`);
    expect(java.files!.deleteFiles.map((f) => f.content).sort()).toEqual(['equality-deletes', 'position-deletes']);
    const renamed = await inspectTable(`${TABLES}/icebird-spark-rename_column`);
    expect(renamed.files!.dataFiles.some((f) => f.partition.date === null)).toBe(true);
  });

  it('reads an empty table from its metadata file alone', async () => {
    const report = await inspectTable('test/fixtures/metadata/iceberg-java-TableMetadataV2ValidMinimal.json');
    expect(report.files).toBeNull();
    expect(report.currentSnapshotId).toBeNull();
    expect(report.snapshots).toEqual([]);
  });

  it('rejects a snapshot id the table does not have', async () => {
    await expect(inspectTable(`${TABLES}/icebird-spark-bunnies`, { snapshotId: 1n })).rejects.toThrow(
      InspectSnapshotNotFoundError,
    );
  });
});

describe('inspect command', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((text: string) => void out.push(text));
    vi.spyOn(console, 'error').mockImplementation((text: string) => void err.push(text));
  });
  afterEach(() => vi.restoreAllMocks());

  it('prints a readable text report', async () => {
    expect(SUMMARIES.inspect).toMatch(/Iceberg table/);
    expect(await run([`${TABLES}/polars-iceberg-table`])).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('format     v1');
    expect(text).toMatch(/0: ts_day=day\(ts\)/);
    expect(text).toContain('ts_day=2023-03-01');
    expect(text).toMatch(/total: 2 files, 3 rows/);
  });

  it('lists the snapshot named by --snapshot, as JSON with --json', async () => {
    expect(await run([`${TABLES}/icebird-spark-bunnies`, '--snapshot', '7505300640432048841', '--json'])).toBe(0);
    const report = parseJson<InspectReport>(out.join('\n'));
    expect(report.currentSnapshotId).toBe('2701171901096418979');
    expect(report.files!.snapshotId).toBe('7505300640432048841');
    expect(report.files!.totals.records).toBe(21);
  });

  it('exits 2 on bad arguments and 1 on unreadable tables', async () => {
    expect(await run([])).toBe(2);
    expect(await run([`${TABLES}/icebird-spark-bunnies`, '--snapshot', 'abc'])).toBe(2);
    expect(await run([`${TABLES}/icebird-spark-bunnies`, '--bogus'])).toBe(2);
    expect(await run([`${TABLES}/icebird-spark-bunnies`, '--snapshot', '42'])).toBe(1);
    expect(err.join('\n')).toContain('snapshot 42 is not in');
    expect(await run(['test/fixtures/metadata/iceberg-java-TableMetadataV2MissingSchemas.json'])).toBe(1);
    expect(err.join('\n')).toContain('"schemas" must exist in format v2');
  });
});
