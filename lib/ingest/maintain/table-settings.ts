/**
 * A table's maintenance settings, resolved once from every place they can be set. Precedence,
 * strongest first (docs/maintenance.md):
 *
 * 1. the caller's explicit options (`floe maintain --older-than/--retain-last`, the environment);
 * 2. table properties: `floe.maintenance.*`, then Iceberg's own `write.target-file-size-bytes`,
 *    `history.expire.max-snapshot-age-ms`, `history.expire.min-snapshots-to-keep`;
 * 3. the route's `maintenance:` block, field by field over `defaults.maintenance` (routes config);
 * 4. floe's built-in defaults (S3 Tables': keep ≥ 1 snapshot, expire after 5 days, orphans after
 *    3 days; target 512 MiB; small-file threshold 50).
 *
 * Table properties win over the routes config because they travel with the table: an operator
 * (or another engine) tuning one table should not be undone by a deployment-wide default.
 */
import {
  DEFAULT_EXPIRY,
  PROP_MAX_SNAPSHOT_AGE_MS,
  PROP_MIN_SNAPSHOTS_TO_KEEP,
} from '../../iceberg/snapshot/expire-snapshots.js';
import type { TableMetadata } from '../../iceberg/types.js';
import type { MaintenanceConfig } from '../config.js';
import { DEFAULT_ORPHAN_AGE_MS } from './orphans.js';

/** Every maintenance setting of one table, resolved. */
export interface TableMaintenanceSettings {
  enabled: boolean;
  targetFileSizeBytes: number;
  snapshotMaxAgeMs: number;
  retainLast: number;
  orphanAgeMs: number;
  smallFileThreshold: number;
}

export const DEFAULT_TARGET_FILE_SIZE_BYTES = 512 * 1024 * 1024;

/** Small files per partition above which a commit triggers compaction. */
export const DEFAULT_SMALL_FILE_THRESHOLD = 50;

/** Table properties read per setting, first match wins. */
export const MAINTENANCE_PROPERTIES: Record<keyof TableMaintenanceSettings, readonly string[]> = {
  enabled: ['floe.maintenance.enabled'],
  targetFileSizeBytes: ['floe.maintenance.target-file-size-bytes', 'write.target-file-size-bytes'],
  snapshotMaxAgeMs: ['floe.maintenance.snapshot-max-age-ms', PROP_MAX_SNAPSHOT_AGE_MS],
  retainLast: ['floe.maintenance.retain-last', PROP_MIN_SNAPSHOTS_TO_KEEP],
  orphanAgeMs: ['floe.maintenance.orphan-age-ms'],
  smallFileThreshold: ['floe.maintenance.small-file-threshold'],
};

const MINIMUM: Record<Exclude<keyof TableMaintenanceSettings, 'enabled'>, number> = {
  targetFileSizeBytes: 1,
  snapshotMaxAgeMs: 0,
  retainLast: 1,
  orphanAgeMs: 0,
  smallFileThreshold: 0,
};

/** Resolves a table's maintenance settings from its properties over the route's `maintenance:` block. */
export function tableMaintenanceSettings(
  metadata: Pick<TableMetadata, 'properties'>,
  route: MaintenanceConfig = {},
): TableMaintenanceSettings {
  const props = metadata.properties ?? {};
  const property = (key: keyof TableMaintenanceSettings): string | undefined =>
    MAINTENANCE_PROPERTIES[key].map((name) => props[name]).find((v) => v !== undefined && v.trim() !== '');
  const num = (key: Exclude<keyof TableMaintenanceSettings, 'enabled'>, fallback: number): number => {
    const raw = property(key);
    const value = Number(raw);
    // A malformed property is ignored (as Iceberg Java's PropertyUtil would fail; floe keeps going).
    if (raw !== undefined && Number.isFinite(value) && value >= MINIMUM[key]) return value;
    return route[key] ?? fallback;
  };
  const enabled = property('enabled');
  return {
    enabled: enabled !== undefined ? enabled.trim().toLowerCase() !== 'false' : (route.enabled ?? true),
    targetFileSizeBytes: num('targetFileSizeBytes', DEFAULT_TARGET_FILE_SIZE_BYTES),
    snapshotMaxAgeMs: num('snapshotMaxAgeMs', DEFAULT_EXPIRY.maxSnapshotAgeMs),
    retainLast: num('retainLast', DEFAULT_EXPIRY.minSnapshotsToKeep),
    orphanAgeMs: num('orphanAgeMs', DEFAULT_ORPHAN_AGE_MS),
    smallFileThreshold: num('smallFileThreshold', DEFAULT_SMALL_FILE_THRESHOLD),
  };
}
