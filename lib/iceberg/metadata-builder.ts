/**
 * Builds and evolves table metadata the way a catalog does: `newTableMetadata` for a create
 * (fresh ids, like Java's `TableMetadata.newTableMetadata`), `checkRequirements` and
 * `applyUpdates` for a commit (rest-catalog-open-api.yaml `TableRequirement` / `TableUpdate`,
 * semantics of Java's `TableMetadata.Builder`). Pure: no I/O, the input is never mutated; unchanged
 * entries (snapshots, schemas, …) are shared between input and output, so treat both as immutable.
 *
 * @example
 * const base = newTableMetadata({ schema, location: 'file:///wh/db/t' });
 * checkRequirements(base, change.requirements);
 * const next = applyUpdates(base, change.updates);
 */
import { randomUUID } from 'node:crypto';
import type {
  IcebergType,
  NestedField,
  PartitionSpec,
  Schema,
  Snapshot,
  SortOrder,
  TableMetadata,
  TableRequirement,
  TableUpdate,
} from './types.js';

/** An update or requirement the builder cannot apply (unknown type, unknown id): a REST 400. */
export class InvalidUpdateError extends Error {
  override name = 'InvalidUpdateError';
}

/** A commit requirement does not hold on the current metadata: a REST 409 (CommitFailedException). */
export class RequirementFailedError extends Error {
  override name = 'RequirementFailedError';
}

/** Partition field ids start here (spec: Partitioning, "field-id … starting at 1000"). */
export const PARTITION_DATA_ID_START = 1000;
/** The highest format version this builder writes. */
export const SUPPORTED_FORMAT_VERSION = 3;
const MAIN = 'main';

export interface NewTableOptions {
  schema: Schema;
  spec?: PartitionSpec;
  sortOrder?: SortOrder;
  location: string;
  properties?: Record<string, string>;
  /** Default 2. */
  formatVersion?: 1 | 2 | 3;
  /** Defaults to a random UUID. */
  tableUuid?: string;
}

/**
 * Creates the metadata of a new, empty table. Field ids are reassigned from 1 (breadth-first per
 * struct, like Java's `TypeUtil.assignFreshIds`), partition field ids from 1000, and the spec's
 * and sort order's source ids follow the new field ids.
 */
export function newTableMetadata(options: NewTableOptions): TableMetadata {
  const formatVersion = options.formatVersion ?? 2;
  const { schema, idMap, lastColumnId } = freshSchema(options.schema);
  const remap = (id: number): number => {
    const next = idMap.get(id);
    if (next === undefined) throw new InvalidUpdateError(`cannot find source field ${id} in the schema`);
    return next;
  };
  const specFields = (options.spec?.fields ?? []).map((field, index) => ({
    ...field,
    'source-id': remap(field['source-id']),
    ...(field['source-ids'] ? { 'source-ids': field['source-ids'].map(remap) } : {}),
    'field-id': PARTITION_DATA_ID_START + index,
  }));
  const sortFields = (options.sortOrder?.fields ?? []).map((field) => ({
    ...field,
    'source-id': remap(field['source-id']),
  }));
  const orderId = sortFields.length === 0 ? 0 : 1;
  const metadata: TableMetadata = {
    'format-version': formatVersion,
    'table-uuid': options.tableUuid ?? randomUUID(),
    location: stripTrailingSlash(options.location),
    'last-sequence-number': 0n,
    'last-updated-ms': Date.now(),
    'last-column-id': lastColumnId,
    schemas: [schema],
    'current-schema-id': schema['schema-id'],
    'partition-specs': [{ 'spec-id': 0, fields: specFields }],
    'default-spec-id': 0,
    'last-partition-id': PARTITION_DATA_ID_START + specFields.length - 1,
    properties: { ...(options.properties ?? {}) },
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [{ 'order-id': orderId, fields: sortFields }],
    'default-sort-order-id': orderId,
    refs: {},
  };
  if (formatVersion >= 3) metadata['next-row-id'] = 0n;
  return metadata;
}

/** Reassigns field ids from 1; returns the old → new id map. */
function freshSchema(schema: Schema): { schema: Schema; idMap: Map<number, number>; lastColumnId: number } {
  const idMap = new Map<number, number>();
  let next = 0;
  const assign = (old: number): number => {
    next += 1;
    idMap.set(old, next);
    return next;
  };
  // Java assigns every field of a struct before descending into any of them.
  const visitStruct = (fields: NestedField[]): NestedField[] => {
    const ids = fields.map((f) => assign(f.id));
    return fields.map((f, i) => ({ ...f, id: ids[i] as number, type: visitType(f.type) }));
  };
  const visitType = (type: IcebergType): IcebergType => {
    if (typeof type === 'string') return type;
    if (type.type === 'struct') return { ...type, fields: visitStruct(type.fields) };
    if (type.type === 'list') {
      const elementId = assign(type['element-id']);
      return { ...type, 'element-id': elementId, element: visitType(type.element) };
    }
    const keyId = assign(type['key-id']);
    const valueId = assign(type['value-id']);
    return { ...type, 'key-id': keyId, 'value-id': valueId, key: visitType(type.key), value: visitType(type.value) };
  };
  const fields = visitStruct(schema.fields);
  const out: Schema = { type: 'struct', 'schema-id': 0, fields };
  if (schema['identifier-field-ids']?.length) {
    out['identifier-field-ids'] = schema['identifier-field-ids'].map((id) => idMap.get(id) ?? id);
  }
  return { schema: out, idMap, lastColumnId: next };
}

/**
 * Checks REST requirements against the current metadata (`undefined` when the table does not
 * exist yet). Throws RequirementFailedError naming the failed requirement (409), or
 * InvalidUpdateError for an unknown requirement type (400).
 */
export function checkRequirements(
  metadata: TableMetadata | undefined,
  requirements: readonly TableRequirement[],
): void {
  for (const requirement of requirements) {
    const r = requirement as TableRequirement & Record<string, unknown>;
    if (r.type === 'assert-create') {
      if (metadata) throw new RequirementFailedError('Requirement failed: table already exists (assert-create)');
      continue;
    }
    if (!KNOWN_REQUIREMENTS.has(r.type)) throw new InvalidUpdateError(`unknown requirement type: ${String(r.type)}`);
    if (!metadata) throw new RequirementFailedError(`Requirement failed: table does not exist (${r.type})`);
    const fail = (what: string, expected: unknown, actual: unknown): never => {
      throw new RequirementFailedError(
        `Requirement failed: ${r.type}: ${what} changed: expected ${show(expected)} != ${show(actual)}`,
      );
    };
    switch (r.type) {
      case 'assert-table-uuid':
        if (r.uuid.toLowerCase() !== metadata['table-uuid'].toLowerCase()) fail('UUID', r.uuid, metadata['table-uuid']);
        break;
      case 'assert-ref-snapshot-id': {
        const ref =
          metadata.refs[r.ref] ??
          (r.ref === MAIN && metadata['current-snapshot-id'] !== undefined
            ? { 'snapshot-id': metadata['current-snapshot-id'] }
            : undefined);
        const expected = r['snapshot-id'] === null || r['snapshot-id'] === undefined ? null : BigInt(r['snapshot-id']);
        if (expected === null) {
          if (ref)
            throw new RequirementFailedError(
              `Requirement failed: assert-ref-snapshot-id: branch or tag ${r.ref} was created concurrently`,
            );
        } else if (!ref) {
          throw new RequirementFailedError(
            `Requirement failed: assert-ref-snapshot-id: branch or tag ${r.ref} is missing, expected ${expected}`,
          );
        } else if (BigInt(ref['snapshot-id']) !== expected) {
          fail(`${r.ref} snapshot id`, expected, ref['snapshot-id']);
        }
        break;
      }
      case 'assert-last-assigned-field-id':
        if (r['last-assigned-field-id'] !== metadata['last-column-id'])
          fail('last assigned field id', r['last-assigned-field-id'], metadata['last-column-id']);
        break;
      case 'assert-current-schema-id':
        if (r['current-schema-id'] !== metadata['current-schema-id'])
          fail('current schema id', r['current-schema-id'], metadata['current-schema-id']);
        break;
      case 'assert-last-assigned-partition-id':
        if (r['last-assigned-partition-id'] !== metadata['last-partition-id'])
          fail('last assigned partition id', r['last-assigned-partition-id'], metadata['last-partition-id']);
        break;
      case 'assert-default-spec-id':
        if (r['default-spec-id'] !== metadata['default-spec-id'])
          fail('default partition spec id', r['default-spec-id'], metadata['default-spec-id']);
        break;
      case 'assert-default-sort-order-id':
        if (r['default-sort-order-id'] !== metadata['default-sort-order-id'])
          fail('default sort order id', r['default-sort-order-id'], metadata['default-sort-order-id']);
        break;
    }
  }
}

const KNOWN_REQUIREMENTS = new Set<string>([
  'assert-create',
  'assert-table-uuid',
  'assert-ref-snapshot-id',
  'assert-last-assigned-field-id',
  'assert-current-schema-id',
  'assert-last-assigned-partition-id',
  'assert-default-spec-id',
  'assert-default-sort-order-id',
]);

function show(value: unknown): string {
  return value === undefined || value === null ? 'null' : String(value);
}

/** Options that only a catalog knows when it applies a commit. */
export interface ApplyOptions {
  /** Clock for `last-updated-ms` and snapshot-log entries (tests). */
  now?: () => number;
}

/**
 * Applies REST update actions in order and returns new metadata. `-1` in set-current-schema,
 * set-default-spec and set-default-sort-order means "the one added by this change". Invalid
 * updates (unknown action, missing snapshot, stale sequence number) throw InvalidUpdateError (400).
 */
export function applyUpdates(
  metadata: TableMetadata,
  updates: readonly TableUpdate[],
  options: ApplyOptions = {},
): TableMetadata {
  const now = options.now ?? Date.now;
  const m: TableMetadata = copyForUpdate(metadata);
  let lastAddedSchemaId: number | undefined;
  let lastAddedSpecId: number | undefined;
  let lastAddedOrderId: number | undefined;
  const addedSnapshotIds = new Set<bigint>();
  let lastUpdated: number | undefined;

  for (const update of updates) {
    const u = update as TableUpdate & Record<string, unknown>;
    switch (u.action) {
      case 'assign-uuid':
        if (typeof u.uuid !== 'string' || u.uuid.length === 0) throw new InvalidUpdateError('assign-uuid needs a uuid');
        m['table-uuid'] = u.uuid;
        break;
      case 'upgrade-format-version': {
        const version = Number(u['format-version']);
        if (version > SUPPORTED_FORMAT_VERSION)
          throw new InvalidUpdateError(
            `Cannot upgrade table to unsupported format version: v${version} (supported: v${SUPPORTED_FORMAT_VERSION})`,
          );
        if (version < m['format-version'])
          throw new InvalidUpdateError(`Cannot downgrade v${m['format-version']} table to v${version}`);
        if (version >= 3 && m['format-version'] < 3) m['next-row-id'] = 0n;
        m['format-version'] = version as 1 | 2 | 3;
        break;
      }
      case 'add-schema': {
        const schema = u.schema;
        const same = m.schemas.find((s) => sameStructure(s, schema));
        const id = same ? same['schema-id'] : Math.max(-1, ...m.schemas.map((s) => s['schema-id'])) + 1;
        if (!same) m.schemas.push({ ...schema, 'schema-id': id });
        const highest = highestFieldId(schema.fields);
        m['last-column-id'] = Math.max(m['last-column-id'], highest, u['last-column-id'] ?? 0);
        lastAddedSchemaId = id;
        break;
      }
      case 'set-current-schema': {
        const id = resolveLast(u['schema-id'], lastAddedSchemaId, 'schema');
        if (!m.schemas.some((s) => s['schema-id'] === id))
          throw new InvalidUpdateError(`Cannot set current schema to unknown schema: ${id}`);
        m['current-schema-id'] = id;
        break;
      }
      case 'add-spec': {
        const spec = u.spec;
        const same = m['partition-specs'].find((s) => sameStructure(s.fields, spec.fields));
        const id = same ? same['spec-id'] : Math.max(-1, ...m['partition-specs'].map((s) => s['spec-id'])) + 1;
        if (!same) m['partition-specs'].push({ ...spec, 'spec-id': id });
        m['last-partition-id'] = Math.max(m['last-partition-id'], ...spec.fields.map((f) => f['field-id']));
        lastAddedSpecId = id;
        break;
      }
      case 'set-default-spec': {
        const id = resolveLast(u['spec-id'], lastAddedSpecId, 'partition spec');
        if (!m['partition-specs'].some((s) => s['spec-id'] === id))
          throw new InvalidUpdateError(`Cannot set default partition spec to unknown spec: ${id}`);
        m['default-spec-id'] = id;
        break;
      }
      case 'add-sort-order': {
        const order = u['sort-order'];
        const same = m['sort-orders'].find((o) => sameStructure(o.fields, order.fields));
        let id: number;
        if (same) id = same['order-id'];
        else {
          // The unsorted order is always id 0 (spec: Sorting).
          id = order.fields.length === 0 ? 0 : Math.max(0, ...m['sort-orders'].map((o) => o['order-id'])) + 1;
          m['sort-orders'].push({ ...order, 'order-id': id });
        }
        lastAddedOrderId = id;
        break;
      }
      case 'set-default-sort-order': {
        const id = resolveLast(u['sort-order-id'], lastAddedOrderId, 'sort order');
        if (!m['sort-orders'].some((o) => o['order-id'] === id))
          throw new InvalidUpdateError(`Cannot set default sort order to unknown order: ${id}`);
        m['default-sort-order-id'] = id;
        break;
      }
      case 'add-snapshot': {
        const snapshot = normalizeSnapshot(u.snapshot);
        const id = snapshot['snapshot-id'];
        if (m.snapshots.some((s) => s['snapshot-id'] === id))
          throw new InvalidUpdateError(`Snapshot already exists for id: ${id}`);
        if (m['format-version'] >= 2) {
          const seq = snapshot['sequence-number'] ?? 0n;
          // Java: a snapshot with a parent must advance the sequence number (TableMetadata.Builder.addSnapshot).
          if (
            seq <= m['last-sequence-number'] &&
            snapshot['parent-snapshot-id'] !== undefined &&
            snapshot['parent-snapshot-id'] !== null
          ) {
            throw new InvalidUpdateError(
              `Cannot add snapshot with sequence number ${seq} older than last sequence number ${m['last-sequence-number']}`,
            );
          }
          if (seq > m['last-sequence-number']) m['last-sequence-number'] = seq;
        }
        if (m['format-version'] >= 3) {
          const next = m['next-row-id'] ?? 0n;
          const first = snapshot['first-row-id'];
          const added = snapshot['added-rows'];
          if (first === undefined || added === undefined)
            throw new InvalidUpdateError('v3 snapshots need first-row-id and added-rows (spec: Row Lineage)');
          if (first < next)
            throw new InvalidUpdateError(
              `Cannot add a snapshot, first-row-id is behind table next-row-id: ${first} < ${next}`,
            );
          m['next-row-id'] = next + added;
        }
        m.snapshots.push(snapshot);
        addedSnapshotIds.add(id);
        lastUpdated = snapshot['timestamp-ms'];
        break;
      }
      case 'set-snapshot-ref': {
        const id = BigInt(u['snapshot-id']);
        const snapshot = m.snapshots.find((s) => s['snapshot-id'] === id);
        if (!snapshot) throw new InvalidUpdateError(`Cannot set ${u['ref-name']} to unknown snapshot: ${id}`);
        const ref: TableMetadata['refs'][string] = { 'snapshot-id': id, type: u.type };
        for (const key of ['max-ref-age-ms', 'max-snapshot-age-ms', 'min-snapshots-to-keep'] as const) {
          if (u[key] !== undefined && u[key] !== null) ref[key] = Number(u[key]);
        }
        const previous = m.refs[u['ref-name']];
        m.refs[u['ref-name']] = ref;
        if (u['ref-name'] === MAIN) {
          if (u.type !== 'branch') throw new InvalidUpdateError('main must be a branch');
          const changed = previous?.['snapshot-id'] !== id || m['current-snapshot-id'] !== id;
          m['current-snapshot-id'] = id;
          if (changed) {
            const at = addedSnapshotIds.has(id) ? snapshot['timestamp-ms'] : now();
            lastUpdated = at;
            m['snapshot-log'].push({ 'snapshot-id': id, 'timestamp-ms': at });
          }
        }
        break;
      }
      case 'remove-snapshots': {
        const ids = new Set((u['snapshot-ids'] ?? []).map((id) => BigInt(id)));
        m.snapshots = m.snapshots.filter((s) => !ids.has(s['snapshot-id']));
        for (const [name, ref] of Object.entries(m.refs)) {
          if (ids.has(ref['snapshot-id'])) delete m.refs[name];
        }
        if (m['current-snapshot-id'] !== undefined && ids.has(m['current-snapshot-id']))
          delete m['current-snapshot-id'];
        if (m.statistics) m.statistics = m.statistics.filter((s) => !ids.has(BigInt(s['snapshot-id'])));
        if (m['partition-statistics'])
          m['partition-statistics'] = m['partition-statistics'].filter((s) => !ids.has(BigInt(s['snapshot-id'])));
        // Java: history before a removed snapshot is no longer linear, so it is dropped.
        const log: TableMetadata['snapshot-log'] = [];
        for (const entry of m['snapshot-log']) {
          if (ids.has(entry['snapshot-id'])) log.length = 0;
          else log.push(entry);
        }
        m['snapshot-log'] = log;
        break;
      }
      case 'remove-snapshot-ref':
        delete m.refs[u['ref-name']];
        if (u['ref-name'] === MAIN) delete m['current-snapshot-id'];
        break;
      case 'set-location':
        m.location = stripTrailingSlash(u.location);
        break;
      case 'set-properties':
        m.properties = { ...m.properties, ...u.updates };
        break;
      case 'remove-properties':
        m.properties = Object.fromEntries(Object.entries(m.properties).filter(([k]) => !u.removals.includes(k)));
        break;
      case 'set-statistics': {
        const stats = u.statistics;
        const id = BigInt(stats['snapshot-id']);
        m.statistics = [
          ...(m.statistics ?? []).filter((s) => BigInt(s['snapshot-id']) !== id),
          { ...stats, 'snapshot-id': id },
        ];
        break;
      }
      case 'remove-statistics': {
        const id = BigInt(u['snapshot-id']);
        m.statistics = (m.statistics ?? []).filter((s) => BigInt(s['snapshot-id']) !== id);
        break;
      }
      case 'set-partition-statistics': {
        const stats = u['partition-statistics'];
        if (!stats || typeof stats !== 'object')
          throw new InvalidUpdateError('set-partition-statistics needs partition-statistics');
        const id = BigInt(stats['snapshot-id']);
        m['partition-statistics'] = [
          ...(m['partition-statistics'] ?? []).filter((s) => BigInt(s['snapshot-id']) !== id),
          { ...stats, 'snapshot-id': id },
        ];
        break;
      }
      case 'remove-partition-statistics': {
        const id = BigInt(u['snapshot-id']);
        m['partition-statistics'] = (m['partition-statistics'] ?? []).filter((s) => BigInt(s['snapshot-id']) !== id);
        break;
      }
      case 'remove-schemas': {
        // Java MetadataUpdate.RemoveSchemas: the current schema cannot be removed.
        const ids = new Set(u['schema-ids'].map(Number));
        if (ids.has(m['current-schema-id'])) throw new InvalidUpdateError('Cannot remove the current schema');
        m.schemas = m.schemas.filter((s) => !ids.has(s['schema-id']));
        break;
      }
      case 'remove-partition-specs': {
        // Java MetadataUpdate.RemovePartitionSpecs: the default spec cannot be removed.
        const ids = new Set(u['spec-ids'].map(Number));
        if (ids.has(m['default-spec-id'])) throw new InvalidUpdateError('Cannot remove the default partition spec');
        m['partition-specs'] = m['partition-specs'].filter((s) => !ids.has(s['spec-id']));
        break;
      }
      default:
        throw new InvalidUpdateError(`unknown table update action: ${String((u as { action?: unknown }).action)}`);
    }
  }
  m['last-updated-ms'] = Math.max(lastUpdated ?? now(), metadata['last-updated-ms']);
  return m;
}

function resolveLast(id: number, lastAdded: number | undefined, what: string): number {
  if (id !== -1) return id;
  if (lastAdded === undefined) throw new InvalidUpdateError(`Cannot set last added ${what}: no ${what} has been added`);
  return lastAdded;
}

function normalizeSnapshot(snapshot: Snapshot): Snapshot {
  const out: Snapshot = { ...snapshot, 'snapshot-id': BigInt(snapshot['snapshot-id']) };
  const parent = snapshot['parent-snapshot-id'];
  if (parent === null || parent === undefined || BigInt(parent) === -1n) delete out['parent-snapshot-id'];
  else out['parent-snapshot-id'] = BigInt(parent);
  for (const key of ['sequence-number', 'first-row-id', 'added-rows'] as const) {
    const v = snapshot[key];
    if (v !== undefined && v !== null) out[key] = BigInt(v as bigint);
  }
  out['timestamp-ms'] = Number(snapshot['timestamp-ms']);
  return out;
}

function highestFieldId(fields: NestedField[]): number {
  let max = 0;
  const visit = (type: IcebergType): void => {
    if (typeof type === 'string') return;
    if (type.type === 'struct')
      for (const f of type.fields) {
        max = Math.max(max, f.id);
        visit(f.type);
      }
    else if (type.type === 'list') {
      max = Math.max(max, type['element-id']);
      visit(type.element);
    } else {
      max = Math.max(max, type['key-id'], type['value-id']);
      visit(type.key);
      visit(type.value);
    }
  };
  visit({ type: 'struct', fields });
  return max;
}

/** Structural equality ignoring the id key (schema-id / spec-id / order-id). */
function sameStructure(a: unknown, b: unknown): boolean {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .filter((k) => k !== 'schema-id' && o[k] !== undefined)
          .sort()
          .map((k) => [k, strip(o[k])]),
      );
    }
    return typeof v === 'bigint' ? v.toString() : v;
  };
  return JSON.stringify(strip(a)) === JSON.stringify(strip(b));
}

/**
 * A copy of `metadata` whose collections applyUpdates may change (arrays it pushes to, maps it
 * sets keys on) are fresh; their entries (snapshots, schemas, …) are shared, never modified.
 * A deep clone here copied the whole history on every commit, O(snapshots) per commit.
 */
function copyForUpdate(metadata: TableMetadata): TableMetadata {
  return {
    ...metadata,
    schemas: [...(metadata.schemas ?? [])],
    'partition-specs': [...(metadata['partition-specs'] ?? [])],
    'sort-orders': [...(metadata['sort-orders'] ?? [])],
    snapshots: [...(metadata.snapshots ?? [])],
    'snapshot-log': [...(metadata['snapshot-log'] ?? [])],
    'metadata-log': [...(metadata['metadata-log'] ?? [])],
    refs: { ...(metadata.refs ?? {}) },
    properties: { ...(metadata.properties ?? {}) },
  };
}

function stripTrailingSlash(location: string): string {
  return location.endsWith('/') ? location.slice(0, -1) : location;
}
