/**
 * The landed objects behind a snapshot, from the summary properties the commit step writes
 * (invariant 1: every snapshot records the ingest ids it added, with their source keys).
 */
import type { Snapshot } from '../iceberg/types.js';
import { decodeSummaryList, SUMMARY_INGEST_IDS, SUMMARY_SOURCE_KEYS } from '../ingest/ingest-ledger.js';

export interface SnapshotSource {
  ingestId: string;
  /** `bucket/key` of the landed object, when the summary recorded it. */
  key?: string;
}

/** The ingest ids a snapshot added, paired with their source keys. */
export function snapshotSources(snapshot: Snapshot): SnapshotSource[] {
  const ids = decodeSummaryList(snapshot.summary[SUMMARY_INGEST_IDS]);
  const keys = decodeSummaryList(snapshot.summary[SUMMARY_SOURCE_KEYS]);
  return ids.map((ingestId, i) => ({ ingestId, key: keys[i] }));
}
