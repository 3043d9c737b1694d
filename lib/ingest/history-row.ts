/**
 * Load history rows: one per landed object and outcome, the rows of the `floe.ingest_history`
 * Iceberg table (history-table.ts), like Dremio's `sys.copy_file_history` /
 * `sys.copy_errors_history` and Snowpipe's `COPY_HISTORY` (issue #14).
 *
 * Outcomes: `committed` (the object's rows are in a snapshot), `duplicate` (a redelivery of an
 * object already committed), `rejected` (nothing committed, error report written), `partial`
 * (committed without its rejected rows, `on_error: continue`; recorded next to `committed`) and
 * `skipped` (never routed, with the reason).
 *
 * Each row has a `history_id` derived from (bucket, key, version or ETag, outcome): the history
 * table deduplicates on it, so an outcome is recorded exactly once however often it is reported.
 */
import { createHash } from 'node:crypto';
import type { BadInputError } from '../formats/bad-input-error.js';
import type { CommitBatchResult } from './commit-batch.js';
import type { CommitRequest } from './commit-request.js';
import type { ConvertOutcome } from './convert-object.js';
import type { LandedObject } from './landed-event.js';

/** The load history table of a stack unless configured otherwise. */
export const DEFAULT_HISTORY_TABLE = 'floe.ingest_history';
export type HistoryOutcome = 'committed' | 'duplicate' | 'rejected' | 'partial' | 'skipped';

export interface HistoryRow {
  history_id: string;
  key: string;
  bucket: string;
  version_id: string | null;
  etag: string | null;
  ingest_id: string | null;
  target_table: string | null;
  outcome: HistoryOutcome;
  rows: number;
  bytes: number;
  rejected_rows: number;
  error_class: string | null;
  reason: string | null;
  line: number | null;
  column: string | null;
  value: string | null;
  error_report: string | null;
  /** Decimal string: a 64-bit id does not fit a JS number (invariant 3). */
  snapshot_id: string | null;
  /** Epoch ms. */
  landed_at: number;
  committed_at: number | null;
  recorded_at: number;
  /** committed_at (or recorded_at) − landed_at, ms. */
  latency_ms: number;
}

/** The dedup id of an outcome of one landed object version. */
export function historyId(
  object: { bucket: string; key: string; versionId?: string | null; etag?: string | null },
  outcome: HistoryOutcome,
): string {
  const version = object.versionId ?? object.etag ?? '';
  return `h${createHash('sha256').update(`${object.bucket}\n${object.key}\n${version}\n${outcome}`).digest('hex').slice(0, 32)}`;
}

function emptyRow(
  object: { bucket: string; key: string; versionId?: string; etag?: string },
  outcome: HistoryOutcome,
  landedAt: number,
  now: number,
): HistoryRow {
  return {
    history_id: historyId(object, outcome),
    key: object.key,
    bucket: object.bucket,
    version_id: object.versionId ?? null,
    etag: object.etag ?? null,
    ingest_id: null,
    target_table: null,
    outcome,
    rows: 0,
    bytes: 0,
    rejected_rows: 0,
    error_class: null,
    reason: null,
    line: null,
    column: null,
    value: null,
    error_report: null,
    snapshot_id: null,
    landed_at: landedAt,
    committed_at: null,
    recorded_at: now,
    latency_ms: Math.max(0, now - landedAt),
  };
}

/**
 * The rows of a commit batch: `committed` or `duplicate` per request (failed ones are retried,
 * not recorded). A duplicate whose earlier snapshot is known also repeats that `committed` row:
 * the same history id, so the history table keeps one, and a redelivery after a failed history
 * send still records it (at least once, deduplicated on `history_id`).
 */
export function historyRowsForCommit(result: CommitBatchResult, now = Date.now()): HistoryRow[] {
  const rows: HistoryRow[] = [];
  for (const outcome of result.requests) {
    if (outcome.status === 'failed') continue;
    if (outcome.status === 'duplicate' && outcome.committedSnapshotId !== undefined)
      rows.push(historyRowForRequest(outcome.request, 'committed', outcome.committedSnapshotId, now));
    rows.push(historyRowForRequest(outcome.request, outcome.status, outcome.snapshotId, now));
  }
  return rows;
}

/** One request's row: `committed` (with its snapshot) or `duplicate`. */
export function historyRowForRequest(
  request: CommitRequest,
  status: 'committed' | 'duplicate',
  snapshotId: bigint | undefined,
  now = Date.now(),
): HistoryRow {
  const object = {
    bucket: request.sourceBucket,
    key: request.sourceKey,
    versionId: request.versionId,
    etag: request.etag,
  };
  const row = emptyRow(object, status, request.landedAt, now);
  row.ingest_id = request.ingestId;
  row.target_table = [...request.table.namespace, request.table.name].join('.');
  row.bytes = request.bytes;
  if (status === 'committed') {
    row.rows = request.rows;
    row.snapshot_id = snapshotId?.toString() ?? null;
    row.committed_at = now;
  }
  return row;
}

/**
 * The row of a convert outcome: `rejected`, `skipped`, or `partial` for an enqueued file that
 * lost rows to `on_error: continue`; undefined for a clean enqueue (its row comes from commit)
 * and for floe's own objects (error reports, spills), which would only echo floe's writes.
 */
export function historyRowForConvert(
  object: LandedObject,
  outcome: ConvertOutcome,
  now = Date.now(),
): HistoryRow | undefined {
  const landedAt = object.eventTime;
  if (outcome.status === 'skipped') {
    if (outcome.reason.startsWith("floe's own prefix")) return undefined;
    // convert-object skips a late redelivery of a committed object: that is a duplicate.
    const duplicate = /^already committed to (\S+) \(ingest id (\S+)\)$/.exec(outcome.reason);
    if (duplicate) return duplicateHistoryRow(object, duplicate[1] as string, duplicate[2] as string, now);
    const row = emptyRow(object, 'skipped', landedAt, now);
    row.bytes = object.size ?? 0;
    row.reason = outcome.reason;
    return row;
  }
  if (outcome.status === 'rejected') {
    const row = emptyRow(object, 'rejected', landedAt, now);
    const error = outcome.error as Partial<BadInputError>;
    row.ingest_id = outcome.ingestId ?? null;
    row.target_table = outcome.table ?? null;
    row.bytes = object.size ?? 0;
    row.error_class = outcome.error.name;
    row.reason = outcome.reason;
    row.line = typeof error.line === 'number' ? error.line : null;
    row.column = error.column === undefined ? null : String(error.column);
    row.value = error.value === undefined ? null : String(error.value);
    row.error_report = outcome.reportPath;
    return row;
  }
  if (outcome.rejectedRows === 0) return undefined;
  const row = emptyRow(object, 'partial', landedAt, now);
  row.ingest_id = outcome.ingestId;
  row.target_table = outcome.table;
  row.rows = outcome.rows;
  row.bytes = outcome.bytes;
  row.rejected_rows = outcome.rejectedRows;
  row.error_report = outcome.reportPath ?? null;
  return row;
}

/** The row of a landed object found already committed before any work (a late redelivery). */
export function duplicateHistoryRow(
  object: LandedObject,
  table: string,
  ingestId: string,
  now = Date.now(),
): HistoryRow {
  const row = emptyRow(object, 'duplicate', object.eventTime, now);
  row.target_table = table;
  row.ingest_id = ingestId;
  row.bytes = object.size ?? 0;
  return row;
}
