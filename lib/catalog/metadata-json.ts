/**
 * Table metadata as it crosses the REST boundary: a `metadata` object of a REST body to
 * normalized `TableMetadata` and back, through lib/iceberg/metadata.ts (lossless ids, -1/null/
 * absent current snapshot, v1 fields lifted).
 */
import { parseJson } from '../iceberg/json.js';
import { normalizeTableMetadata, serializeTableMetadata } from '../iceberg/metadata.js';
import type { TableMetadata } from '../iceberg/types.js';

/** Normalizes the `metadata` object of a REST `LoadTableResult`/`CommitTableResponse`. */
export function metadataFromJson(value: unknown): TableMetadata {
  return normalizeTableMetadata(value);
}

/** The spec JSON object for metadata, as a metadata file would hold it. */
export function metadataToJson(metadata: TableMetadata): Record<string, unknown> {
  return parseJson<Record<string, unknown>>(serializeTableMetadata(metadata, { space: 0 }));
}
