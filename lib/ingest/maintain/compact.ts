/**
 * The compaction use case: plan groups (compaction-plan.ts), then per group read the small
 * files, write them again as files of the target size (through the same `DataFileWriter` as
 * convert: field ids, metrics, partition paths), and commit a `replace` snapshot
 * (`rewriteFiles`). Each group is its own commit, so a conflicting group never holds up the
 * others, and a group is the unit of work of one Lambda task on AWS.
 *
 * Concurrency: the commit asserts the branch head; on 409 it is rebuilt on the new base, where
 * every input file must still be live (a concurrent `replace-partitions` that removed one makes
 * the group abort, its new files deleted, nothing else touched). After an unknown commit outcome
 * the driver looks for the snapshot id; new files are never deleted then.
 */
import { randomUUID } from 'node:crypto';
import type * as arrow from 'apache-arrow';
import type { LoadedTable, TableIdentifier } from '../../catalog/catalog.js';
import { commitWithRetry } from '../../catalog/commit-driver.js';
import { RowErrorCollector, readBatches } from '../../formats/index.js';
import { toArrowSchema } from '../../iceberg/arrow-schema.js';
import { currentSchema, defaultSortOrder } from '../../iceberg/metadata.js';
import { DataFileWriter } from '../../iceberg/parquet/data-file-writer.js';
import { newSnapshotId, RewriteConflictError, rewriteFiles } from '../../iceberg/snapshot/index.js';
import type { DataFile } from '../../iceberg/types.js';
import {
  type CompactionGroup,
  type CompactionPlan,
  type CompactionSettings,
  compactionSettings,
  planCompaction,
} from './compaction-plan.js';
import { deleteFiles, type MaintenanceContext } from './maintenance-context.js';
import { sortBatches } from './sort-rows.js';

export interface GroupOutcome {
  partition: string;
  inputFiles: number;
  inputBytes: number;
  outputFiles: number;
  outputBytes: number;
  outcome: 'committed' | 'already-committed' | 'conflict' | 'planned';
  snapshotId?: string;
  reason?: string;
}

export interface CompactReport {
  operation: 'compact';
  settings: CompactionSettings;
  groups: GroupOutcome[];
  /** Partitions left alone because they hold delete files another engine wrote. */
  skippedWithDeletes: string[];
  /** v3 tables are left alone (row lineage ids are not rewritten yet). */
  skippedV3?: boolean;
  dryRun: boolean;
}

/** Plans a table's compaction (for a dry run, or for fanning groups out to workers). */
export async function planTableCompaction(
  id: TableIdentifier,
  context: MaintenanceContext,
  overrides: Partial<CompactionSettings> = {},
): Promise<{ table: LoadedTable; plan: CompactionPlan }> {
  const table = await context.catalog.loadTable(id);
  const plan = await planCompaction(
    context.tableIo(table),
    table.metadata,
    compactionSettings(table.metadata, overrides),
  );
  return { table, plan };
}

/** Compacts a table's small files, one commit per group. */
export async function compactTable(
  id: TableIdentifier,
  context: MaintenanceContext,
  overrides: Partial<CompactionSettings> = {},
): Promise<CompactReport> {
  const { table, plan } = await planTableCompaction(id, context, overrides);
  const report: CompactReport = {
    operation: 'compact',
    settings: plan.settings,
    groups: [],
    skippedWithDeletes: plan.skippedWithDeletes,
    dryRun: context.dryRun === true,
  };
  if (table.metadata['format-version'] >= 3) {
    // v3 row lineage: rewritten rows must keep their _row_id, which needs the ids written into
    // the new files; until floe does that it leaves v3 tables alone.
    report.skippedV3 = true;
    return report;
  }
  for (const group of plan.groups) {
    if (context.dryRun) {
      report.groups.push({
        partition: group.partition,
        inputFiles: group.files.length,
        inputBytes: group.bytes,
        outputFiles: Math.ceil(group.bytes / plan.settings.targetFileSizeBytes),
        outputBytes: 0,
        outcome: 'planned',
      });
      continue;
    }
    report.groups.push(await compactGroup(id, table, group, context));
  }
  return report;
}

/** Rewrites one group and commits it; a conflict abandons the group (its new files are deleted). */
export async function compactGroup(
  id: TableIdentifier,
  table: LoadedTable,
  group: CompactionGroup,
  context: MaintenanceContext,
): Promise<GroupOutcome> {
  const io = context.tableIo(table);
  const snapshotId = newSnapshotId();
  const written = await rewriteGroupFiles(table, group, io, `compact-${snapshotId}`);
  const outcome: GroupOutcome = {
    partition: group.partition,
    inputFiles: group.files.length,
    inputBytes: group.bytes,
    outputFiles: written.length,
    outputBytes: written.reduce((n, f) => n + f.file_size_in_bytes, 0),
    outcome: 'committed',
  };
  try {
    const result = await commitWithRetry(
      context.catalog,
      id,
      async (base, attempt) => {
        const product = await rewriteFiles({
          metadata: base.metadata,
          io,
          dataFiles: written,
          rewritten: group.files,
          dataSequenceNumber: group.dataSequenceNumber,
          snapshotId,
          attemptId: `${snapshotId}-${attempt}-${randomUUID().slice(0, 8)}`,
          now: context.now?.(),
          extraSummary: { 'floe.maintenance': 'compact' },
        });
        await Promise.all(product.files.map((f) => io.write(f.path, f.bytes)));
        return { change: product.change, snapshotId };
      },
      { ...context.commit, base: table },
    );
    outcome.outcome = result.outcome;
    outcome.snapshotId = snapshotId.toString();
  } catch (error) {
    if (!(error instanceof RewriteConflictError)) throw error;
    // Known not committed (the conflict is found before sending): the new files are ours alone.
    await deleteFiles(
      io,
      written.map((f) => f.file_path),
    );
    outcome.outcome = 'conflict';
    outcome.reason = error.message;
  }
  return outcome;
}

/** Reads the group's files in order and writes them as target-size files of the same partition. */
async function rewriteGroupFiles(
  table: LoadedTable,
  group: CompactionGroup,
  io: ReturnType<MaintenanceContext['tableIo']>,
  namePrefix: string,
): Promise<DataFile[]> {
  const metadata = table.metadata;
  const schema = currentSchema(metadata);
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === group.specId);
  if (!spec) throw new Error(`partition spec ${group.specId} not found`);
  const location = metadata.location.replace(/\/+$/, '');
  const writer = new DataFileWriter({
    io,
    schema,
    spec,
    formatVersion: metadata['format-version'],
    dataLocation: (metadata.properties?.['write.data.path'] ?? `${location}/data`).replace(/\/+$/, ''),
    namePrefix,
    properties: metadata.properties,
  });
  toArrowSchema(schema); // fail early on a schema floe cannot write
  // With a sort order the group's rows are sorted as a whole (a group fits a worker's memory by
  // construction, `maxGroupBytes`); without one they stream through in file order.
  const order = defaultSortOrder(metadata);
  const sorted = order !== undefined && order.fields.length > 0 ? order : undefined;
  try {
    const held: arrow.RecordBatch[] = [];
    for (const file of group.files) {
      const errors = new RowErrorCollector('abort');
      for await (const batch of readBatches(
        io.readStream(file.file_path),
        `${file.file_path}`,
        schema,
        undefined,
        errors,
      )) {
        if (sorted) held.push(batch);
        else await writer.write(batch);
      }
    }
    if (sorted) for (const batch of sortBatches(held, schema, sorted)) await writer.write(batch);
    return (await writer.close()).map((f) => ({
      ...f,
      spec_id: group.specId,
      sort_order_id: sorted ? sorted['order-id'] : f.sort_order_id,
    }));
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
