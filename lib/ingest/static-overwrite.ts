/**
 * Static partition overwrite (issue 17): `--mode overwrite --partition order_date=2024-01-15`,
 * Spark's `INSERT OVERWRITE t PARTITION (order_date = DATE '2024-01-15') SELECT …`. One
 * `overwrite` snapshot deletes every live data file of exactly that partition and adds the new
 * files, even when they are fewer or none. A new file whose rows fall outside the named partition
 * is an error and nothing is committed.
 *
 * Partitions are named by partition field name and value in Iceberg's human form (what
 * `floe inspect` prints and Java writes in paths: `2024-01-15` for a day or a date, `2024-01` for
 * a month); every field of the table's partition spec must be named.
 */
import { createHash } from 'node:crypto';
import { formatIdentifier } from '../catalog/catalog.js';
import { commitWithRetry } from '../catalog/commit-driver.js';
import { currentSchema } from '../iceberg/metadata.js';
import { partitionToHuman } from '../iceberg/partition.js';
import { newSnapshotId, replacePartitions } from '../iceberg/snapshot/index.js';
import type { DataFile, TableMetadata } from '../iceberg/types.js';
import type { BackfillCommitTarget, BackfillContext, BackfillProgress, BatchCommit } from './backfill.js';
import { startingProgress } from './backfill.js';
import type { BackfillPlan } from './backfill-plan.js';
import type { CommitRequest } from './commit-request.js';
import { encodeSummaryList, SUMMARY_INGEST_IDS, SUMMARY_SOURCE_KEYS } from './ingest-ledger.js';

/** A static partition: partition field name → value (human form). */
export type StaticPartition = Record<string, string>;

/** Summary key recording the partition a static overwrite replaced. */
export const SUMMARY_STATIC_PARTITION = 'floe.static-partition';

/** Raised for a partition that does not fit the table, or new rows outside it (bad input: nothing is committed). */
export class StaticPartitionError extends Error {
  override name = 'StaticPartitionError';
}

/** Parses `k=v` assignments (`--partition order_date=2024-01-15`, repeatable). */
export function parsePartitionAssignments(texts: readonly string[]): StaticPartition {
  const out: StaticPartition = {};
  for (const text of texts) {
    for (const part of text.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new StaticPartitionError(`--partition expects name=value, got "${part}"`);
      out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  if (Object.keys(out).length === 0) throw new StaticPartitionError('--partition names no partition');
  return out;
}

/** `a=1/b=x`, for messages and the snapshot summary. */
export function describePartition(partition: Record<string, string | null>): string {
  return Object.entries(partition)
    .map(([k, v]) => `${k}=${v}`)
    .join('/');
}

/**
 * A predicate over (spec id, partition tuple) that is true for files of the named partition.
 * Throws when the table's current spec does not have exactly the named fields.
 */
export function partitionMatcher(
  metadata: TableMetadata,
  wanted: StaticPartition,
): (specId: number, partition: DataFile['partition']) => boolean {
  const schema = currentSchema(metadata);
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id']);
  const names = (spec?.fields ?? []).map((f) => f.name);
  const keys = Object.keys(wanted);
  if (names.length === 0)
    throw new StaticPartitionError(
      'the table is not partitioned: a static partition overwrite needs a partitioned table',
    );
  if (names.length !== keys.length || !names.every((n) => n in wanted))
    throw new StaticPartitionError(
      `the table is partitioned by (${names.join(', ')}); --partition names (${keys.join(', ')}): name every field`,
    );
  return (specId, partition) => {
    const s = metadata['partition-specs'].find((x) => x['spec-id'] === specId);
    if (!s || s.fields.length !== keys.length) return false;
    const human = partitionToHuman(s, schema, partition);
    return keys.every((k) => k in human && human[k] === wanted[k]);
  };
}

/**
 * Commits the converted requests as one overwrite of partition `wanted` (retried on conflict,
 * recomputed on each attempt's base). Every new data file must lie in `wanted`.
 */
export async function commitStaticOverwrite(
  requests: CommitRequest[],
  target: BackfillCommitTarget,
  wanted: StaticPartition,
): Promise<BatchCommit> {
  const snapshotId = newSnapshotId();
  const done = await commitWithRetry(target.catalog, target.table, async (base, attempt) => {
    const inPartition = partitionMatcher(base.metadata, wanted);
    const schema = currentSchema(base.metadata);
    const dataFiles: DataFile[] = [];
    for (const r of requests) {
      for (const f of r.dataFiles) {
        const specId = f.spec_id ?? r.specId;
        if (!inPartition(specId, f.partition)) {
          const spec = base.metadata['partition-specs'].find((s) => s['spec-id'] === specId);
          const found = spec ? describePartition(partitionToHuman(spec, schema, f.partition)) : `spec ${specId}`;
          throw new StaticPartitionError(
            `${r.sourceKey}: rows outside partition ${describePartition(wanted)} (found ${found}); nothing was committed`,
          );
        }
        dataFiles.push({ ...f, spec_id: specId });
      }
    }
    const io = target.tableIo(base);
    const produced = await replacePartitions(
      {
        metadata: base.metadata,
        io,
        dataFiles,
        snapshotId,
        attemptId: `${snapshotId}-${attempt}`,
        extraSummary: {
          [SUMMARY_INGEST_IDS]: encodeSummaryList(requests.map((r) => r.ingestId)),
          [SUMMARY_SOURCE_KEYS]: encodeSummaryList(requests.map((r) => `${r.sourceBucket}/${r.sourceKey}`)),
          [SUMMARY_STATIC_PARTITION]: describePartition(wanted),
        },
      },
      inPartition,
    );
    await Promise.all(produced.files.map((file) => io.write(file.path, file.bytes)));
    return { change: produced.change, snapshotId };
  });
  return { outcome: done.outcome, snapshotId, committed: requests };
}

/** What a static overwrite did. */
export interface StaticOverwriteResult extends BackfillProgress {
  mode: 'overwrite';
  partition: StaticPartition;
  runId: string;
  snapshotIds: bigint[];
  rejections: Array<{ path: string; reason: string; reportPath?: string }>;
}

/**
 * Converts every object of `plan` (with the context's convert, live dedup off) and, when none
 * was rejected, commits them all as one overwrite of `partition`. A rejected file commits
 * nothing: replacing a partition with part of its new rows would lose the rest.
 */
export async function runStaticOverwrite(
  plan: BackfillPlan,
  context: BackfillContext,
  options: { partition: StaticPartition; concurrency?: number },
): Promise<StaticOverwriteResult> {
  const objects = plan.chunks.flatMap((c) => c.objects);
  const progress = startingProgress(plan);
  const requests: CommitRequest[] = [];
  const rejections: StaticOverwriteResult['rejections'] = [];
  let next = 0;
  const worker = async () => {
    for (let object = objects[next++]; object; object = objects[next++]) {
      const outcome = await context.convert(object);
      if (outcome.kind === 'converted') {
        requests.push(outcome.request);
        progress.rows += outcome.request.rows;
      } else if (outcome.kind === 'rejected') {
        progress.rejected++;
        rejections.push({ path: object.path, reason: outcome.reason, reportPath: outcome.reportPath });
      } else progress.skipped++;
      progress.filesDone++;
      progress.bytesDone += object.size;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, objects.length)) }, worker));
  const runId = `o${createHash('sha256')
    .update(
      `${formatIdentifier(context.table)}\u0000${describePartition(options.partition)}\u0000${requests
        .map((r) => r.ingestId)
        .sort()
        .join(',')}`,
    )
    .digest('hex')
    .slice(0, 24)}`;
  const result: StaticOverwriteResult = {
    ...progress,
    mode: 'overwrite',
    partition: options.partition,
    runId,
    snapshotIds: [],
    rejections,
  };
  if (rejections.length > 0) return result;
  const commit = await commitStaticOverwrite(requests, context, options.partition);
  if (commit.snapshotId !== undefined) result.snapshotIds.push(commit.snapshotId);
  result.committed = requests.length;
  result.snapshots = result.snapshotIds.length;
  return result;
}
