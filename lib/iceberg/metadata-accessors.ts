/** Lookups on parsed table metadata: schemas, partition specs, sort orders, snapshots and their ancestry. */
import { InvalidTableMetadataError } from './metadata-error.js';
import type { PartitionSpec, Schema, Snapshot, SortOrder, TableMetadata } from './types.js';

/** The current schema. */
export function currentSchema(metadata: TableMetadata): Schema {
  const schema = schemaById(metadata, metadata['current-schema-id']);
  if (!schema)
    throw new InvalidTableMetadataError(`cannot find schema with current-schema-id=${metadata['current-schema-id']}`);
  return schema;
}

/** The schema with the given id, if any. */
export function schemaById(metadata: TableMetadata, id: number): Schema | undefined {
  return metadata.schemas.find((s) => s['schema-id'] === id);
}

/** The default partition spec (used for new data files). */
export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  const spec = specById(metadata, metadata['default-spec-id']);
  if (!spec)
    throw new InvalidTableMetadataError(
      `cannot find partition spec with default-spec-id=${metadata['default-spec-id']}`,
    );
  return spec;
}

/** The partition spec with the given id, if any. */
export function specById(metadata: TableMetadata, id: number): PartitionSpec | undefined {
  return metadata['partition-specs'].find((s) => s['spec-id'] === id);
}

/** The default sort order. */
export function defaultSortOrder(metadata: TableMetadata): SortOrder | undefined {
  return metadata['sort-orders'].find((o) => o['order-id'] === metadata['default-sort-order-id']);
}

/**
 * The snapshot a branch or tag points at (default `main`), or undefined for an empty table. For
 * `main`, falls back to `current-snapshot-id` for metadata without refs.
 */
export function currentSnapshot(metadata: TableMetadata, ref = 'main'): Snapshot | undefined {
  const target = metadata.refs?.[ref];
  const id = target ? target['snapshot-id'] : ref === 'main' ? metadata['current-snapshot-id'] : undefined;
  return id === undefined ? undefined : snapshotById(metadata, id);
}

/** The snapshot with the given id, if any. */
export function snapshotById(metadata: TableMetadata, id: bigint): Snapshot | undefined {
  return metadata.snapshots.find((s) => s['snapshot-id'] === id);
}

/** The snapshot and its ancestors, newest first, following `parent-snapshot-id` while the parents are still in the metadata. */
export function ancestorsOf(metadata: TableMetadata, snapshotId: bigint | undefined): Snapshot[] {
  const out: Snapshot[] = [];
  const seen = new Set<bigint>();
  let id = snapshotId;
  while (id !== undefined && id !== null && !seen.has(id)) {
    seen.add(id);
    const snapshot = snapshotById(metadata, id);
    if (!snapshot) break;
    out.push(snapshot);
    id = snapshot['parent-snapshot-id'] ?? undefined;
  }
  return out;
}
