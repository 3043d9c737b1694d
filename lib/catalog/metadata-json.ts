/**
 * Table metadata as it crosses the REST boundary: the `metadata` object of a REST body becomes
 * normalized `TableMetadata` through lib/iceberg/metadata.ts (lossless ids, -1/null/absent
 * current snapshot, v1 fields lifted, validated).
 */
import { normalizeTableMetadata } from '../iceberg/metadata.js';
import type { TableMetadata } from '../iceberg/types.js';

/** Normalizes the `metadata` object of a REST `LoadTableResult`/`CommitTableResponse`. */
export function metadataFromJson(value: unknown): TableMetadata {
  return normalizeTableMetadata(value);
}
