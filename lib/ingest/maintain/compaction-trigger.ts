/**
 * The automatic compaction trigger (issue #13): after a commit, a table is maintained now only if
 * one of its partitions holds more than N small files (N = `floe.maintenance.small-file-threshold`,
 * default 50). On AWS the `floe.TableCommitted` rule starts the maintenance state machine for the
 * committed table with `{ tables: [t], trigger: "commit" }`, and PlanTables asks this check, so an
 * execution for a table that does not need it ends after one step.
 */
import type { TableIdentifier } from '../../catalog/catalog.js';
import type { FileIO } from '../../iceberg/file-io.js';
import { liveDataFiles } from '../../iceberg/scan.js';
import { partitionKey } from '../../iceberg/snapshot/summary.js';
import type { TableMetadata } from '../../iceberg/types.js';
import type { MaintenanceConfig } from '../config.js';
import { compactionSettings } from './compaction-plan.js';
import type { MaintenanceContext } from './maintenance-context.js';
import { DEFAULT_SMALL_FILE_THRESHOLD, tableMaintenanceSettings } from './table-settings.js';

export { DEFAULT_SMALL_FILE_THRESHOLD };

/** The partitions (keys) holding more than `threshold` small files. */
export function partitionsOverThreshold(smallFiles: ReadonlyMap<string, number>, threshold: number): string[] {
  return [...smallFiles].filter(([, count]) => count > threshold).map(([key]) => key);
}

/** The table's threshold: property `floe.maintenance.small-file-threshold`, else `fallback`. */
export function smallFileThreshold(metadata: TableMetadata, fallback = DEFAULT_SMALL_FILE_THRESHOLD): number {
  const raw = metadata.properties?.['floe.maintenance.small-file-threshold'];
  const value = Number(raw);
  return raw !== undefined && raw.trim() !== '' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

/** Counts the live data files below `minFileSizeBytes` per partition of the current snapshot. */
export async function smallFilesPerPartition(
  io: FileIO,
  metadata: TableMetadata,
  minFileSizeBytes: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const entry of await liveDataFiles(io, metadata)) {
    const file = entry.data_file;
    if (file.file_size_in_bytes >= minFileSizeBytes) continue;
    const key = partitionKey(file.spec_id ?? metadata['default-spec-id'], file.partition);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Whether a table needs compaction now, and which partitions pass the threshold. */
export async function compactionDue(
  id: TableIdentifier,
  context: MaintenanceContext,
  route: MaintenanceConfig = {},
  fallbackThreshold = DEFAULT_SMALL_FILE_THRESHOLD,
): Promise<{ due: boolean; threshold: number; partitions: string[] }> {
  const table = await context.catalog.loadTable(id);
  const settings = tableMaintenanceSettings(table.metadata, {
    ...route,
    smallFileThreshold: route.smallFileThreshold ?? fallbackThreshold,
  });
  const threshold = settings.smallFileThreshold;
  if (!settings.enabled) return { due: false, threshold, partitions: [] };
  const { minFileSizeBytes } = compactionSettings(table.metadata, {
    targetFileSizeBytes: settings.targetFileSizeBytes,
  });
  const counts = await smallFilesPerPartition(context.tableIo(table), table.metadata, minFileSizeBytes);
  const partitions = partitionsOverThreshold(counts, threshold);
  return { due: partitions.length > 0, threshold, partitions };
}
