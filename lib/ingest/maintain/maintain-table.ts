/**
 * `maintainTable`: one table's maintenance, in the order S3 Tables and Iceberg's guides use:
 * compact small files, expire old snapshots (which makes the compacted-away files unreachable
 * and deletes them once no retained snapshot needs them), rewrite manifests when there are many
 * small ones, then remove orphan files. Each step commits on its own; a failed step is reported
 * and the next still runs (an expiry that fails must not stop orphan removal, and vice versa).
 *
 * Per-table settings come from table properties (`floe.maintenance.*`, `history.expire.*`,
 * `write.target-file-size-bytes`) under the caller's explicit options.
 */
import type { TableIdentifier } from '../../catalog/catalog.js';
import type { ExpirySettings } from '../../iceberg/snapshot/expire-snapshots.js';
import { type CompactReport, compactTable } from './compact.js';
import type { CompactionSettings } from './compaction-plan.js';
import { type ExpireReport, expireSnapshots } from './expire.js';
import type { MaintenanceContext } from './maintenance-context.js';
import { DEFAULT_ORPHAN_AGE_MS, type OrphanReport, removeOrphanFiles } from './orphans.js';
import { type RewriteManifestsReport, rewriteTableManifests } from './rewrite-manifests.js';

export type MaintenanceOperation = 'compact' | 'expire' | 'manifests' | 'orphans';

/** Every operation, in the order they run. */
export const ALL_OPERATIONS: readonly MaintenanceOperation[] = ['compact', 'expire', 'manifests', 'orphans'];

export interface MaintainOptions {
  operations?: readonly MaintenanceOperation[];
  expiry?: Partial<ExpirySettings>;
  compaction?: Partial<CompactionSettings>;
  /** Safety age of orphan removal (ms). Default 3 days. */
  orphanAgeMs?: number;
  /** Markers older than this are pruned where no lifecycle rule does it (local). */
  ledgerWindowMs?: number;
}

export interface MaintainReport {
  table: string;
  reports: Array<CompactReport | ExpireReport | RewriteManifestsReport | OrphanReport>;
  /** Operations that failed, with the reason; the others still ran. */
  failures: Array<{ operation: MaintenanceOperation; error: string }>;
  prunedLedgerMarkers?: number;
}

/** Runs the chosen maintenance operations on one table. */
export async function maintainTable(
  id: TableIdentifier,
  context: MaintenanceContext,
  options: MaintainOptions = {},
): Promise<MaintainReport> {
  const operations = new Set(options.operations ?? ALL_OPERATIONS);
  const report: MaintainReport = { table: [...id.namespace, id.name].join('.'), reports: [], failures: [] };
  for (const operation of ALL_OPERATIONS) {
    if (!operations.has(operation)) continue;
    try {
      if (operation === 'compact') report.reports.push(await compactTable(id, context, options.compaction));
      else if (operation === 'expire') report.reports.push(await expireSnapshots(id, context, options.expiry));
      else if (operation === 'manifests') report.reports.push(await rewriteTableManifests(id, context));
      else report.reports.push(await removeOrphanFiles(id, context, options.orphanAgeMs ?? DEFAULT_ORPHAN_AGE_MS));
    } catch (error) {
      report.failures.push({ operation, error: (error as Error).message ?? String(error) });
    }
  }
  if (context.ledger && options.ledgerWindowMs !== undefined && !context.dryRun) {
    const table = await context.catalog.loadTable(id);
    report.prunedLedgerMarkers = await context.ledger.prune(
      table.metadata['table-uuid'],
      options.ledgerWindowMs,
      (context.now ?? Date.now)(),
    );
  }
  return report;
}
