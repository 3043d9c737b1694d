import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTableMetadata } from '../../lib/iceberg/metadata.js';
import { parseLiteral, ScanFilterError } from '../../lib/local/scan-filter.js';
import { scanTable } from '../../lib/local/table-scan.js';
import { LocalFileIO } from '../../lib/storage/local.js';

// A self-consistent Impala table partitioned by hour(event_time) and identity(action).
const root = join(import.meta.dirname, '..', 'fixtures', 'tables', 'impala-iceberg_partitioned');
const io = new LocalFileIO();
const resolvePath = (p: string) => p.replace('/test-warehouse/iceberg_test/iceberg_partitioned/', `${root}/`);

describe('scanTable over a partitioned fixture table', async () => {
  const metadata = await readTableMetadata(io, join(root, 'metadata', 'v2.metadata.json'));

  it('reads every row of every live data file', async () => {
    const result = await scanTable(io, metadata, { resolvePath });
    expect(result.columns).toEqual(['id', 'user', 'action', 'event_time']);
    expect(result.filesPruned).toBe(0);
    expect(result.rows.length).toBe(20);
    expect(new Set(result.rows.map((r) => r.action))).toEqual(new Set(['view', 'click', 'download']));
  });

  it('prunes files by an identity partition and filters rows', async () => {
    const all = await scanTable(io, metadata, { resolvePath });
    const result = await scanTable(io, metadata, { resolvePath, where: ['action=click'] });
    expect(result.filesPruned).toBeGreaterThan(0);
    expect(result.filesRead).toBe(result.filesTotal - result.filesPruned);
    expect(result.rows.length).toBe(all.rows.filter((r) => r.action === 'click').length);
    expect(result.rows.every((r) => r.action === 'click')).toBe(true);
  });

  it('prunes through the hour transform of a timestamptz column', async () => {
    const result = await scanTable(io, metadata, { resolvePath, where: ['event_time=2020-01-01T09:00:00Z'] });
    // Only the six files of hour 2020-01-01-09 survive pruning; each holds one row at 09:00.
    expect(result.filesRead).toBe(6);
    expect(result.filesPruned).toBe(14);
    expect(result.rows.map((r) => r.action)).toEqual(Array(6).fill('click'));
    const later = await scanTable(io, metadata, { resolvePath, where: ['event_time=2020-01-01T09:30:00Z'] });
    expect(later.filesRead).toBe(6);
    expect(later.rows.length).toBe(0);
  });

  it('stops at the limit and refuses unknown columns', async () => {
    const result = await scanTable(io, metadata, { resolvePath, limit: 3 });
    expect(result.rows.length).toBe(3);
    await expect(scanTable(io, metadata, { resolvePath, where: ['nope=1'] })).rejects.toBeInstanceOf(ScanFilterError);
    expect(parseLiteral('date', '1970-01-02')).toBe(1);
    expect(parseLiteral('long', '9007199254740993')).toBe(9007199254740993n);
  });
});
