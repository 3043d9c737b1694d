import { describe, expect, it } from 'vitest';
import type { Snapshot, TableMetadata } from '../../lib/iceberg/types.js';
import {
  committedIngestIds,
  decodeSummaryList,
  encodeSummaryList,
  SUMMARY_INGEST_IDS,
} from '../../lib/ingest/ingest-ledger.js';

function snapshot(id: bigint, parent: bigint | undefined, ts: number, ids?: string[]): Snapshot {
  const summary: Snapshot['summary'] = { operation: 'append' };
  if (ids) summary[SUMMARY_INGEST_IDS] = encodeSummaryList(ids);
  return { 'snapshot-id': id, 'parent-snapshot-id': parent, 'timestamp-ms': ts, summary, 'manifest-list': 'x' };
}

function metadata(snapshots: Snapshot[], head: bigint): TableMetadata {
  return { snapshots, refs: { main: { 'snapshot-id': head, type: 'branch' } } } as unknown as TableMetadata;
}

describe('ingest ledger', () => {
  it('round-trips summary lists, including commas and percent signs in keys', () => {
    const keys = ['a/b.csv', 'we,ird%2C.csv', ''];
    expect(decodeSummaryList(encodeSummaryList(keys))).toEqual(keys);
    expect(decodeSummaryList(undefined)).toEqual([]);
  });

  it('collects ids of main ancestors within the window, skipping other writers and rolled-back snapshots', () => {
    const day = 86_400_000;
    const now = 100 * day;
    const m = metadata(
      [
        snapshot(1n, undefined, now - 10 * day, ['old']),
        snapshot(2n, 1n, now - 3 * day, ['i2a', 'i2b']),
        snapshot(3n, 2n, now - 2 * day), // another writer
        snapshot(4n, 3n, now - 1 * day, ['i4']),
        snapshot(5n, 3n, now - day / 2, ['rolled-back']), // not an ancestor of main
      ],
      4n,
    );
    expect([...committedIngestIds(m, 7 * day, now)].sort()).toEqual(['i2a', 'i2b', 'i4']);
    expect([...committedIngestIds(m, 2.5 * day, now)].sort()).toEqual(['i4']);
    expect(committedIngestIds(metadata([], 0n), day, now).size).toBe(0);
  });
});
