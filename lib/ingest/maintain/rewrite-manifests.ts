/**
 * The rewrite-manifests use case: when the current snapshot has many small data manifests,
 * commit a `replace` snapshot with them packed (iceberg/snapshot/rewrite-manifests.ts).
 */
import { randomUUID } from 'node:crypto';
import type { TableIdentifier } from '../../catalog/catalog.js';
import { commitWithRetry } from '../../catalog/commit-driver.js';
import { readManifestList } from '../../iceberg/avro/manifest-list.js';
import { currentSnapshot } from '../../iceberg/metadata.js';
import { snapshotManifests } from '../../iceberg/scan.js';
import { newSnapshotId, rewriteManifests } from '../../iceberg/snapshot/index.js';
import type { PendingFile } from '../../iceberg/types.js';
import { type MaintenanceContext, NothingToDo } from './maintenance-context.js';

export interface RewriteManifestsReport {
  operation: 'manifests';
  manifestsBefore: number;
  manifestsAfter: number;
  snapshotId?: string;
  dryRun: boolean;
}

/** Packs the current snapshot's small manifests when there are many. */
export async function rewriteTableManifests(
  id: TableIdentifier,
  context: MaintenanceContext,
): Promise<RewriteManifestsReport> {
  const table = await context.catalog.loadTable(id);
  const io = context.tableIo(table);
  const snapshotId = newSnapshotId();
  const report: RewriteManifestsReport = {
    operation: 'manifests',
    manifestsBefore: 0,
    manifestsAfter: 0,
    dryRun: context.dryRun === true,
  };
  try {
    await commitWithRetry(
      context.catalog,
      id,
      async (base, attempt) => {
        const product = await rewriteManifests({
          metadata: base.metadata,
          io,
          snapshotId,
          attemptId: `${snapshotId}-${attempt}-${randomUUID().slice(0, 8)}`,
          now: context.now?.(),
          extraSummary: { 'floe.maintenance': 'rewrite-manifests' },
        });
        if (!product) throw new NothingToDo();
        const head = currentSnapshot(base.metadata);
        report.manifestsBefore = head ? (await snapshotManifests(io, head)).length : 0;
        report.manifestsAfter = readManifestList((product.files.at(-1) as PendingFile).bytes).length;
        if (context.dryRun) throw new NothingToDo();
        await Promise.all(product.files.map((f) => io.write(f.path, f.bytes)));
        return { change: product.change, snapshotId };
      },
      { ...context.commit, base: table },
    );
    report.snapshotId = snapshotId.toString();
  } catch (error) {
    if (!(error instanceof NothingToDo)) throw error;
  }
  return report;
}
