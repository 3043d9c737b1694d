/**
 * The load history table (`floe.ingest_history` by default): `HistoryRow`s as an Iceberg table
 * of the same catalog, partitioned by `day(landed_at)`, readable by any engine (issue #14).
 *
 * `commitHistoryRows` appends one batch of rows as one snapshot. It must never become the
 * contention point, so callers batch: on AWS the rows travel through their own FIFO group of the
 * commits queue (one history commit per commit invocation of that group), locally through their
 * own group of the in-process queue. Exactly once: every snapshot lists the `history_id`s it
 * added (`floe.ingest-ids`, the same ledger as data tables, ingest-ledger.ts); each attempt drops
 * the ids its base already holds, so a redelivered batch or a retried outcome adds nothing.
 */
import { randomUUID } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import { parseIdentifier } from '../catalog/catalog.js';
import { type CommitOptions, commitWithRetry } from '../catalog/commit-driver.js';
import { AlreadyExistsError } from '../catalog/errors.js';
import { toArrowSchema } from '../iceberg/arrow-schema.js';
import { currentSchema, defaultSpec } from '../iceberg/metadata.js';
import { DataFileWriter } from '../iceberg/parquet/data-file-writer.js';
import { mergeAppend, newSnapshotId } from '../iceberg/snapshot/index.js';
import type { NestedField, PartitionSpec, Schema } from '../iceberg/types.js';
import type { FileIO } from '../iceberg/file-io.js';
import { DEFAULT_HISTORY_TABLE, type HistoryRow } from './history-row.js';
import { committedIngestIds, encodeSummaryList, SUMMARY_INGEST_IDS } from './ingest-ledger.js';
import { loadTableIfExists } from './table-setup.js';

/** The default history table (configurable per stack: `FLOE_HISTORY_TABLE`, `floe dev --history-table`). */
export { DEFAULT_HISTORY_TABLE };

/** How long a history id is remembered for dedup: longer than SQS keeps a message (max 14 days). */
export const HISTORY_DEDUP_WINDOW_MS = 15 * 24 * 3600 * 1000;

type Kind = 'string' | 'long' | 'timestamptz';
const COLUMNS: Array<[keyof HistoryRow, Kind, boolean]> = [
  ['history_id', 'string', true],
  ['key', 'string', true],
  ['bucket', 'string', true],
  ['version_id', 'string', false],
  ['etag', 'string', false],
  ['ingest_id', 'string', false],
  ['target_table', 'string', false],
  ['outcome', 'string', true],
  ['rows', 'long', true],
  ['bytes', 'long', true],
  ['rejected_rows', 'long', true],
  ['error_class', 'string', false],
  ['reason', 'string', false],
  ['line', 'long', false],
  ['column', 'string', false],
  ['value', 'string', false],
  ['error_report', 'string', false],
  ['snapshot_id', 'long', false],
  ['landed_at', 'timestamptz', true],
  ['committed_at', 'timestamptz', false],
  ['recorded_at', 'timestamptz', true],
  ['latency_ms', 'long', true],
];

/** The history table's schema (field ids 1…n in column order). */
export function historySchema(): Schema {
  const fields: NestedField[] = COLUMNS.map(([name, type, required], i) => ({ id: i + 1, name, type, required }));
  return { type: 'struct', 'schema-id': 0, fields };
}

/** `day(landed_at)`: a day's files are one partition, pruned by any engine. */
export function historySpec(schema: Schema = historySchema()): PartitionSpec {
  const source = schema.fields.find((f) => f.name === 'landed_at') as NestedField;
  return {
    'spec-id': 0,
    fields: [{ 'source-id': source.id, 'field-id': 1000, name: 'landed_at_day', transform: 'day' }],
  };
}

/** Raised when history rows could not be committed (the caller retries the batch). */
export class HistoryCommitError extends Error {
  override name = 'HistoryCommitError';
}

export interface HistoryTableContext {
  catalog: Catalog;
  tableIo(table: LoadedTable): FileIO;
  /** @default DEFAULT_HISTORY_TABLE */
  table?: string | TableIdentifier;
  now?: () => number;
  commit?: Pick<CommitOptions, 'retry' | 'signal'>;
}

export interface HistoryCommitResult {
  table: string;
  /** Rows added by this call. */
  added: number;
  /** Rows the table already held (a redelivery). */
  alreadyRecorded: number;
  snapshotId?: bigint;
}

/** Loads the history table, creating it (and its namespace) on first use. */
export async function ensureHistoryTable(catalog: Catalog, id: TableIdentifier): Promise<LoadedTable> {
  const existing = await loadTableIfExists(catalog, id);
  if (existing) return existing;
  try {
    await catalog.createNamespace(id.namespace);
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
  }
  const schema = historySchema();
  try {
    return await catalog.createTable(id.namespace, {
      name: id.name,
      schema,
      'partition-spec': historySpec(schema),
      properties: { 'format-version': '2', comment: 'floe load history: one row per landed object and outcome' },
    });
  } catch (error) {
    if (error instanceof AlreadyExistsError) return catalog.loadTable(id);
    throw error;
  }
}

/** Appends `rows` (one snapshot), skipping rows whose `history_id` the table already holds. */
export async function commitHistoryRows(
  rows: readonly HistoryRow[],
  context: HistoryTableContext,
): Promise<HistoryCommitResult> {
  const id =
    typeof context.table === 'object' ? context.table : parseIdentifier(context.table ?? DEFAULT_HISTORY_TABLE);
  const name = [...id.namespace, id.name].join('.');
  const now = context.now ?? Date.now;
  // Within the batch, an outcome reported twice is one row.
  const unique = [...new Map(rows.map((r) => [r.history_id, r])).values()];
  if (unique.length === 0) return { table: name, added: 0, alreadyRecorded: 0 };
  try {
    const base = await ensureHistoryTable(context.catalog, id);
    const snapshotId = newSnapshotId();
    let chosen: HistoryRow[] = [];
    await commitWithRetry(
      context.catalog,
      id,
      async (table, attemptNumber) => {
        const held = committedIngestIds(table.metadata, HISTORY_DEDUP_WINDOW_MS, now());
        chosen = unique.filter((r) => !held.has(r.history_id));
        if (chosen.length === 0) {
          throw new NothingToRecord();
        }
        const io = context.tableIo(table);
        const attemptId = `${snapshotId}-${attemptNumber}-${randomUUID().slice(0, 8)}`;
        const dataFiles = await writeHistoryFile(chosen, table, io, `history-${attemptId}`);
        const produced = await mergeAppend({
          metadata: table.metadata,
          io,
          dataFiles,
          snapshotId,
          attemptId,
          now: now(),
          extraSummary: { [SUMMARY_INGEST_IDS]: encodeSummaryList(chosen.map((r) => r.history_id)) },
        });
        await Promise.all(produced.files.map((file) => io.write(file.path, file.bytes)));
        return { change: produced.change, snapshotId };
      },
      { ...context.commit, base },
    );
    return { table: name, added: chosen.length, alreadyRecorded: unique.length - chosen.length, snapshotId };
  } catch (error) {
    if (error instanceof NothingToRecord) {
      return { table: name, added: 0, alreadyRecorded: unique.length };
    }
    throw new HistoryCommitError(`could not record ${unique.length} history rows in ${name}`, { cause: error });
  }
}

class NothingToRecord extends Error {
  override name = 'NothingToRecord';
}

async function writeHistoryFile(rows: HistoryRow[], table: LoadedTable, io: FileIO, namePrefix: string) {
  const metadata = table.metadata;
  const schema = currentSchema(metadata);
  const writer = new DataFileWriter({
    io,
    schema,
    spec: defaultSpec(metadata),
    formatVersion: metadata['format-version'] as 1 | 2 | 3,
    dataLocation: metadata.properties['write.data.path'] ?? `${metadata.location.replace(/\/$/, '')}/data`,
    namePrefix,
    properties: metadata.properties,
  });
  await writer.write(historyBatch(rows, schema));
  return writer.close();
}

/** The rows as one Arrow batch of the table's schema (columns matched by name; unknown ones null). */
export function historyBatch(rows: readonly HistoryRow[], schema: Schema): arrow.RecordBatch {
  const arrowSchema = toArrowSchema(schema);
  const children = schema.fields.map((field, i) => {
    const type = (arrowSchema.fields[i] as arrow.Field).type;
    const values = rows.map((r) => (r as unknown as Record<string, unknown>)[field.name] ?? null);
    if (field.type === 'string')
      return arrow.vectorFromArray(
        values.map((v) => (v === null ? null : String(v))),
        new arrow.Utf8(),
      ).data[0] as arrow.Data;
    const data = new BigInt64Array(rows.length);
    const nullBitmap = new Uint8Array(Math.ceil(rows.length / 8));
    let nullCount = 0;
    values.forEach((v, row) => {
      if (v === null) {
        nullCount++;
        return;
      }
      nullBitmap[row >> 3] = (nullBitmap[row >> 3] as number) | (1 << (row & 7));
      const n = BigInt(v as string | number);
      data[row] = field.type === 'timestamptz' ? n * 1000n : n;
    });
    return arrow.makeData({ type: type as arrow.Int64, length: rows.length, nullCount, nullBitmap, data });
  });
  const data = arrow.makeData({
    type: new arrow.Struct(arrowSchema.fields),
    length: rows.length,
    nullCount: 0,
    children,
  });
  return new arrow.RecordBatch(arrowSchema, data);
}
