/**
 * Getting a table ready for a landed file: load it, or create it on the first file when the
 * route allows (inferred schema + configured partition spec), and evolve its schema when the
 * file brings new columns or wider types (invariant 5).
 *
 * - Create races (two converts of the first two files) end in `AlreadyExistsError` for one of
 *   them, which then loads the winner's table.
 * - A schema change is committed with `assert-current-schema-id` and
 *   `assert-last-assigned-field-id` (a Java-style schema update, ICEBERG-NOTES "REST catalog");
 *   on 409 the table is reloaded and the file re-aligned against the new schema.
 */
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import { AlreadyExistsError, CommitConflictError, NoSuchNamespaceError, NoSuchTableError } from '../catalog/errors.js';
import { BadInputError } from '../formats/bad-input-error.js';
import { currentSchema } from '../iceberg/metadata.js';
import { transformResultType } from '../iceberg/partition.js';
import { assignFreshIds } from '../iceberg/schema.js';
import type { IcebergType, PartitionSpec, Schema } from '../iceberg/types.js';
import type { RouteSettings } from './config.js';

/** First partition field id (spec: Partitioning, "partition field ids start at 1000"). */
const PARTITION_FIELD_ID_START = 1000;

/** Raised when the table is missing and the route does not allow creating it. */
export class TableMissingError extends Error {
  override name = 'TableMissingError';
}

/** Loads the table; undefined when it does not exist. */
export async function loadTableIfExists(catalog: Catalog, id: TableIdentifier): Promise<LoadedTable | undefined> {
  try {
    return await catalog.loadTable(id);
  } catch (error) {
    if (error instanceof NoSuchTableError || error instanceof NoSuchNamespaceError) return undefined;
    throw error;
  }
}

/** The partition spec of a new table, from the route's `partition_spec` (source columns by name). */
export function partitionSpecFor(schema: Schema, settings: RouteSettings, fileName: string): PartitionSpec {
  const fields = (settings.autoCreate?.partitionSpec ?? []).map((field, i) => {
    const source =
      schema.fields.find((f) => f.name === field.column) ??
      schema.fields.find((f) => f.name.toLowerCase() === field.column.toLowerCase());
    if (!source) {
      throw new BadInputError(`partition column "${field.column}" is not a column of the file`, {
        file: fileName,
        column: field.column,
      });
    }
    try {
      transformResultType(field.transform, source.type);
    } catch (error) {
      throw new BadInputError(
        `partition transform ${field.transform} does not apply to column "${source.name}"`,
        { file: fileName, column: source.name },
        { cause: error },
      );
    }
    const bare = field.transform.replace(/\[.*$/, '');
    return {
      'source-id': source.id,
      'field-id': PARTITION_FIELD_ID_START + i,
      name: field.name ?? (field.transform === 'identity' ? source.name : `${source.name}_${bare}`),
      transform: field.transform,
    };
  });
  return { 'spec-id': 0, fields };
}

/**
 * Stages the table for the first file (REST `stage-create`: the catalog returns the metadata it
 * would create, and creates nothing), so the file is converted against the staged schema, spec
 * and location first; `createStagedTable` then creates the table only when the file was
 * accepted. A rejected first file leaves no table behind (issue #18).
 */
export async function stageTableForFile(
  catalog: Catalog,
  id: TableIdentifier,
  fileSchema: Schema,
  settings: RouteSettings,
  fileName: string,
): Promise<LoadedTable> {
  const auto = settings.autoCreate;
  if (!auto)
    throw new TableMissingError(
      `table ${[...id.namespace, id.name].join('.')} does not exist and the route does not allow auto_create`,
    );
  const { schema } = assignFreshIds(schemaForFormatVersion(fileSchema, auto.formatVersion));
  // New columns are optional (invariant 5); a created table starts the same way, so later files may omit them.
  schema.fields = schema.fields.map((f) => ({ ...f, required: false }));
  const spec = partitionSpecFor(schema, settings, fileName);
  try {
    await catalog.createNamespace(id.namespace);
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
  }
  return catalog.createTable(id.namespace, {
    name: id.name,
    schema,
    'partition-spec': spec,
    location: auto.location,
    properties: { 'format-version': String(auto.formatVersion), ...auto.properties },
    'stage-create': true,
  });
}

/**
 * Creates the table `staged` describes (same schema ids, spec, location and properties), once its
 * first file converted. `created: false` when another writer created it first: the caller
 * checks that the winner's schema still fits the files it wrote.
 */
export async function createStagedTable(
  catalog: Catalog,
  id: TableIdentifier,
  staged: LoadedTable,
): Promise<{ table: LoadedTable; created: boolean }> {
  const m = staged.metadata;
  try {
    const table = await catalog.createTable(id.namespace, {
      name: id.name,
      schema: currentSchema(m),
      'partition-spec': m['partition-specs'].find((s) => s['spec-id'] === m['default-spec-id']),
      location: m.location,
      properties: { ...m.properties, 'format-version': String(m['format-version']) },
    });
    return { table, created: true };
  } catch (error) {
    if (error instanceof AlreadyExistsError) return { table: await catalog.loadTable(id), created: false };
    throw error;
  }
}

/**
 * Types a table of `formatVersion` can hold: nanosecond timestamps exist only from v3 (spec:
 * Primitive Types), so a v1/v2 table gets microsecond columns; values that are not whole
 * microseconds are then rejected by name, never truncated.
 */
export function schemaForFormatVersion(schema: Schema, formatVersion: number): Schema {
  if (formatVersion >= 3) return schema;
  const down = (type: IcebergType): IcebergType => {
    if (type === 'timestamp_ns') return 'timestamp';
    if (type === 'timestamptz_ns') return 'timestamptz';
    if (typeof type === 'string') return type;
    if (type.type === 'struct') return { ...type, fields: type.fields.map((f) => ({ ...f, type: down(f.type) })) };
    if (type.type === 'list') return { ...type, element: down(type.element) };
    return { ...type, key: down(type.key), value: down(type.value) };
  };
  return { ...schema, fields: schema.fields.map((f) => ({ ...f, type: down(f.type) })) };
}

/**
 * Commits `evolved` as the table's new current schema. Returns the reloaded table, or undefined
 * after a 409 (someone else changed the schema: re-align against the new one).
 */
export async function commitSchema(
  catalog: Catalog,
  table: LoadedTable,
  evolved: Schema,
  lastColumnId: number,
): Promise<LoadedTable | undefined> {
  const base = table.metadata;
  try {
    return await catalog.commitTable(table.identifier, {
      requirements: [
        { type: 'assert-table-uuid', uuid: base['table-uuid'] },
        { type: 'assert-current-schema-id', 'current-schema-id': base['current-schema-id'] },
        { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': base['last-column-id'] },
      ],
      updates: [
        { action: 'add-schema', schema: evolved, 'last-column-id': lastColumnId },
        // -1: the schema added by this change (REST spec, SetCurrentSchemaUpdate).
        { action: 'set-current-schema', 'schema-id': -1 },
      ],
    });
  } catch (error) {
    if (error instanceof CommitConflictError) return undefined;
    throw error;
  }
}

/** The next schema id for `metadata` (ids are unique within the table). */
export function nextSchemaId(table: LoadedTable): number {
  return Math.max(...table.metadata.schemas.map((s) => s['schema-id'])) + 1;
}

export { currentSchema };
