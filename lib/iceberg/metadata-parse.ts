/**
 * Parsing table metadata files (spec: Table Metadata): read v1, v2 and v3 as every engine in the
 * fixtures writes them, normalize to {@link TableMetadata}, and validate like Iceberg Java's
 * `TableMetadataParser`. Top-level keys floe does not know are carried through (and written back
 * by metadata-serialize.ts).
 */
import { gunzipSync } from 'node:zlib';
import { decompress as zstdDecompress } from 'fzstd';
import type { FileIO } from './file-io.js';
import { parseJson, stringifyJson, toBigInt } from './json.js';
import { InvalidTableMetadataError } from './metadata-error.js';
import { parsePrimitive } from './schema.js';
import type {
  IcebergType,
  NestedField,
  PartitionSpec,
  Schema,
  Snapshot,
  SnapshotRef,
  SortOrder,
  TableMetadata,
} from './types.js';

/** The format versions floe reads and writes. */
export const SUPPORTED_FORMAT_VERSIONS = [1, 2, 3] as const;

/** Keys this module understands; everything else on the top level is carried through as is. */
export const KNOWN_KEYS = new Set([
  'format-version',
  'table-uuid',
  'location',
  'last-sequence-number',
  'last-updated-ms',
  'last-column-id',
  'schema',
  'schemas',
  'current-schema-id',
  'partition-spec',
  'partition-specs',
  'default-spec-id',
  'last-partition-id',
  'properties',
  'current-snapshot-id',
  'snapshots',
  'snapshot-log',
  'metadata-log',
  'sort-orders',
  'default-sort-order-id',
  'refs',
  'statistics',
  'partition-statistics',
  'next-row-id',
]);

/** Decodes raw metadata bytes: gzip (`1f 8b`, `.gz.metadata.json`) and zstd (`28 b5 2f fd`) are unwrapped. */
export function decodeMetadataBytes(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
  else if (bytes.length >= 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) {
    bytes = zstdDecompress(bytes);
  }
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * Parses a table metadata file (text or bytes, compressed or not) into normalized
 * {@link TableMetadata}: v1 `schema`/`partition-spec` become `schemas`/`partition-specs`, a
 * current snapshot of -1/null/absent becomes undefined, 64-bit ids become bigint, and unknown keys
 * are kept. Throws {@link InvalidTableMetadataError} naming the problem.
 */
export function parseTableMetadata(input: string | Uint8Array, source?: string): TableMetadata {
  let text: string;
  try {
    text = decodeMetadataBytes(input);
  } catch (cause) {
    throw new InvalidTableMetadataError('cannot decompress', source, { cause });
  }
  let json: unknown;
  try {
    json = parseJson(text);
  } catch (cause) {
    throw new InvalidTableMetadataError(`not valid JSON (${(cause as Error).message})`, source, { cause });
  }
  try {
    return normalizeTableMetadata(json);
  } catch (error) {
    if (error instanceof InvalidTableMetadataError && !error.source && source) {
      throw new InvalidTableMetadataError(error.problem, source, { cause: error.cause });
    }
    throw error;
  }
}

/** Reads and parses a metadata file through a FileIO. */
export async function readTableMetadata(io: FileIO, path: string): Promise<TableMetadata> {
  return parseTableMetadata(await io.read(path), path);
}

/** Normalizes and validates an already parsed JSON object (e.g. `metadata` of a REST `LoadTableResult`). */
export function normalizeTableMetadata(json: unknown): TableMetadata {
  const node = asObject(json, 'table metadata');
  const version = node['format-version'];
  if (version === undefined) fail('missing required field "format-version"');
  const formatVersion = Number(version);
  if (!(SUPPORTED_FORMAT_VERSIONS as readonly number[]).includes(formatVersion)) {
    fail(
      `cannot read unsupported format-version ${String(version)} (supported: ${SUPPORTED_FORMAT_VERSIONS.join(', ')})`,
    );
  }
  const v1 = formatVersion === 1;
  const requiredSince2 = (key: string) => {
    if (!v1 && node[key] === undefined) fail(`"${key}" must exist in format v${formatVersion}`);
  };

  const out: Record<string, unknown> = {};
  out['format-version'] = formatVersion;
  requiredSince2('table-uuid');
  if (node['table-uuid'] !== undefined) out['table-uuid'] = asString(node['table-uuid'], 'table-uuid');
  out.location = asString(required(node, 'location'), 'location');
  requiredSince2('last-sequence-number');
  out['last-sequence-number'] =
    node['last-sequence-number'] === undefined ? 0n : asBigInt(node['last-sequence-number'], 'last-sequence-number');
  out['last-updated-ms'] = asInt(required(node, 'last-updated-ms'), 'last-updated-ms');
  out['last-column-id'] = asInt(required(node, 'last-column-id'), 'last-column-id');

  // Schemas (spec: v1 `schema` is deprecated; v2 requires `schemas` + `current-schema-id`).
  requiredSince2('schemas');
  let schemas: Schema[];
  let currentSchemaId: number;
  if (node.schemas !== undefined) {
    schemas = asArray(node.schemas, 'schemas').map((s, i) => parseSchema(s, `schemas[${i}]`));
    if (node['current-schema-id'] !== undefined) {
      currentSchemaId = asInt(node['current-schema-id'], 'current-schema-id');
    } else if (v1 && node.schema !== undefined) {
      // v1 writers may list `schemas` without `current-schema-id`; the current one is `schema` (iceberg-rust).
      const legacy = parseSchema(node.schema, 'schema', 0);
      const match = schemas.find((s) => sameFields(s, legacy));
      if (!match) fail('"current-schema-id" is missing and "schema" matches none of "schemas"');
      currentSchemaId = match['schema-id'];
    } else {
      fail('"current-schema-id" is required when "schemas" is present and there is no "schema"');
    }
    if (!schemas.some((s) => s['schema-id'] === currentSchemaId)) {
      fail(`cannot find schema with current-schema-id=${currentSchemaId} in schemas`);
    }
  } else {
    if (node.schema === undefined) fail('one of "schemas" or "schema" is required');
    const legacy = parseSchema(node.schema, 'schema', 0);
    schemas = [legacy];
    currentSchemaId = legacy['schema-id'];
  }
  out.schemas = schemas;
  out['current-schema-id'] = currentSchemaId;

  // Partition specs.
  requiredSince2('partition-specs');
  let specs: PartitionSpec[];
  let defaultSpecId: number;
  if (node['partition-specs'] !== undefined) {
    specs = asArray(node['partition-specs'], 'partition-specs').map((s, i) => parseSpec(s, `partition-specs[${i}]`));
    if (node['default-spec-id'] !== undefined) defaultSpecId = asInt(node['default-spec-id'], 'default-spec-id');
    else if (v1) defaultSpecId = specs.reduce((max, s) => Math.max(max, s['spec-id']), 0);
    else fail('"default-spec-id" must exist in format v2');
    if (!specs.some((s) => s['spec-id'] === defaultSpecId))
      fail(`cannot find partition spec with default-spec-id=${defaultSpecId}`);
  } else {
    if (node['partition-spec'] === undefined) fail('one of "partition-specs" or "partition-spec" is required');
    const fields = asArray(node['partition-spec'], 'partition-spec').map((f, i) =>
      parsePartitionField(f, `partition-spec[${i}]`, 1000 + i),
    );
    defaultSpecId = 0;
    specs = [{ 'spec-id': 0, fields }];
  }
  out['partition-specs'] = specs;
  out['default-spec-id'] = defaultSpecId;
  requiredSince2('last-partition-id');
  out['last-partition-id'] =
    node['last-partition-id'] !== undefined
      ? asInt(node['last-partition-id'], 'last-partition-id')
      : specs.reduce((max, s) => s.fields.reduce((m, f) => Math.max(m, f['field-id']), max), 999);

  out.properties =
    node.properties === undefined || node.properties === null ? {} : asStringMap(node.properties, 'properties');

  const currentSnapshot = node['current-snapshot-id'];
  const currentSnapshotId =
    currentSnapshot === undefined || currentSnapshot === null
      ? undefined
      : asBigInt(currentSnapshot, 'current-snapshot-id');
  if (currentSnapshotId !== undefined && currentSnapshotId !== -1n) out['current-snapshot-id'] = currentSnapshotId;

  const snapshots = node.snapshots === undefined || node.snapshots === null ? [] : asArray(node.snapshots, 'snapshots');
  out.snapshots = snapshots.map((s, i) => normalizedSnapshot(s, i, formatVersion));
  out['snapshot-log'] = optionalArray(node['snapshot-log'], 'snapshot-log').map((e, i) => {
    const entry = asObject(e, `snapshot-log[${i}]`);
    return {
      ...entry,
      'snapshot-id': asBigInt(required(entry, 'snapshot-id', `snapshot-log[${i}]`), 'snapshot-id'),
      'timestamp-ms': asInt(entry['timestamp-ms'], 'timestamp-ms'),
    };
  });
  out['metadata-log'] = optionalArray(node['metadata-log'], 'metadata-log').map((e, i) => {
    const entry = asObject(e, `metadata-log[${i}]`);
    return {
      ...entry,
      'metadata-file': asString(entry['metadata-file'], 'metadata-file'),
      'timestamp-ms': asInt(entry['timestamp-ms'], 'timestamp-ms'),
    };
  });

  // Sort orders: required in v2; v1 tables without them are unsorted (order 0).
  requiredSince2('sort-orders');
  if (node['sort-orders'] !== undefined) {
    out['sort-orders'] = asArray(node['sort-orders'], 'sort-orders').map((o, i) =>
      parseSortOrder(o, `sort-orders[${i}]`),
    );
    if (node['default-sort-order-id'] === undefined)
      fail(`"default-sort-order-id" must exist when "sort-orders" is present`);
    out['default-sort-order-id'] = asInt(node['default-sort-order-id'], 'default-sort-order-id');
  } else {
    out['sort-orders'] = [{ 'order-id': 0, fields: [] }];
    out['default-sort-order-id'] = 0;
  }
  const sortOrders = out['sort-orders'] as SortOrder[];
  if (!sortOrders.some((o) => o['order-id'] === out['default-sort-order-id'])) {
    fail(`cannot find sort order with default-sort-order-id=${String(out['default-sort-order-id'])}`);
  }

  // Refs: when absent, Java derives `main` from the current snapshot.
  if (node.refs !== undefined && node.refs !== null) {
    const refs: Record<string, SnapshotRef> = {};
    for (const [name, value] of Object.entries(asObject(node.refs, 'refs'))) {
      const ref = asObject(value, `refs.${name}`);
      refs[name] = {
        ...ref,
        'snapshot-id': asBigInt(required(ref, 'snapshot-id', `refs.${name}`), `refs.${name}.snapshot-id`),
      } as SnapshotRef;
    }
    out.refs = refs;
  } else {
    out.refs =
      currentSnapshotId !== undefined && currentSnapshotId !== -1n
        ? { main: { 'snapshot-id': currentSnapshotId, type: 'branch' } }
        : {};
  }

  if (node.statistics !== undefined) {
    out.statistics = asArray(node.statistics, 'statistics').map((e, i) => {
      const entry = asObject(e, `statistics[${i}]`);
      return { ...entry, 'snapshot-id': asBigInt(entry['snapshot-id'], `statistics[${i}].snapshot-id`) };
    });
  }
  if (node['partition-statistics'] !== undefined) {
    out['partition-statistics'] = asArray(node['partition-statistics'], 'partition-statistics').map((e, i) => {
      const entry = asObject(e, `partition-statistics[${i}]`);
      return { ...entry, 'snapshot-id': asBigInt(entry['snapshot-id'], `partition-statistics[${i}].snapshot-id`) };
    });
  }
  // v3 writers put `next-row-id` here; an empty v3 table from duckdb leaves it out (row ids start at 0).
  if (node['next-row-id'] !== undefined && node['next-row-id'] !== null)
    out['next-row-id'] = asBigInt(node['next-row-id'], 'next-row-id');

  for (const [key, value] of Object.entries(node)) if (!KNOWN_KEYS.has(key)) out[key] = value;

  const metadata = out as TableMetadata;
  if (
    metadata['current-snapshot-id'] !== undefined &&
    !metadata.snapshots.some((s) => s['snapshot-id'] === metadata['current-snapshot-id'])
  ) {
    fail(`current-snapshot-id ${metadata['current-snapshot-id']} is not in snapshots`);
  }
  return metadata;
}

// ---------------------------------------------------------------------------------------------
// Structure checks. Each one names the field so the error says what is wrong where.

function fail(problem: string): never {
  throw new InvalidTableMetadataError(problem);
}

type JsonObject = Record<string, unknown>;

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be a JSON object`);
  return value as JsonObject;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) fail(`"${what}" must be an array`);
  return value;
}

function optionalArray(value: unknown, what: string): unknown[] {
  return value === undefined || value === null ? [] : asArray(value, what);
}

function required(node: JsonObject, key: string, where?: string): unknown {
  const value = node[key];
  if (value === undefined || value === null) fail(`missing required field "${key}"${where ? ` in ${where}` : ''}`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`"${what}" must be a string`);
  return value;
}

function asInt(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER))
    return Number(value);
  fail(`"${what}" must be an integer, got ${JSON.stringify(String(value))}`);
}

function asBigInt(value: unknown, what: string): bigint {
  try {
    const v = toBigInt(value);
    if (v === undefined) fail(`"${what}" is missing`);
    return v;
  } catch (error) {
    if (error instanceof InvalidTableMetadataError) throw error;
    fail(`"${what}" must be an integer, got ${JSON.stringify(String(value))}`);
  }
}

function asStringMap(value: unknown, what: string): Record<string, string> {
  const node = asObject(value, what);
  const out: Record<string, string> = {};
  // Some writers put numbers or booleans in properties; the spec says string → string.
  for (const [k, v] of Object.entries(node)) out[k] = typeof v === 'string' ? v : String(v);
  return out;
}

function parseSchema(value: unknown, where: string, defaultId?: number): Schema {
  const node = asObject(value, where);
  if (node.type !== 'struct')
    fail(`${where}: "type" must be "struct", got ${node.type === undefined ? 'no type' : JSON.stringify(node.type)}`);
  const schemaId = node['schema-id'] === undefined ? defaultId : asInt(node['schema-id'], `${where}.schema-id`);
  if (schemaId === undefined) fail(`${where}: missing "schema-id"`);
  const fields = asArray(node.fields, `${where}.fields`).map((f, i) => parseField(f, `${where}.fields[${i}]`));
  const schema: Schema = { ...node, type: 'struct', 'schema-id': schemaId, fields } as Schema;
  if (node['identifier-field-ids'] !== undefined) {
    schema['identifier-field-ids'] = asArray(node['identifier-field-ids'], `${where}.identifier-field-ids`).map((id) =>
      asInt(id, 'identifier-field-ids'),
    );
  }
  return schema;
}

function parseField(value: unknown, where: string): NestedField {
  const node = asObject(value, where);
  const name = asString(required(node, 'name', where), `${where}.name`);
  return {
    ...node,
    id: asInt(required(node, 'id', where), `${where}.id`),
    name,
    required: node.required === true,
    type: parseType(required(node, 'type', where), `${where} (${name})`),
  } as NestedField;
}

function parseType(value: unknown, where: string): IcebergType {
  if (typeof value === 'string') {
    try {
      parsePrimitive(value);
    } catch (cause) {
      throw new InvalidTableMetadataError(`${where}: unknown type ${JSON.stringify(value)}`, undefined, { cause });
    }
    return value;
  }
  const node = asObject(value, where);
  switch (node.type) {
    case 'struct':
      return {
        ...node,
        type: 'struct',
        fields: asArray(node.fields, `${where}.fields`).map((f, i) => parseField(f, `${where}.fields[${i}]`)),
      };
    case 'list':
      return {
        ...node,
        type: 'list',
        'element-id': asInt(required(node, 'element-id', where), `${where}.element-id`),
        'element-required': node['element-required'] === true,
        element: parseType(required(node, 'element', where), `${where}.element`),
      };
    case 'map':
      return {
        ...node,
        type: 'map',
        'key-id': asInt(required(node, 'key-id', where), `${where}.key-id`),
        key: parseType(required(node, 'key', where), `${where}.key`),
        'value-id': asInt(required(node, 'value-id', where), `${where}.value-id`),
        'value-required': node['value-required'] === true,
        value: parseType(required(node, 'value', where), `${where}.value`),
      };
    default:
      fail(`${where}: unknown type ${JSON.stringify(node.type ?? null)}`);
  }
}

function parseSpec(value: unknown, where: string): PartitionSpec {
  const node = asObject(value, where);
  return {
    ...node,
    'spec-id': asInt(required(node, 'spec-id', where), `${where}.spec-id`),
    fields: asArray(node.fields, `${where}.fields`).map((f, i) =>
      parsePartitionField(f, `${where}.fields[${i}]`, 1000 + i),
    ),
  };
}

function parsePartitionField(value: unknown, where: string, defaultFieldId: number): PartitionSpec['fields'][number] {
  const node = asObject(value, where);
  const field = {
    ...node,
    'source-id':
      node['source-id'] === undefined && Array.isArray(node['source-ids'])
        ? asInt(node['source-ids'][0], `${where}.source-ids`)
        : asInt(required(node, 'source-id', where), `${where}.source-id`),
    // v1 specs written before field ids existed number their fields from 1000 (spec: Partitioning).
    'field-id': node['field-id'] === undefined ? defaultFieldId : asInt(node['field-id'], `${where}.field-id`),
    name: asString(required(node, 'name', where), `${where}.name`),
    transform: asString(required(node, 'transform', where), `${where}.transform`),
  };
  return field;
}

function parseSortOrder(value: unknown, where: string): SortOrder {
  const node = asObject(value, where);
  return {
    ...node,
    'order-id': asInt(required(node, 'order-id', where), `${where}.order-id`),
    fields: asArray(node.fields, `${where}.fields`) as SortOrder['fields'],
  };
}

/**
 * Snapshots already normalized, by their parsed JSON object: a REST client that reuses the parsed
 * snapshots of an earlier response (catalog/metadata-json.ts) gets the same Snapshot back instead
 * of validating and copying the whole history again. Snapshots are immutable once built.
 */
const normalizedSnapshots = new WeakMap<object, { formatVersion: number; snapshot: Snapshot }>();

function normalizedSnapshot(value: unknown, index: number, formatVersion: number): Snapshot {
  const known = typeof value === 'object' && value !== null ? normalizedSnapshots.get(value) : undefined;
  if (known && known.formatVersion === formatVersion) return known.snapshot;
  const snapshot = parseSnapshot(value, `snapshots[${index}]`, formatVersion);
  normalizedSnapshots.set(value as object, { formatVersion, snapshot });
  return snapshot;
}

function parseSnapshot(value: unknown, where: string, formatVersion: number): Snapshot {
  const node = asObject(value, where);
  const snapshot: Record<string, unknown> = { ...node };
  snapshot['snapshot-id'] = asBigInt(required(node, 'snapshot-id', where), `${where}.snapshot-id`);
  if (node['parent-snapshot-id'] !== undefined && node['parent-snapshot-id'] !== null) {
    snapshot['parent-snapshot-id'] = asBigInt(node['parent-snapshot-id'], `${where}.parent-snapshot-id`);
  }
  if (node['sequence-number'] !== undefined)
    snapshot['sequence-number'] = asBigInt(node['sequence-number'], `${where}.sequence-number`);
  snapshot['timestamp-ms'] = asInt(required(node, 'timestamp-ms', where), `${where}.timestamp-ms`);
  if (node['manifest-list'] === undefined && node.manifests === undefined)
    fail(`${where}: needs "manifest-list" (or v1 "manifests")`);
  if (node['manifest-list'] === undefined && formatVersion > 1)
    fail(`${where}: "manifest-list" must exist in format v${formatVersion}`);
  if (node.summary !== undefined) {
    const summary = asStringMap(node.summary, `${where}.summary`);
    snapshot.summary = summary;
  }
  if (node['schema-id'] !== undefined && node['schema-id'] !== null)
    snapshot['schema-id'] = asInt(node['schema-id'], `${where}.schema-id`);
  if (node['first-row-id'] !== undefined && node['first-row-id'] !== null)
    snapshot['first-row-id'] = asBigInt(node['first-row-id'], `${where}.first-row-id`);
  if (node['added-rows'] !== undefined && node['added-rows'] !== null)
    snapshot['added-rows'] = asBigInt(node['added-rows'], `${where}.added-rows`);
  return snapshot as Snapshot;
}

function sameFields(a: Schema, b: Schema): boolean {
  return stringifyJson(a.fields) === stringifyJson(b.fields);
}
