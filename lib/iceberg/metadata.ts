/**
 * Table metadata files (spec: Table Metadata): parse v1, v2 and v3 as every engine in the fixtures
 * writes them, normalize to {@link TableMetadata}, validate like Iceberg Java's
 * `TableMetadataParser`, and write spec JSON back without losing keys floe does not know.
 *
 * @example
 * const metadata = parseTableMetadata(await io.read(path), path);
 * const snapshot = currentSnapshot(metadata);            // undefined for an empty table
 * await io.write(next, new TextEncoder().encode(serializeTableMetadata(metadata)));
 */
//
// The parts: metadata-parse.ts (decode, parse, validate), metadata-serialize.ts (write),
// metadata-accessors.ts (lookups), metadata-error.ts; this module is their one import path.

export {
  ancestorsOf,
  currentSchema,
  currentSnapshot,
  defaultSortOrder,
  defaultSpec,
  schemaById,
  snapshotById,
  specById,
} from './metadata-accessors.js';
export { InvalidTableMetadataError } from './metadata-error.js';
export {
  decodeMetadataBytes,
  normalizeTableMetadata,
  parseTableMetadata,
  readTableMetadata,
  SUPPORTED_FORMAT_VERSIONS,
} from './metadata-parse.js';
export { serializeTableMetadata } from './metadata-serialize.js';
