/**
 * The steps of the AWS maintenance state machine (infra/constructs/maintenance-state-machine.ts),
 * each a plain function of a small JSON input (Step Functions payloads stay far below 256 KiB):
 *
 * ```
 * PlanTables   { tables?, trigger? }               → { tables: [{ table }] }
 *   (trigger "commit": only the named tables with a partition over the small-file threshold)
 * per table (Map):
 *   PlanCompaction { table }                       → { table, groups: [{ table, specId, files, dataSequenceNumber }] }
 *   per group (Map): CompactGroup <group>          → GroupOutcome
 *   ExpireAndClean { table }                       → { expire, manifests, orphans }
 * ```
 *
 * A group names its files by path only; CompactGroup finds them in the table's current snapshot
 * again, so a file removed between plan and task aborts the group (as a concurrent change does).
 */
import { type Catalog, formatIdentifier, parseIdentifier, type TableIdentifier } from '../../catalog/catalog.js';
import type { MaintenanceConfig } from '../config.js';
import { liveDataFiles } from '../../iceberg/scan.js';
import type { ExpirySettings } from '../../iceberg/snapshot/expire-snapshots.js';
import { catalogTables } from './catalog-tables.js';
import { compactGroup, type GroupOutcome, planTableCompaction } from './compact.js';
import { compactionDue } from './compaction-trigger.js';
import type { CompactionGroup } from './compaction-plan.js';
import { type ExpireReport, expireSnapshots } from './expire.js';
import type { MaintenanceContext } from './maintenance-context.js';
import { type OrphanReport, removeOrphanFiles } from './orphans.js';
import { type RewriteManifestsReport, rewriteTableManifests } from './rewrite-manifests.js';
import { tableMaintenanceSettings } from './table-settings.js';

/** At most this many groups per table per run (the rest wait for the next run): keeps the Map input small. */
export const MAX_GROUPS_PER_RUN = 50;

/** Raised for a step input that is not what the state machine sends. */
export class MaintenanceStepInputError extends Error {
  override name = 'MaintenanceStepInputError';
}

export interface GroupTask {
  table: string;
  specId: number;
  partition: string;
  files: string[];
  dataSequenceNumber: string;
}

export interface StepSettings {
  expiry?: Partial<ExpirySettings>;
  orphanAgeMs?: number;
  /** Small files per partition above which a commit-triggered run maintains the table. */
  smallFileThreshold?: number;
  /** The `maintenance:` block of a table's route (routes config), under the table's properties. */
  routeFor?: (table: TableIdentifier) => MaintenanceConfig;
}

function tableOf(input: unknown): string {
  const table = (input as { table?: unknown } | null)?.table;
  if (typeof table !== 'string' || table === '') throw new MaintenanceStepInputError('input needs "table": "ns.table"');
  return table;
}

/** PlanTables: the tables named in the input (or every table of the catalog). */
export async function planTablesStep(catalog: Catalog, input: unknown): Promise<{ tables: Array<{ table: string }> }> {
  const named = (input as { tables?: unknown } | null)?.tables;
  if (named !== undefined && (!Array.isArray(named) || named.some((t) => typeof t !== 'string')))
    throw new MaintenanceStepInputError('"tables" must be a list of "ns.table" names');
  const tables = named ? (named as string[]) : (await catalogTables(catalog)).map(formatIdentifier);
  return { tables: tables.map((table) => ({ table })) };
}

/**
 * PlanTables for a run started by a commit event (`trigger: "commit"`): of the named tables, only
 * those with a partition holding more than the small-file threshold; the others are skipped so
 * the execution ends at once. A scheduled run plans as {@link planTablesStep} does, less the
 * tables whose maintenance is disabled (when the routes config is known).
 */
export async function planTriggeredTablesStep(
  context: MaintenanceContext,
  input: unknown,
  settings: StepSettings = {},
): Promise<{ tables: Array<{ table: string }>; skipped?: string[] }> {
  const planned = await planTablesStep(context.catalog, input);
  const byCommit = (input as { trigger?: unknown } | null)?.trigger === 'commit';
  if (!byCommit && !settings.routeFor) return planned;
  const tables: Array<{ table: string }> = [];
  const skipped: string[] = [];
  for (const { table } of planned.tables) {
    const id = parseIdentifier(table);
    const route = settings.routeFor?.(id) ?? {};
    const keep = byCommit
      ? (await compactionDue(id, context, route, settings.smallFileThreshold)).due
      : tableMaintenanceSettings((await context.catalog.loadTable(id)).metadata, route).enabled;
    if (keep) tables.push({ table });
    else skipped.push(table);
  }
  return { tables, skipped };
}

/** PlanCompaction: the table's compaction groups, by file path. */
export async function planCompactionStep(
  context: MaintenanceContext,
  input: unknown,
  settings: StepSettings = {},
): Promise<{ table: string; groups: GroupTask[]; skippedWithDeletes: string[] }> {
  const table = tableOf(input);
  const id = parseIdentifier(table);
  const { targetFileSizeBytes } = tableMaintenanceSettings(
    (await context.catalog.loadTable(id)).metadata,
    settings.routeFor?.(id),
  );
  const { table: loaded, plan } = await planTableCompaction(id, context, { targetFileSizeBytes });
  const groups = loaded.metadata['format-version'] >= 3 ? [] : plan.groups.slice(0, MAX_GROUPS_PER_RUN);
  return {
    table,
    groups: groups.map((g) => ({
      table,
      specId: g.specId,
      partition: g.partition,
      files: g.files.map((f) => f.file_path),
      dataSequenceNumber: g.dataSequenceNumber.toString(),
    })),
    skippedWithDeletes: plan.skippedWithDeletes,
  };
}

/** CompactGroup: rewrites one group (files looked up again in the current snapshot). */
export async function compactGroupStep(context: MaintenanceContext, input: unknown): Promise<GroupOutcome> {
  const task = input as Partial<GroupTask> | null;
  const table = tableOf(task);
  if (!Array.isArray(task?.files) || typeof task.specId !== 'number' || typeof task.dataSequenceNumber !== 'string')
    throw new MaintenanceStepInputError('a group needs "specId", "files" and "dataSequenceNumber"');
  const id = parseIdentifier(table);
  const loaded = await context.catalog.loadTable(id);
  const wanted = new Set(task.files);
  const live = (await liveDataFiles(context.tableIo(loaded), loaded.metadata)).filter((e) =>
    wanted.has(e.data_file.file_path),
  );
  if (live.length !== wanted.size) {
    return {
      partition: task.partition ?? '',
      inputFiles: wanted.size,
      inputBytes: 0,
      outputFiles: 0,
      outputBytes: 0,
      outcome: 'conflict',
      reason: `${wanted.size - live.length} file(s) of the group were removed since the plan`,
    };
  }
  const group: CompactionGroup = {
    specId: task.specId,
    partition: task.partition ?? '',
    files: live.map((e) => ({ ...e.data_file, spec_id: task.specId })),
    bytes: live.reduce((n, e) => n + e.data_file.file_size_in_bytes, 0),
    dataSequenceNumber: BigInt(task.dataSequenceNumber),
  };
  return compactGroup(id, loaded, group, context);
}

/** ExpireAndClean: expire snapshots (ledger first), rewrite manifests, remove orphans. */
export async function expireAndCleanStep(
  context: MaintenanceContext,
  input: unknown,
  settings: StepSettings = {},
): Promise<{ table: string; expire: ExpireReport; manifests: RewriteManifestsReport; orphans: OrphanReport }> {
  const table = tableOf(input);
  const id = parseIdentifier(table);
  // Explicit settings (the environment) over table properties over the route (table-settings.ts).
  const resolved = tableMaintenanceSettings((await context.catalog.loadTable(id)).metadata, settings.routeFor?.(id));
  const expire = await expireSnapshots(id, context, {
    maxSnapshotAgeMs: settings.expiry?.maxSnapshotAgeMs ?? resolved.snapshotMaxAgeMs,
    minSnapshotsToKeep: settings.expiry?.minSnapshotsToKeep ?? resolved.retainLast,
  });
  const manifests = await rewriteTableManifests(id, context);
  const orphans = await removeOrphanFiles(id, context, settings.orphanAgeMs ?? resolved.orphanAgeMs);
  return { table, expire, manifests, orphans: { ...orphans, orphans: orphans.orphans.slice(0, 100) } };
}
