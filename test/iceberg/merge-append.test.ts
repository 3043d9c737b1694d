/**
 * Merge append keeps the manifest count bounded: 1,000 single-file appends end with at most
 * ~100 manifests, and merged manifests keep every file's original sequence numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifestList } from '../../lib/iceberg/avro/index.js';
import { applyUpdates, newTableMetadata } from '../../lib/iceberg/metadata-builder.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { mergeAppend, newSnapshotId, packEnd } from '../../lib/iceberg/snapshot/index.js';
import type { DataFile, TableMetadata } from '../../lib/iceberg/types.js';
import { LocalFileIO } from '../../lib/storage/local.js';

const scratch = mkdtempSync(join(tmpdir(), 'floe-merge-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tinyFile(location: string, i: number): DataFile {
  return {
    content: 0,
    file_path: `${location}/data/f-${i}.parquet`,
    file_format: 'PARQUET',
    partition: [i % 3],
    record_count: 5,
    file_size_in_bytes: 500,
  };
}

describe('mergeAppend', () => {
  it('keeps a table with 1,000 appends at <= 100 manifests, sequence numbers intact', async () => {
    const io = new LocalFileIO();
    const location = join(scratch, 't');
    let metadata: TableMetadata = newTableMetadata({
      location,
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'k', required: false, type: 'int' }] },
      spec: { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'k', transform: 'identity' }] },
    });
    let maxManifests = 0;
    for (let i = 0; i < 1000; i++) {
      const product = await mergeAppend({
        metadata,
        io,
        dataFiles: [tinyFile(location, i)],
        snapshotId: newSnapshotId(),
        attemptId: `a${i}`,
      });
      for (const f of product.files) await io.write(f.path, f.bytes);
      metadata = applyUpdates(metadata, product.change.updates);
      const count = readManifestList(await io.read(product.snapshot['manifest-list'] as string)).length;
      maxManifests = Math.max(maxManifests, count);
    }
    expect(maxManifests).toBeLessThanOrEqual(100);
    expect(maxManifests).toBeGreaterThan(50); // merging waits for the minimum count
    const current = metadata.snapshots.at(-1);
    expect(current?.summary['total-records']).toBe('5000');
    expect(current?.summary['total-data-files']).toBe('1000');
    expect(metadata['last-sequence-number']).toBe(1000n);

    const live = await liveDataFiles(io, metadata);
    expect(live).toHaveLength(1000);
    expect(new Set(live.map((e) => e.data_file.file_path)).size).toBe(1000);
    // File i was added by the snapshot with sequence number i + 1, merged or not.
    for (const e of live) {
      const i = Number(/f-(\d+)\.parquet$/.exec(e.data_file.file_path)?.[1]);
      expect(e.sequence_number).toBe(BigInt(i + 1));
      expect(e.data_file.partition).toEqual([i % 3]);
    }
  });

  it('does not merge below the minimum count; honours commit.manifest.min-count-to-merge', async () => {
    const io = new LocalFileIO();
    const location = join(scratch, 'small');
    let metadata = newTableMetadata({
      location,
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'k', required: false, type: 'int' }] },
      properties: { 'commit.manifest.min-count-to-merge': '3' },
    });
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const product = await mergeAppend({
        metadata,
        io,
        dataFiles: [{ ...tinyFile(location, i), partition: [] }],
        snapshotId: newSnapshotId(),
        attemptId: `s${i}`,
      });
      for (const f of product.files) await io.write(f.path, f.bytes);
      metadata = applyUpdates(metadata, product.change.updates);
      counts.push(readManifestList(await io.read(product.snapshot['manifest-list'] as string)).length);
      // A merged-away new manifest is never written.
      expect(product.files.length).toBe(2);
    }
    expect(counts).toEqual([1, 2, 1, 2, 1]);
  });

  it.each([
    ['8 MiB (default)', undefined, [1, 1, 1, 1]],
    ['1 byte', '1', [1, 2, 3, 4]],
  ])('bins manifests toward commit.manifest.target-size-bytes = %s', async (_label, target, expected) => {
    const io = new LocalFileIO();
    const location = join(scratch, `target-${target ?? 'default'}`);
    let metadata = newTableMetadata({
      location,
      schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'k', required: false, type: 'int' }] },
      properties: {
        'commit.manifest.min-count-to-merge': '2',
        ...(target ? { 'commit.manifest.target-size-bytes': target } : {}),
      },
    });
    const counts: number[] = [];
    for (let i = 0; i < 4; i++) {
      const product = await mergeAppend({
        metadata,
        io,
        dataFiles: [{ ...tinyFile(location, i), partition: [] }],
        snapshotId: newSnapshotId(),
        attemptId: `t${i}`,
      });
      for (const f of product.files) await io.write(f.path, f.bytes);
      metadata = applyUpdates(metadata, product.change.updates);
      counts.push(readManifestList(await io.read(product.snapshot['manifest-list'] as string)).length);
    }
    // Every manifest is bigger than 1 byte: each is a bin of its own and nothing merges.
    expect(counts).toEqual(expected);
    expect((await liveDataFiles(io, metadata)).length).toBe(4);
  });

  it('packEnd fills bins from the end', () => {
    expect(packEnd([5, 5, 5, 5, 5], 10, (x) => x).map((b) => b.length)).toEqual([1, 2, 2]);
  });
});
