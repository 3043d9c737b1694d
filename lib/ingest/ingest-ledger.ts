/**
 * The ingest ledger: which ingest ids a table already holds, read from snapshot summaries
 * (invariant 1). Every floe snapshot records the ids it added in `floe.ingest-ids` and their
 * source keys in `floe.source-keys`. Dedup walks the main branch's ancestry from the current
 * snapshot back to the start of the dedup window, so a snapshot that was rolled back (no longer
 * an ancestor) does not count, and other writers' snapshots in between are passed over.
 *
 * Snapshot summaries are string maps (spec: Snapshots), so both lists are comma-separated; keys
 * are percent-escaped for `%` and `,` so a key with a comma stays one entry.
 */
import { ancestorsOf, currentSnapshot } from '../iceberg/metadata.js';
import type { TableMetadata } from '../iceberg/types.js';

export const SUMMARY_INGEST_IDS = 'floe.ingest-ids';
export const SUMMARY_SOURCE_KEYS = 'floe.source-keys';

/** Encodes a list for a summary value. */
export function encodeSummaryList(values: readonly string[]): string {
  return values.map((v) => v.replace(/%/g, '%25').replace(/,/g, '%2C')).join(',');
}

/** Decodes a summary list value. */
export function decodeSummaryList(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(',').map((v) => v.replace(/%2C/g, ',').replace(/%25/g, '%'));
}

/**
 * Ingest ids committed on `main` by snapshots at or after `now - windowMs`. The whole ancestry
 * is walked (it is in memory) rather than stopping at the first old snapshot, so another
 * writer's skewed clock cannot hide a newer floe snapshot behind it.
 */
export function committedIngestIds(metadata: TableMetadata, windowMs: number, now = Date.now()): Set<string> {
  const ids = new Set<string>();
  const cutoff = now - windowMs;
  const head = currentSnapshot(metadata);
  if (!head) return ids;
  for (const snapshot of ancestorsOf(metadata, head['snapshot-id'])) {
    if (snapshot['timestamp-ms'] < cutoff) continue;
    for (const id of decodeSummaryList(snapshot.summary?.[SUMMARY_INGEST_IDS])) ids.add(id);
  }
  return ids;
}
