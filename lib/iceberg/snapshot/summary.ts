/**
 * Snapshot summaries (spec: "Snapshot Summary", optional metrics that every engine writes):
 * `added-*`, `deleted-*`/`removed-files-size` and the running `total-*` figures as strings.
 * Totals continue the parent's; when the parent lacks one (BigQuery writes no metrics) it is left
 * out rather than guessed, as Java's SnapshotProducer does.
 */
import { type DataFile, DataFileContent, type Literal, type Snapshot, type SnapshotOperation } from '../types.js';

export interface SummaryInput {
  operation: SnapshotOperation;
  previous: Snapshot | undefined;
  added: DataFile[];
  removed: DataFile[];
  /** Default spec id, for files whose `spec_id` is not set. */
  defaultSpecId: number;
  extra?: Record<string, string>;
}

/** A stable string key for a partition tuple of one spec (bigint, bytes and NaN safe). */
export function partitionKey(specId: number, values: Literal[]): string {
  return `${specId}|${values
    .map((v) => {
      if (v === null) return 'n';
      if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
      if (typeof v === 'bigint') return `i${v}`;
      if (typeof v === 'number') return Number.isInteger(v) ? `i${v}` : `f${v}`;
      return `${typeof v}:${JSON.stringify(v)}`;
    })
    .join(',')}`;
}

/** Builds the summary map of a snapshot. */
export function buildSummary(input: SummaryInput): Snapshot['summary'] {
  const { added, removed, previous } = input;
  const sum = (files: DataFile[], pick: (f: DataFile) => number) => files.reduce((n, f) => n + pick(f), 0);
  const data = (files: DataFile[]) => files.filter((f) => f.content === DataFileContent.Data);
  const deletes = (files: DataFile[], content: DataFileContent) => files.filter((f) => f.content === content);
  const summary: Record<string, string> = { operation: input.operation };
  // Deletion vectors count their blob, not the whole Puffin file (Java ScanTaskUtil.contentSizeInBytes).
  const size = (f: DataFile) => f.content_size_in_bytes ?? f.file_size_in_bytes;
  const put = (key: string, value: number) => {
    if (value !== 0) summary[key] = String(value);
  };
  const addedData = data(added);
  const removedData = data(removed);
  put('added-data-files', addedData.length);
  put(
    'added-records',
    sum(addedData, (f) => f.record_count),
  );
  put('added-files-size', sum(added, size));
  put('deleted-data-files', removedData.length);
  put(
    'deleted-records',
    sum(removedData, (f) => f.record_count),
  );
  put('removed-files-size', sum(removed, size));
  const partitions = new Set(
    [...added, ...removed].map((f) => partitionKey(f.spec_id ?? input.defaultSpecId, f.partition)),
  );
  summary['changed-partition-count'] = String(partitions.size);

  const addedPos = deletes(added, DataFileContent.PositionDeletes);
  const addedEq = deletes(added, DataFileContent.EqualityDeletes);
  const removedPos = deletes(removed, DataFileContent.PositionDeletes);
  const removedEq = deletes(removed, DataFileContent.EqualityDeletes);
  const totals: [string, number][] = [
    ['total-records', sum(addedData, (f) => f.record_count) - sum(removedData, (f) => f.record_count)],
    ['total-files-size', sum(added, size) - sum(removed, size)],
    ['total-data-files', addedData.length - removedData.length],
    ['total-delete-files', addedPos.length + addedEq.length - removedPos.length - removedEq.length],
    ['total-position-deletes', sum(addedPos, (f) => f.record_count) - sum(removedPos, (f) => f.record_count)],
    ['total-equality-deletes', sum(addedEq, (f) => f.record_count) - sum(removedEq, (f) => f.record_count)],
  ];
  for (const [key, delta] of totals) {
    const before = previous ? previous.summary[key] : '0';
    if (before === undefined || !/^-?\d+$/.test(before)) continue;
    summary[key] = String(Number(before) + delta);
  }
  return { ...summary, ...input.extra, operation: input.operation };
}
