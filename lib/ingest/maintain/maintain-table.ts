/**
 * `maintainTable`: one table's maintenance, in the order S3 Tables and Iceberg's guides use:
 * compact small files, expire old snapshots (which makes the compacted-away files unreachable
 * and deletes them once no retained snapshot needs them), rewrite manifests when there are many
 * small ones, then remove orphan files. Each step commits on its own; a failed step is reported
 * and the next still runs (an expiry that fails must not stop orphan removal, and vice versa).
 *
 * Per-table settings: the caller's explicit options, over table properties (`floe.maintenance.*`,
 * `history.expire.*`, `write.target-file-size-bytes`), over the route's `maintenance:` block
 * (table-settings.ts). `enabled: false` (either place) skips the table.
 */
import type { TableIdentifier } from '../../catalog/catalog.js';
import type { MaintenanceConfig } from '../config.js';
import type { ExpirySettings } from '../../iceberg/snapshot/expire-snapshots.js';
import { type CompactReport, compactTable } from './compact.js';
import type { CompactionSettings } from './compaction-plan.js';
import { type ExpireReport, expireSnapshots } from './expire.js';
import type { MaintenanceContext } from './maintenance-context.js';
import { type OrphanReport, removeOrphanFiles } from './orphans.js';
import { type RewriteManifestsReport, rewriteTableManifests } from './rewrite-manifests.js';
import { tableMaintenanceSettings } from './table-settings.js';

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
  /** The `maintenance:` block of the table's route (routes config); table properties win over it. */
  route?: MaintenanceConfig;
}

export interface MaintainReport {
  table: string;
  reports: Array<CompactReport | ExpireReport | RewriteManifestsReport | OrphanReport>;
  /** Operations that failed, with the reason; the others still ran. */
  failures: Array<{ operation: MaintenanceOperation; error: string }>;
  prunedLedgerMarkers?: number;
  /** Set when maintenance is disabled for the table (`floe.maintenance.enabled` or the route). */
  skipped?: string;
}

/** Runs the chosen maintenance operations on one table. */
export async function maintainTable(
  id: TableIdentifier,
  context: MaintenanceContext,
  options: MaintainOptions = {},
): Promise<MaintainReport> {
  const operations = new Set(options.operations ?? ALL_OPERATIONS);
  const report: MaintainReport = { table: [...id.namespace, id.name].join('.'), reports: [], failures: [] };
  const settings = tableMaintenanceSettings((await context.catalog.loadTable(id)).metadata, options.route);
  if (!settings.enabled) {
    report.skipped = 'maintenance disabled for this table';
    return report;
  }
  const compaction = { targetFileSizeBytes: settings.targetFileSizeBytes, ...defined(options.compaction) };
  const expiry = {
    maxSnapshotAgeMs: settings.snapshotMaxAgeMs,
    minSnapshotsToKeep: settings.retainLast,
    ...defined(options.expiry),
  };
  const orphanAgeMs = options.orphanAgeMs ?? settings.orphanAgeMs;
  for (const operation of ALL_OPERATIONS) {
    if (!operations.has(operation)) continue;
    try {
      if (operation === 'compact') report.reports.push(await compactTable(id, context, compaction));
      else if (operation === 'expire') report.reports.push(await expireSnapshots(id, context, expiry));
      else if (operation === 'manifests') report.reports.push(await rewriteTableManifests(id, context));
      else report.reports.push(await removeOrphanFiles(id, context, orphanAgeMs));
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

/** The object without its undefined fields (so an unset option does not hide a table setting). */
function defined<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
