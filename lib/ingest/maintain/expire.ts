/**
 * The expire-snapshots use case: plan (pure, `planExpiry`), record the expiring snapshots'
 * ingest ids as durable ledger markers, commit `remove-snapshots`, and only then delete the files
 * that no retained snapshot reaches (manifest lists, manifests, data and delete files).
 *
 * Order matters for exactly-once: markers before the commit, so a redelivered file is still
 * recognised once its snapshot is gone; deletion after the commit and computed from the
 * catalog's answer, so a snapshot committed meanwhile keeps its files. After an unknown commit
 * outcome nothing is deleted (the next run finds the files again).
 *
 * `write.metadata.delete-after-commit.enabled`: the metadata files the commit pushed out of the
 * `metadata-log` (bounded by `write.metadata.previous-versions-max`) are deleted too.
 */
import type { LoadedTable, TableIdentifier } from '../../catalog/catalog.js';
import { commitWithRetry } from '../../catalog/commit-driver.js';
import { type ExpirySettings, expirySettings, planExpiry } from '../../iceberg/snapshot/expire-snapshots.js';
import { ManifestPathCache, reachableFiles, unreachableAfterExpiry } from '../../iceberg/snapshot/reachable-files.js';
import type { Snapshot, TableMetadata } from '../../iceberg/types.js';
import type { FileIO } from '../../iceberg/file-io.js';
import { sweepExpiringSummaries } from '../ingest-ledger.js';
import { deleteFiles, type MaintenanceContext, NothingToDo } from './maintenance-context.js';

export interface ExpireReport {
  operation: 'expire';
  settings: ExpirySettings;
  expiredSnapshots: number;
  retainedSnapshots: number;
  /** Ingest ids written to the ledger before the snapshots went. */
  ledgerMarkers: number;
  /** Files deleted (or, in a dry run, that would be). */
  deletedFiles: number;
  deletedMetadataFiles: number;
  dryRun: boolean;
}

/** Expires a table's old snapshots and deletes the files only they reached. */
export async function expireSnapshots(
  id: TableIdentifier,
  context: MaintenanceContext,
  overrides: Partial<ExpirySettings> = {},
): Promise<ExpireReport> {
  const now = context.now ?? Date.now;
  const loaded = await context.catalog.loadTable(id);
  const io = context.tableIo(loaded);
  const settings = expirySettings(loaded.metadata, overrides);
  const report: ExpireReport = {
    operation: 'expire',
    settings,
    expiredSnapshots: 0,
    retainedSnapshots: loaded.metadata.snapshots.length,
    ledgerMarkers: 0,
    deletedFiles: 0,
    deletedMetadataFiles: 0,
    dryRun: context.dryRun === true,
  };
  if (context.dryRun) {
    const plan = planExpiry(loaded.metadata, settings, now());
    const retained = loaded.metadata.snapshots.filter((s) => plan.retained.has(s['snapshot-id']));
    const cache = new ManifestPathCache(io, loaded.metadata);
    report.expiredSnapshots = plan.expired.length;
    report.retainedSnapshots = retained.length;
    report.deletedFiles = unreachableAfterExpiry(
      await reachableFiles(cache, plan.expired),
      await reachableFiles(cache, retained, { liveOnly: true }),
    ).length;
    return report;
  }

  let base: TableMetadata = loaded.metadata;
  let expired: Snapshot[] = [];
  let committed: LoadedTable;
  try {
    const result = await commitWithRetry(
      context.catalog,
      id,
      async (table) => {
        base = table.metadata;
        const plan = planExpiry(base, settings, now());
        if (plan.expired.length === 0) throw new NothingToDo();
        if (context.ledger) {
          report.ledgerMarkers = await sweepExpiringSummaries(context.ledger, base['table-uuid'], plan.expired);
        }
        expired = plan.expired;
        return { change: plan.change };
      },
      { ...context.commit, base: loaded },
    );
    committed = result.table;
  } catch (error) {
    if (error instanceof NothingToDo) return report;
    throw error;
  }

  // The catalog's answer may hold snapshots committed after our base: they are retained too.
  const after = committed.metadata;
  const gone = expired.filter((s) => !after.snapshots.some((k) => k['snapshot-id'] === s['snapshot-id']));
  const cache = new ManifestPathCache(io, after);
  const doomed = unreachableAfterExpiry(
    await reachableFiles(cache, gone),
    await reachableFiles(cache, after.snapshots, { liveOnly: true }),
  );
  report.expiredSnapshots = gone.length;
  report.retainedSnapshots = after.snapshots.length;
  report.deletedFiles = await deleteFiles(io, doomed);
  if (after.properties?.['write.metadata.delete-after-commit.enabled'] === 'true') {
    report.deletedMetadataFiles = await deleteFiles(io, await supersededMetadataFiles(io, committed));
  }
  return report;
}

/**
 * `write.metadata.delete-after-commit.enabled`: metadata files that are neither current nor in
 * `metadata-log` (bounded by `write.metadata.previous-versions-max`) and were written before the
 * oldest logged one. Anything newer may be a commit in flight, so it is left to orphan removal.
 */
async function supersededMetadataFiles(io: FileIO, table: LoadedTable): Promise<string[]> {
  const log = table.metadata['metadata-log'] ?? [];
  const kept = new Set([table.metadataLocation, ...log.map((e) => e['metadata-file'])]);
  const oldest = Math.min(table.metadata['last-updated-ms'], ...log.map((e) => e['timestamp-ms']));
  const dir = table.metadataLocation.slice(0, table.metadataLocation.lastIndexOf('/') + 1);
  const out: string[] = [];
  for await (const file of io.list(dir)) {
    if (!file.path.endsWith('.metadata.json') || kept.has(file.path)) continue;
    if (file.lastModified && file.lastModified.getTime() < oldest) out.push(file.path);
  }
  return out;
}
