/**
 * Commit events (issue #14, schema in docs/events.md):
 *
 * - `floe.TableCommitted` after each snapshot floe commits (table, snapshot id, sequence number,
 *   operation, added rows/files/bytes, schema id, ingest ids, source keys);
 * - `floe.FileRejected` for a landed object that was not ingested (key, reason, report);
 * - `floe.SchemaEvolved` when a committed snapshot carries a newer schema than its parent
 *   (added and widened columns).
 *
 * Every event carries `eventId`, stable across redeliveries (the snapshot id, or the ingest id),
 * for consumers to deduplicate on: delivery is at least once.
 */
import type { BadInputError } from '../formats/bad-input-error.js';
import { schemaById, snapshotById } from '../iceberg/metadata.js';
import type { IcebergType, Snapshot } from '../iceberg/types.js';
import type { CommitBatchResult } from './commit-batch.js';
import type { ConvertOutcome } from './convert-object.js';
import { decodeSummaryList, SUMMARY_INGEST_IDS, SUMMARY_SOURCE_KEYS } from './ingest-ledger.js';
import type { LandedObject } from './landed-event.js';

/** EventBridge `source` of every floe event. */
export const EVENT_SOURCE = 'floe';

export interface TableCommittedDetail {
  eventId: string;
  table: string;
  snapshotId: string;
  sequenceNumber: number;
  operation: string;
  addedRows: number;
  addedFiles: number;
  addedBytes: number;
  schemaId: number | null;
  ingestIds: string[];
  sourceKeys: string[];
  committedAt: string;
}

export interface FileRejectedDetail {
  eventId: string;
  bucket: string;
  key: string;
  table: string | null;
  ingestId: string | null;
  errorClass: string;
  reason: string;
  line: number | null;
  column: string | null;
  value: string | null;
  reportLocation: string;
  rejectedAt: string;
}

export interface SchemaEvolvedDetail {
  eventId: string;
  table: string;
  snapshotId: string;
  schemaId: number;
  previousSchemaId: number;
  added: Array<{ name: string; type: IcebergType }>;
  widened: Array<{ name: string; from: IcebergType; to: IcebergType }>;
}

export type FloeEvent =
  | { type: 'floe.TableCommitted'; detail: TableCommittedDetail }
  | { type: 'floe.FileRejected'; detail: FileRejectedDetail }
  | { type: 'floe.SchemaEvolved'; detail: SchemaEvolvedDetail };

/**
 * `TableCommitted` (and `SchemaEvolved`, when the schema changed) per committed table of a batch.
 * With `resendHeld`, also for the earlier snapshots that already held duplicates of the batch
 * (`heldSnapshotIds`): a redelivery after a failed publication sends them again, same event ids.
 */
export function commitEvents(result: CommitBatchResult, options: { resendHeld?: boolean } = {}): FloeEvent[] {
  const events: FloeEvent[] = [];
  for (const outcome of result.tables) {
    const loaded = outcome.committedTable;
    if (!loaded) continue;
    const ids = [...(options.resendHeld ? (outcome.heldSnapshotIds ?? []) : [])];
    if (outcome.snapshotId !== undefined && outcome.outcome !== 'nothing-to-commit') ids.push(outcome.snapshotId);
    for (const id of ids) {
      const snapshot = snapshotById(loaded.metadata, id);
      if (!snapshot) continue;
      events.push({ type: 'floe.TableCommitted', detail: tableCommitted(outcome.table, snapshot) });
      const evolved = schemaEvolved(outcome.table, loaded.metadata, snapshot);
      if (evolved) events.push({ type: 'floe.SchemaEvolved', detail: evolved });
    }
  }
  return events;
}

function tableCommitted(table: string, snapshot: Snapshot): TableCommittedDetail {
  const summary = snapshot.summary;
  const snapshotId = snapshot['snapshot-id'].toString();
  return {
    eventId: `${table}@${snapshotId}`,
    table,
    snapshotId,
    sequenceNumber: Number(snapshot['sequence-number'] ?? 0),
    operation: summary.operation,
    addedRows: Number(summary['added-records'] ?? 0),
    addedFiles: Number(summary['added-data-files'] ?? 0),
    addedBytes: Number(summary['added-files-size'] ?? 0),
    schemaId: snapshot['schema-id'] ?? null,
    ingestIds: decodeSummaryList(summary[SUMMARY_INGEST_IDS]),
    sourceKeys: decodeSummaryList(summary[SUMMARY_SOURCE_KEYS]),
    committedAt: new Date(snapshot['timestamp-ms']).toISOString(),
  };
}

type Metadata = NonNullable<CommitBatchResult['tables'][number]['committedTable']>['metadata'];

function schemaEvolved(table: string, metadata: Metadata, snapshot: Snapshot): SchemaEvolvedDetail | undefined {
  const parentId = snapshot['parent-snapshot-id'];
  const parent = parentId === undefined || parentId === null ? undefined : snapshotById(metadata, parentId);
  const before = parent?.['schema-id'];
  const after = snapshot['schema-id'];
  if (before === undefined || after === undefined || before === after) return undefined;
  const oldSchema = schemaById(metadata, before);
  const newSchema = schemaById(metadata, after);
  if (!oldSchema || !newSchema) return undefined;
  const old = new Map(oldSchema.fields.map((f) => [f.id, f]));
  const added: SchemaEvolvedDetail['added'] = [];
  const widened: SchemaEvolvedDetail['widened'] = [];
  for (const field of newSchema.fields) {
    const previous = old.get(field.id);
    if (!previous) added.push({ name: field.name, type: field.type });
    else if (JSON.stringify(previous.type) !== JSON.stringify(field.type))
      widened.push({ name: field.name, from: previous.type, to: field.type });
  }
  return {
    eventId: `${table}@schema-${after}`,
    table,
    snapshotId: snapshot['snapshot-id'].toString(),
    schemaId: after,
    previousSchemaId: before,
    added,
    widened,
  };
}

/** `FileRejected` for a rejected convert outcome; undefined otherwise. */
export function rejectionEvent(object: LandedObject, outcome: ConvertOutcome, now = Date.now()): FloeEvent | undefined {
  if (outcome.status !== 'rejected') return undefined;
  const error = outcome.error as Partial<BadInputError>;
  return {
    type: 'floe.FileRejected',
    detail: {
      eventId: `rejected@${outcome.ingestId ?? `${object.bucket}/${object.key}@${object.versionId ?? object.etag ?? ''}`}`,
      bucket: object.bucket,
      key: object.key,
      table: outcome.table ?? null,
      ingestId: outcome.ingestId ?? null,
      errorClass: outcome.error.name,
      reason: outcome.reason,
      line: typeof error.line === 'number' ? error.line : null,
      column: error.column === undefined ? null : String(error.column),
      value: error.value === undefined ? null : String(error.value),
      reportLocation: outcome.reportPath,
      rejectedAt: new Date(now).toISOString(),
    },
  };
}
