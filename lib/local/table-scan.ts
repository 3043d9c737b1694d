/**
 * `scanTable`: a small, exact table reader for `floe scan` and the local tests. It plans through
 * the manifests (lib/iceberg/scan.ts), prunes data files by partition value with the `--where`
 * predicates, and reads the surviving Parquet files, projecting onto the current schema by field
 * id. Delete files are not applied: floe only ever writes data files, and tables with deletes
 * from other engines are refused rather than shown wrong.
 */

import type { FileIO } from '../iceberg/file-io.js';
import { snapshotFiles } from '../iceberg/scan.js';
import type { TableMetadata } from '../iceberg/types.js';
import { readParquetRows } from './parquet-rows.js';
import { mayMatchPartition, parsePredicates, rowMatches } from './scan-filter.js';

export interface ScanOptions {
  /** `col=value` predicates, all of which must hold. */
  where?: string[];
  limit?: number;
  snapshotId?: bigint;
  /** Maps metadata paths to readable ones (fixture tables, moved warehouses). */
  resolvePath?: (path: string) => string;
}

export interface ScanResult {
  columns: string[];
  rows: Record<string, unknown>[];
  filesTotal: number;
  filesPruned: number;
  filesRead: number;
}

/** Raised for a table floe cannot read exactly (delete files, non-Parquet data). */
export class UnsupportedScanError extends Error {
  override name = 'UnsupportedScanError';
}

/** Reads matching rows of the current (or given) snapshot. */
export async function scanTable(io: FileIO, metadata: TableMetadata, options: ScanOptions = {}): Promise<ScanResult> {
  const snapshotId = options.snapshotId ?? metadata['current-snapshot-id'];
  const snapshot = metadata.snapshots.find((s) => s['snapshot-id'] === snapshotId);
  const schema =
    metadata.schemas.find(
      (s) => s['schema-id'] === (options.snapshotId !== undefined ? snapshot?.['schema-id'] : undefined),
    ) ??
    metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']) ??
    metadata.schemas[metadata.schemas.length - 1];
  if (!schema) throw new UnsupportedScanError('table metadata has no schema');
  const columns = schema.fields.map((f) => f.name);
  if (snapshotId === undefined) return { columns, rows: [], filesTotal: 0, filesPruned: 0, filesRead: 0 };

  const predicates = parsePredicates(options.where ?? [], schema);
  const specs = new Map(metadata['partition-specs'].map((s) => [s['spec-id'], s]));
  let pruned = 0;
  const planned = await snapshotFiles(io, metadata, {
    snapshotId,
    resolvePath: options.resolvePath,
    partitionFilter: (specId, partition) => {
      const keep = mayMatchPartition(partition, specs.get(specId), predicates);
      if (!keep) pruned++;
      return keep;
    },
  });
  if (planned && planned.deleteEntries.length > 0) {
    throw new UnsupportedScanError('the table has delete files (row-level deletes); floe scan reads data-only tables');
  }
  const entries = planned?.dataEntries ?? [];
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const resolve = options.resolvePath ?? ((p: string) => p);
  const rows: Record<string, unknown>[] = [];
  let read = 0;
  for (const { data_file: file } of entries) {
    if (rows.length >= limit) break;
    if (file.file_format.toUpperCase() !== 'PARQUET') {
      throw new UnsupportedScanError(`${file.file_path} is ${file.file_format}; floe scan reads Parquet`);
    }
    read++;
    const fileRows = readParquetRows(
      await io.read(resolve(file.file_path)),
      schema,
      predicates.length > 0 ? undefined : limit - rows.length,
    );
    for (const row of fileRows) {
      if (rows.length >= limit) break;
      if (rowMatches(row, predicates)) rows.push(row);
    }
  }
  return { columns, rows, filesTotal: entries.length + pruned, filesPruned: pruned, filesRead: read };
}
