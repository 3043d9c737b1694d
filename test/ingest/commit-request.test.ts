import { describe, expect, it } from 'vitest';
import type { DataFile } from '../../lib/iceberg/types.js';
import {
  type CommitRequest,
  decodeCommitMessage,
  encodeCommitRequest,
  isSpilled,
} from '../../lib/ingest/commit-request.js';

describe('commit request codec', () => {
  it('round-trips data files losslessly (bigint, bytes, maps, NaN)', () => {
    const file: DataFile = {
      content: 0,
      file_path: 's3://w/t/data/i1-0.parquet',
      file_format: 'PARQUET',
      partition: [19000, 1700000000000000n, 'eu', null, new Uint8Array([1, 2]), Number.NaN],
      record_count: 3,
      file_size_in_bytes: 1234,
      column_sizes: new Map([[1, 10]]),
      value_counts: new Map([[1, 3]]),
      null_value_counts: new Map([[1, 0]]),
      lower_bounds: new Map([[1, new Uint8Array([0, 0, 0, 1])]]),
      upper_bounds: new Map([[1, new Uint8Array([255, 255])]]),
      split_offsets: [4],
      sort_order_id: 0,
      first_row_id: null,
      spec_id: 0,
    };
    const request: CommitRequest = {
      ingestId: 'i1',
      table: { namespace: ['a'], name: 'b' },
      sourceBucket: 'landing',
      sourceKey: 'a/b/x.csv',
      etag: 'e',
      dataFiles: [file],
      rows: 3,
      bytes: 10,
      landedAt: 1,
      schemaId: 0,
      specId: 0,
    };
    const decoded = decodeCommitMessage(encodeCommitRequest(request));
    expect(isSpilled(decoded)).toBe(false);
    expect(decoded).toEqual(request);
    const df = (decoded as CommitRequest).dataFiles[0] as DataFile;
    expect(typeof df.partition[0]).toBe('number');
    expect(typeof df.partition[1]).toBe('bigint');
    expect(df.lower_bounds?.get(1)).toBeInstanceOf(Uint8Array);
  });

  it('rejects a poison message', () => {
    expect(() => decodeCommitMessage('nope')).toThrow(/not JSON/);
    expect(() => decodeCommitMessage('{"x":1}')).toThrow(/lacks ingestId/);
  });
});
