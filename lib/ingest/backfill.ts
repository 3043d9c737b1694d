/**
 * `runBackfill`: the backfill use case (issue 8). Converts the chunks of a plan in parallel with
 * bounded concurrency and commits the results in batches with a bounded number of data files per
 * snapshot, through the same convert code and the same optimistic commit path as live ingestion
 * (so a backfill and the live commit queue serialize on the catalog's `assert-ref-snapshot-id`).
 *
 * Modes:
 * - `append`: one merge-append snapshot per batch (the live `commitBatch`). Objects whose ingest
 *   id the table already holds are skipped before conversion, so re-running a backfill, or
 *   backfilling files that live ingestion already took, adds nothing (invariant 1).
 * - `replace-partitions`: one overwrite snapshot per batch that deletes the live data files of
 *   exactly the partitions the batch touches (`INSERT OVERWRITE … PARTITION`), except files an
 *   earlier batch of the same run added. A run is identified by a hash of the table, the mode and
 *   the sorted ingest ids it plans, recorded in each snapshot summary (`floe.backfill-run`):
 *   restarting a killed run resumes it (its committed ingest ids are skipped), and running it
 *   again once complete changes nothing; changed source files make a new run that replaces again.
 */
import { createHash } from 'node:crypto';
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import { commitWithRetry } from '../catalog/commit-driver.js';
import type { FileIO } from '../iceberg/file-io.js';
import { ancestorsOf, currentSnapshot } from '../iceberg/metadata.js';
import { liveDataFiles } from '../iceberg/scan.js';
import { newSnapshotId, partitionKey, replacePartitions } from '../iceberg/snapshot/index.js';
import type { DataFile, TableMetadata } from '../iceberg/types.js';
import type { BackfillObject, BackfillPlan } from './backfill-plan.js';
import { commitBatch } from './commit-batch.js';
import type { CommitRequest } from './commit-request.js';
import type { IngestConfig, RouteSettings } from './config.js';
import {
  committedIngestIds,
  decodeSummaryList,
  encodeSummaryList,
  SUMMARY_INGEST_IDS,
  SUMMARY_SOURCE_KEYS,
} from './ingest-ledger.js';
import { loadTableIfExists } from './table-setup.js';

export type BackfillMode = 'append' | 'replace-partitions';

/** Summary key naming the backfill run a snapshot belongs to. */
export const SUMMARY_BACKFILL_RUN = 'floe.backfill-run';

/** What converting one object gave. */
export type ConvertOutcome =
  | { kind: 'converted'; request: CommitRequest }
  | { kind: 'rejected'; reason: string /** Where its error report was written. */; reportPath?: string }
  | { kind: 'skipped'; reason: string };

export interface BackfillContext {
  catalog: Catalog;
  table: TableIdentifier;
  /** FileIO for the table's files (manifests are written with it). */
  tableIo(table: LoadedTable): FileIO;
  /** The ingest id of an object, exactly as live ingestion derives it. */
  ingestIdOf(object: BackfillObject): string;
  /** The convert use case for one object (writes data files, or an error report). */
  convert(object: BackfillObject): Promise<ConvertOutcome>;
}

export interface BackfillOptions {
  mode: BackfillMode;
  /** Chunks converted at once. @default 4 */
  concurrency?: number;
  /** Most data files per snapshot. @default 500 */
  filesPerSnapshot?: number;
  onProgress?(progress: BackfillProgress): void;
  /** Stops between objects (Ctrl-C); what is committed stays committed. */
  signal?: AbortSignal;
}

/** The progress of a plan before any file is done. */
export function startingProgress(plan: Pick<BackfillPlan, 'files' | 'bytes'>): BackfillProgress {
  return {
    files: plan.files,
    filesDone: 0,
    bytes: plan.bytes,
    bytesDone: 0,
    rows: 0,
    skipped: 0,
    rejected: 0,
    committed: 0,
    snapshots: 0,
  };
}

export interface BackfillProgress {
  files: number;
  filesDone: number;
  bytes: number;
  bytesDone: number;
  rows: number;
  /** Already in the table before this run (or earlier in the same run), not converted. */
  skipped: number;
  rejected: number;
  committed: number;
  snapshots: number;
}

export interface BackfillResult extends BackfillProgress {
  runId: string;
  mode: BackfillMode;
  snapshotIds: bigint[];
  rejections: Array<{ path: string; reason: string; reportPath?: string }>;
}

/** The run id of a plan: stable for the same table, mode and object versions. */
export function backfillRunId(table: TableIdentifier, mode: BackfillMode, ingestIds: readonly string[]): string {
  const hash = createHash('sha256').update(`${table.namespace.join('.')}.${table.name}\u0000${mode}\u0000`);
  for (const id of [...ingestIds].sort()) hash.update(`${id}\n`);
  return `b${hash.digest('hex').slice(0, 24)}`;
}

/** Ingest ids committed on `main` by snapshots of backfill run `runId`, and those snapshots. */
export function runLedger(
  metadata: TableMetadata | undefined,
  runId: string,
): { ids: Set<string>; snapshots: Set<bigint> } {
  const ids = new Set<string>();
  const snapshots = new Set<bigint>();
  const head = metadata && currentSnapshot(metadata);
  if (!metadata || !head) return { ids, snapshots };
  for (const snapshot of ancestorsOf(metadata, head['snapshot-id'])) {
    if (snapshot.summary?.[SUMMARY_BACKFILL_RUN] !== runId) continue;
    snapshots.add(snapshot['snapshot-id']);
    for (const id of decodeSummaryList(snapshot.summary[SUMMARY_INGEST_IDS])) ids.add(id);
  }
  return { ids, snapshots };
}

/**
 * The route config to convert the objects of a backfill with. For replace-partitions, the live
 * dedup of `convertObject` (skip an object whose ingest id the table already holds) is off: the
 * overwrite deletes the partition's current data files, so skipping an unchanged object would
 * lose its rows. The run ledger ({@link runLedger}) dedups instead. A dedup window of −∞ puts
 * every snapshot outside it.
 */
export function backfillConvertConfig(config: IngestConfig, mode: BackfillMode): IngestConfig {
  if (mode === 'append') return config;
  const noLiveDedup = (settings: RouteSettings): RouteSettings => ({
    ...settings,
    dedupWindowMs: Number.NEGATIVE_INFINITY,
  });
  return {
    ...config,
    defaults: noLiveDedup(config.defaults),
    routes: config.routes.map((route) => ({ ...route, settings: noLiveDedup(route.settings) })),
  };
}

/** Runs a planned backfill to the end (or until `signal` aborts). */
export async function runBackfill(
  plan: BackfillPlan,
  context: BackfillContext,
  options: BackfillOptions,
): Promise<BackfillResult> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const filesPerSnapshot = Math.max(1, options.filesPerSnapshot ?? 500);
  const objects = plan.chunks.flatMap((c) => c.objects);
  const idOf = new Map(objects.map((o) => [o, context.ingestIdOf(o)]));
  const runId = backfillRunId(context.table, options.mode, [...idOf.values()]);

  const base = await loadTableIfExists(context.catalog, context.table);
  const held =
    options.mode === 'append'
      ? committedIngestIds(base?.metadata ?? emptyMetadataLike(), Number.POSITIVE_INFINITY)
      : runLedger(base?.metadata, runId).ids;

  const progress = startingProgress(plan);
  const snapshotIds: bigint[] = [];
  const rejections: BackfillResult['rejections'] = [];
  const report = () => options.onProgress?.({ ...progress });

  // Commits run one at a time, in the order batches fill up.
  const pending: CommitRequest[] = [];
  let pendingFiles = 0;
  let committing: Promise<void> = Promise.resolve();
  let commitError: unknown;
  const flush = (all: boolean) => {
    while (pending.length > 0 && (all || pendingFiles >= filesPerSnapshot)) {
      const batch: CommitRequest[] = [];
      let files = 0;
      while (pending.length > 0) {
        const next = pending[0] as CommitRequest;
        if (batch.length > 0 && files + next.dataFiles.length > filesPerSnapshot) break;
        batch.push(next);
        files += next.dataFiles.length;
        pending.shift();
      }
      pendingFiles -= files;
      committing = committing.then(async () => {
        if (commitError) return;
        try {
          const { snapshotId } =
            options.mode === 'append' ? await commitAppend(batch, context) : await commitReplace(batch, context, runId);
          if (snapshotId !== undefined) {
            snapshotIds.push(snapshotId);
            progress.snapshots++;
          }
          progress.committed += batch.length;
          report();
        } catch (error) {
          commitError = error;
        }
      });
    }
  };

  const chunks = plan.chunks.map((c) => c.objects);
  let nextChunk = 0;
  const worker = async () => {
    for (;;) {
      const chunk = chunks[nextChunk++];
      if (!chunk) return;
      for (const object of chunk) {
        if (options.signal?.aborted || commitError) return;
        if (held.has(idOf.get(object) as string)) {
          progress.skipped++;
        } else {
          const outcome = await context.convert(object);
          if (outcome.kind === 'converted') {
            pending.push(outcome.request);
            pendingFiles += outcome.request.dataFiles.length;
            progress.rows += outcome.request.rows;
            flush(false);
          } else if (outcome.kind === 'rejected') {
            progress.rejected++;
            rejections.push({ path: object.path, reason: outcome.reason, reportPath: outcome.reportPath });
          } else {
            progress.skipped++;
          }
        }
        progress.filesDone++;
        progress.bytesDone += object.size;
        report();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  if (!options.signal?.aborted) flush(true);
  await committing;
  if (commitError) throw commitError;
  return { ...progress, runId, mode: options.mode, snapshotIds, rejections };
}

/** `committedIngestIds` wants metadata; a table that does not exist yet holds nothing. */
function emptyMetadataLike(): TableMetadata {
  return { snapshots: [], refs: {}, 'snapshot-log': [] } as unknown as TableMetadata;
}

/** What committing one batch of a backfill did. */
export interface BatchCommit {
  /** `already-committed`: a retry whose first attempt had landed; `nothing-to-commit`: the table held the whole batch. */
  outcome: 'committed' | 'already-committed' | 'nothing-to-commit';
  snapshotId?: bigint;
  /** The requests the snapshot added (the batch less those the table already held). */
  committed: CommitRequest[];
}

/** Where a batch is committed: the part of {@link BackfillContext} a commit needs. */
export type BackfillCommitTarget = Pick<BackfillContext, 'catalog' | 'table' | 'tableIo'>;

/** Commits a batch as one merge-append snapshot through the live `commitBatch` (dedup by ingest id on every attempt's base). */
export async function commitAppend(batch: CommitRequest[], target: BackfillCommitTarget): Promise<BatchCommit> {
  const result = await commitBatch(batch, {
    catalog: target.catalog,
    tableIo: target.tableIo,
    dedupWindowMs: () => Number.POSITIVE_INFINITY,
  });
  const failed = result.tables.find((t) => t.outcome === 'failed');
  if (failed) throw new BackfillCommitError(`backfill commit to ${failed.table} failed`, { cause: failed.error });
  const table = result.tables.find((t) => t.outcome === 'committed' || t.outcome === 'already-committed');
  return {
    outcome: table?.outcome === 'already-committed' ? 'already-committed' : table ? 'committed' : 'nothing-to-commit',
    snapshotId: table?.snapshotId,
    committed: result.requests.filter((r) => r.status === 'committed').map((r) => r.request),
  };
}

/**
 * Commits a batch as one overwrite snapshot replacing exactly the partitions it touches, keeping
 * the files earlier batches of run `runId` added there, tagged with `runId` (`floe.backfill-run`).
 * Dedup and the set of files to keep are recomputed on every attempt's base (a live commit may
 * have landed in between). Serves `runBackfill` and the Step Functions CommitBatch step alike.
 */
export async function commitReplace(
  batch: CommitRequest[],
  target: BackfillCommitTarget,
  runId: string,
): Promise<BatchCommit> {
  const snapshotId = newSnapshotId();
  let chosen: CommitRequest[] = [];
  try {
    const done = await commitWithRetry(target.catalog, target.table, async (base, attempt) => {
      const ledger = runLedger(base.metadata, runId);
      chosen = dedupe(batch.filter((r) => !ledger.ids.has(r.ingestId)));
      if (chosen.length === 0) throw new NothingToCommit();
      const io = target.tableIo(base);
      const defaultSpecId = base.metadata['default-spec-id'];
      const dataFiles: DataFile[] = chosen.flatMap((r) =>
        r.dataFiles.map((f) => ({ ...f, spec_id: f.spec_id ?? r.specId })),
      );
      const produced = await replacePartitions({
        metadata: base.metadata,
        io,
        dataFiles: [...dataFiles, ...(await earlierRunFiles(io, base, ledger.snapshots, dataFiles, defaultSpecId))],
        snapshotId,
        attemptId: `${snapshotId}-${attempt}`,
        extraSummary: {
          [SUMMARY_INGEST_IDS]: encodeSummaryList(chosen.map((r) => r.ingestId)),
          [SUMMARY_SOURCE_KEYS]: encodeSummaryList(chosen.map((r) => `${r.sourceBucket}/${r.sourceKey}`)),
          [SUMMARY_BACKFILL_RUN]: runId,
        },
      });
      await Promise.all(produced.files.map((file) => io.write(file.path, file.bytes)));
      return { change: produced.change, snapshotId };
    });
    return { outcome: done.outcome, snapshotId, committed: chosen };
  } catch (error) {
    if (error instanceof NothingToCommit) return { outcome: 'nothing-to-commit', committed: [] };
    throw error;
  }
}

/**
 * Live files that earlier batches of this run added to the partitions `dataFiles` touch. They
 * are part of the partitions' new contents, so they go back in with the batch (replacePartitions
 * marks them DELETED and ADDED in the same snapshot: still live, same path).
 */
async function earlierRunFiles(
  io: FileIO,
  base: LoadedTable,
  runSnapshots: Set<bigint>,
  dataFiles: DataFile[],
  defaultSpecId: number,
): Promise<DataFile[]> {
  if (runSnapshots.size === 0) return [];
  const touched = new Set(dataFiles.map((f) => partitionKey(f.spec_id ?? defaultSpecId, f.partition)));
  const fresh = new Set(dataFiles.map((f) => f.file_path));
  return (await liveDataFiles(io, base.metadata))
    .filter(
      (e) =>
        e.snapshot_id !== null &&
        runSnapshots.has(e.snapshot_id) &&
        !fresh.has(e.data_file.file_path) &&
        touched.has(partitionKey(e.data_file.spec_id ?? defaultSpecId, e.data_file.partition)),
    )
    .map((e) => e.data_file);
}

function dedupe(requests: CommitRequest[]): CommitRequest[] {
  const seen = new Set<string>();
  return requests.filter((r) => !seen.has(r.ingestId) && seen.add(r.ingestId));
}

/** Thrown inside an attempt when the base already holds the whole batch: nothing to send. */
class NothingToCommit extends Error {
  override name = 'NothingToCommit';
}

/** Raised when a batch of a backfill cannot be committed (after the commit path's retries). */
export class BackfillCommitError extends Error {
  override name = 'BackfillCommitError';
}
