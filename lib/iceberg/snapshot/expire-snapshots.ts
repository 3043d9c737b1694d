/**
 * Expire snapshots (Java `RemoveSnapshots`, PyIceberg `ExpireSnapshots`): decides which snapshots
 * a table no longer needs and returns the REST change that removes them. Pure: it reads only the
 * metadata; which files become unreachable is `reachable-files.ts`'s job, after the commit.
 *
 * Retention, per ref (spec: "Snapshot Retention Policy"):
 * - every branch keeps its head and the ancestors that are younger than its max snapshot age or
 *   among its `min-snapshots-to-keep` newest (ref settings override the table's
 *   `history.expire.*` properties, which override the caller's defaults);
 * - every tag keeps its head;
 * - a snapshot no ref reaches is kept only while younger than the table's max snapshot age.
 * A ref head is never removed, so no ref is ever dropped by expiry.
 */
import { ancestorsOf } from '../metadata.js';
import type { Snapshot, TableChange, TableMetadata } from '../types.js';

export interface ExpirySettings {
  /** Snapshots older than this (ms) may go. S3 Tables / floe default: 5 days. */
  maxSnapshotAgeMs: number;
  /** Each branch keeps at least this many of its newest snapshots. Default 1. */
  minSnapshotsToKeep: number;
}

/** floe's defaults, as S3 Tables: keep at least one snapshot, expire those older than 5 days. */
export const DEFAULT_EXPIRY: ExpirySettings = { maxSnapshotAgeMs: 5 * 86_400_000, minSnapshotsToKeep: 1 };

/** Table properties that set the defaults (Java `TableProperties.MAX_SNAPSHOT_AGE_MS`, `MIN_SNAPSHOTS_TO_KEEP`). */
export const PROP_MAX_SNAPSHOT_AGE_MS = 'history.expire.max-snapshot-age-ms';
export const PROP_MIN_SNAPSHOTS_TO_KEEP = 'history.expire.min-snapshots-to-keep';

export interface ExpiryPlan {
  /** Snapshots to remove, oldest first. */
  expired: Snapshot[];
  /** Ids of the snapshots that stay. */
  retained: Set<bigint>;
  /** `assert-table-uuid` + every ref where it is now; `remove-snapshots`. Empty updates when nothing expires. */
  change: TableChange;
}

/**
 * Settings for a table: explicit `overrides` (e.g. `floe maintain --older-than`) win over the
 * table's `history.expire.*` properties, which win over `DEFAULT_EXPIRY`.
 */
export function expirySettings(metadata: TableMetadata, overrides: Partial<ExpirySettings> = {}): ExpirySettings {
  const prop = (key: string): number | undefined => {
    const raw = metadata.properties?.[key];
    const value = Number(raw);
    return raw !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  return {
    maxSnapshotAgeMs: overrides.maxSnapshotAgeMs ?? prop(PROP_MAX_SNAPSHOT_AGE_MS) ?? DEFAULT_EXPIRY.maxSnapshotAgeMs,
    minSnapshotsToKeep: Math.max(
      1,
      overrides.minSnapshotsToKeep ?? prop(PROP_MIN_SNAPSHOTS_TO_KEEP) ?? DEFAULT_EXPIRY.minSnapshotsToKeep,
    ),
  };
}

/** Plans which snapshots to expire at `now`. */
export function planExpiry(metadata: TableMetadata, settings: ExpirySettings, now = Date.now()): ExpiryPlan {
  const retained = new Set<bigint>();
  const refs = Object.entries(metadata.refs ?? {});
  if (refs.length === 0 && metadata['current-snapshot-id'] != null && metadata['current-snapshot-id'] !== -1n) {
    refs.push(['main', { 'snapshot-id': BigInt(metadata['current-snapshot-id']), type: 'branch' }]);
  }
  for (const [, ref] of refs) {
    const head = BigInt(ref['snapshot-id']);
    retained.add(head);
    if (ref.type !== 'branch') continue;
    const cutoff = now - (ref['max-snapshot-age-ms'] ?? settings.maxSnapshotAgeMs);
    const keep = Math.max(1, ref['min-snapshots-to-keep'] ?? settings.minSnapshotsToKeep);
    ancestorsOf(metadata, head).forEach((snapshot, i) => {
      if (i < keep || snapshot['timestamp-ms'] >= cutoff) retained.add(snapshot['snapshot-id']);
    });
  }
  // Snapshots no ref reaches (rolled back, or of a dropped branch) live out the table's max age.
  const reachable = new Set(
    refs.flatMap(([, ref]) => ancestorsOf(metadata, BigInt(ref['snapshot-id']))).map((s) => s['snapshot-id']),
  );
  const tableCutoff = now - settings.maxSnapshotAgeMs;
  for (const snapshot of metadata.snapshots) {
    if (!reachable.has(snapshot['snapshot-id']) && snapshot['timestamp-ms'] >= tableCutoff)
      retained.add(snapshot['snapshot-id']);
  }
  const expired = metadata.snapshots
    .filter((s) => !retained.has(s['snapshot-id']))
    .sort((a, b) => a['timestamp-ms'] - b['timestamp-ms']);
  return {
    expired,
    retained,
    change: {
      // Every ref must still be where the plan saw it: a ref moved meanwhile (a rollback to an
      // old snapshot) makes the commit fail with 409 and the plan is made again.
      requirements: [
        { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
        ...refs.map(([name, ref]) => ({
          type: 'assert-ref-snapshot-id' as const,
          ref: name,
          'snapshot-id': BigInt(ref['snapshot-id']),
        })),
      ],
      updates:
        expired.length === 0
          ? []
          : [{ action: 'remove-snapshots', 'snapshot-ids': expired.map((s) => s['snapshot-id']) }],
    },
  };
}
