/**
 * `commitBatch`: the commit use case. Takes the commit requests of one FIFO batch (up to 10
 * messages, possibly from several tables) and, per table:
 *
 * 1. drops ingest ids the table already committed within the dedup window (snapshot summaries,
 *    see ingest-ledger.ts) and duplicates within the batch (invariant 1);
 * 2. builds one merge-append snapshot holding every remaining request's data files, whose
 *    summary lists the ingest ids and source keys;
 * 3. commits through `commitWithRetry`: 409 → rebuild on the new base with the same data files
 *    and the same snapshot id; unknown outcome → reload and look for that snapshot id
 *    (invariant 2). Dedup is recomputed on every attempt's base, so a commit that landed under
 *    another invocation is never applied twice.
 *
 * The snapshot id is fixed per table per batch before the first attempt, so retries of one
 * invocation are recognised; a redelivered batch (crash after commit, before the ack) is caught
 * by step 1 instead.
 */
import { randomUUID } from 'node:crypto';
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import { formatIdentifier } from '../catalog/catalog.js';
import { type CommitOptions, commitWithRetry, type RetryInfo } from '../catalog/commit-driver.js';
import type { FileIO } from '../iceberg/file-io.js';
import { mergeAppend, newSnapshotId } from '../iceberg/snapshot/index.js';
import type { DataFile } from '../iceberg/types.js';
import type { CommitRequest } from './commit-request.js';
import {
  BatchLedger,
  committedIngestIds,
  decodeSummaryList,
  encodeSummaryList,
  type IngestLedger,
  type LedgerMarker,
  SUMMARY_INGEST_IDS,
  SUMMARY_SOURCE_KEYS,
} from './ingest-ledger.js';

export type RequestStatus = 'committed' | 'duplicate' | 'failed';

export interface RequestOutcome {
  request: CommitRequest;
  status: RequestStatus;
  snapshotId?: bigint;
  /**
   * `duplicate`: the snapshot that committed it earlier, when known (from the table's snapshot
   * summaries or its ledger marker), so a redelivery can record its `committed` history row again.
   */
  committedSnapshotId?: bigint;
  error?: unknown;
}

export interface TableCommitOutcome {
  table: string;
  /** `nothing-to-commit`: every request was a duplicate. */
  outcome: 'committed' | 'already-committed' | 'nothing-to-commit' | 'failed';
  snapshotId?: bigint;
  attempts: number;
  retries: RetryInfo[];
  committedIngestIds: string[];
  error?: unknown;
  /** The table as committed (`committed`/`already-committed`), for commit events (commit-events.ts). */
  committedTable?: LoadedTable;
  /**
   * The snapshots of `committedTable` (for `nothing-to-commit`, the table as last read) that
   * already held requests of this batch before it (duplicates). A redelivery after a failed event publication re-sends their
   * events with the same event ids (at least once, docs/events.md).
   */
  heldSnapshotIds?: bigint[];
}

export interface CommitBatchResult {
  /** One per request, in input order. */
  requests: RequestOutcome[];
  tables: TableCommitOutcome[];
}

export interface CommitBatchContext {
  catalog: Catalog;
  /** FileIO for a table's files (manifests are written with it). */
  tableIo(table: LoadedTable): FileIO;
  /** Dedup window of a table, in ms. */
  dedupWindowMs(table: TableIdentifier): number;
  /** Durable per-id markers that survive snapshot expiry (ingest-ledger.ts); without it, summaries only. */
  ledger?: IngestLedger;
  now?: () => number;
  commit?: Pick<CommitOptions, 'retry' | 'signal'>;
}

/** Raised inside an attempt when the base already holds every request: nothing to send. */
class NothingToCommit extends Error {
  override name = 'NothingToCommit';
}

/** Commits a batch of requests, one snapshot per table. Never throws for a table's failure: see `outcome`. */
export async function commitBatch(
  requests: readonly CommitRequest[],
  context: CommitBatchContext,
): Promise<CommitBatchResult> {
  const groups = new Map<string, CommitRequest[]>();
  for (const request of requests) {
    const key = formatIdentifier(request.table);
    const group = groups.get(key);
    if (group) group.push(request);
    else groups.set(key, [request]);
  }
  const statusOf = new Map<CommitRequest, Omit<RequestOutcome, 'request'>>();
  const tables: TableCommitOutcome[] = [];
  for (const [name, group] of groups) {
    const result = await commitTableGroup(group, context);
    tables.push({ ...result.table, table: name });
    for (const [request, status] of result.statuses) statusOf.set(request, status);
  }
  return {
    requests: requests.map((request) => ({ request, ...(statusOf.get(request) ?? { status: 'failed' as const }) })),
    tables,
  };
}

async function commitTableGroup(
  group: CommitRequest[],
  context: CommitBatchContext,
): Promise<{
  table: Omit<TableCommitOutcome, 'table'>;
  statuses: Map<CommitRequest, Omit<RequestOutcome, 'request'>>;
}> {
  const id = (group[0] as CommitRequest).table;
  const statuses = new Map<CommitRequest, Omit<RequestOutcome, 'request'>>();
  const retries: RetryInfo[] = [];
  const now = context.now ?? Date.now;
  const snapshotId = newSnapshotId();
  let chosen: CommitRequest[] = [];
  const ledger = new BatchLedger(
    context.ledger,
    group.map((r) => r.ingestId),
    context.dedupWindowMs(id),
    now,
  );
  const sourceOf = (r: CommitRequest) => ({ ingestId: r.ingestId, sourceKey: `${r.sourceBucket}/${r.sourceKey}` });
  let baseUuid: string | undefined;
  let lastBase: LoadedTable | undefined;
  let markers = new Map<string, LedgerMarker>();
  try {
    const result = await commitWithRetry(
      context.catalog,
      id,
      async (base, attemptNumber) => {
        const held = committedIngestIds(base.metadata, context.dedupWindowMs(id), now());
        baseUuid = base.metadata['table-uuid'];
        lastBase = base;
        markers = await ledger.markers(baseUuid);
        for (const ingestId of markers.keys()) held.add(ingestId);
        chosen = [];
        const seen = new Set<string>();
        for (const request of group) {
          if (held.has(request.ingestId) || seen.has(request.ingestId)) continue;
          seen.add(request.ingestId);
          chosen.push(request);
        }
        if (chosen.length === 0) throw new NothingToCommit();
        const io = context.tableIo(base);
        const dataFiles: DataFile[] = chosen.flatMap((r) =>
          r.dataFiles.map((f) => ({ ...f, spec_id: f.spec_id ?? r.specId })),
        );
        const produced = await mergeAppend({
          metadata: base.metadata,
          io,
          dataFiles,
          snapshotId,
          // Unique per attempt, so a retry never overwrites a manifest an unknown-outcome attempt may have committed.
          attemptId: `${snapshotId}-${attemptNumber}-${randomUUID().slice(0, 8)}`,
          now: now(),
          extraSummary: {
            [SUMMARY_INGEST_IDS]: encodeSummaryList(chosen.map((r) => r.ingestId)),
            [SUMMARY_SOURCE_KEYS]: encodeSummaryList(chosen.map((r) => `${r.sourceBucket}/${r.sourceKey}`)),
          },
        });
        // Manifests and the manifest list must exist before the catalog points at them.
        await Promise.all(produced.files.map((file) => io.write(file.path, file.bytes)));
        return { change: produced.change, snapshotId };
      },
      { ...context.commit, onRetry: (info) => retries.push(info) },
    );
    const ids = new Set(chosen.map((r) => r.ingestId));
    // Before the ack: every request of the group is now held (committed here or earlier).
    const uuid = result.table.metadata['table-uuid'];
    const earlier = committedSnapshots(result.table, markers);
    const duplicates = group.filter((r) => !chosen.includes(r));
    await Promise.all([
      ledger.record(uuid, chosen.map(sourceOf), snapshotId),
      ledger.record(
        uuid,
        duplicates.map((r) => ({ ...sourceOf(r), snapshotId: earlier.get(r.ingestId) })),
      ),
    ]);
    for (const request of group) {
      statuses.set(
        request,
        ids.has(request.ingestId) && chosen.includes(request)
          ? { status: 'committed', snapshotId }
          : { status: 'duplicate', committedSnapshotId: earlier.get(request.ingestId) },
      );
    }
    return {
      table: {
        outcome: result.outcome,
        snapshotId,
        attempts: result.attempts,
        retries,
        committedIngestIds: [...ids],
        committedTable: result.table,
        heldSnapshotIds: snapshotsHolding(
          result.table,
          group.filter((r) => !chosen.includes(r)),
        ).filter((id) => id !== snapshotId),
      },
      statuses,
    };
  } catch (caught) {
    let error = caught;
    const earlier = lastBase ? committedSnapshots(lastBase, markers) : new Map<string, bigint>();
    if (error instanceof NothingToCommit) {
      // Duplicates found only in summaries (a crash before the markers were written) get their markers now.
      try {
        if (baseUuid)
          await ledger.record(
            baseUuid,
            group.map((r) => ({ ...sourceOf(r), snapshotId: earlier.get(r.ingestId) })),
          );
      } catch (ledgerError) {
        error = ledgerError;
      }
    }
    if (error instanceof NothingToCommit) {
      for (const request of group)
        statuses.set(request, { status: 'duplicate', committedSnapshotId: earlier.get(request.ingestId) });
      return {
        table: {
          outcome: 'nothing-to-commit',
          attempts: retries.length + 1,
          retries,
          committedIngestIds: [],
          committedTable: lastBase,
          heldSnapshotIds: lastBase ? snapshotsHolding(lastBase, group) : [],
        },
        statuses,
      };
    }
    for (const request of group) statuses.set(request, { status: 'failed', error });
    return {
      table: { outcome: 'failed', attempts: retries.length + 1, retries, committedIngestIds: [], error },
      statuses,
    };
  }
}

/** The snapshots of a table whose summary lists an ingest id of the group (those still in its metadata). */
function snapshotsHolding(table: LoadedTable, group: readonly CommitRequest[]): bigint[] {
  const ids = new Set(group.map((r) => r.ingestId));
  return table.metadata.snapshots
    .filter((s) => decodeSummaryList(s.summary[SUMMARY_INGEST_IDS]).some((id) => ids.has(id)))
    .map((s) => s['snapshot-id']);
}

/** Ingest id → the snapshot that committed it: the table's snapshot summaries, else its ledger marker. */
function committedSnapshots(table: LoadedTable, markers: ReadonlyMap<string, LedgerMarker>): Map<string, bigint> {
  const found = new Map<string, bigint>();
  for (const marker of markers.values()) if (marker.snapshotId) found.set(marker.ingestId, BigInt(marker.snapshotId));
  for (const snapshot of table.metadata.snapshots)
    for (const id of decodeSummaryList(snapshot.summary[SUMMARY_INGEST_IDS])) found.set(id, snapshot['snapshot-id']);
  return found;
}
