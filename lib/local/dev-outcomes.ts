/**
 * `DevOutcomes`: what `floe dev` records after each file (issue #14), the laptop twin of
 * functions/outcome-recording.ts: load history rows, batched through their own group of an
 * in-process FIFO into the history table (one snapshot per batch, never one per file); commit
 * events appended to `.floe/events.ndjson`; and both handed to the status page as they happen.
 */
import type { Catalog, LoadedTable } from '../catalog/catalog.js';
import type { CommitBatchResult } from '../ingest/commit-batch.js';
import { commitEvents, type FloeEvent, rejectionEvent } from '../ingest/commit-events.js';
import type { ConvertOutcome } from '../ingest/convert-object.js';
import {
  duplicateHistoryRow,
  type HistoryRow,
  historyRowForConvert,
  historyRowsForCommit,
} from '../ingest/history-row.js';
import { commitHistoryRows } from '../ingest/history-table.js';
import type { LandedObject } from '../ingest/landed-event.js';
import type { FileIO } from '../iceberg/file-io.js';
import { LocalFifoQueue } from './fifo-queue.js';
import { NdjsonEventSink } from './ndjson-event-sink.js';

export interface DevOutcomesOptions {
  catalog: Catalog;
  tableIo(table: LoadedTable): FileIO;
  /** `ns.table` of the history table. */
  historyTable: string;
  /** `.floe/events.ndjson`. */
  eventsPath: string;
  /** How long history rows gather before one commit. @default 1000 */
  historyWindowMs?: number;
  /** Rows as they are recorded (the status page). */
  onRows?(rows: HistoryRow[]): void;
  onEvent?(event: FloeEvent): void;
  /** A history batch or an event append that failed for good. */
  onError?(what: string, error: unknown): void;
}

export class DevOutcomes {
  readonly #history: LocalFifoQueue<HistoryRow>;
  readonly #events: NdjsonEventSink;
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly options: DevOutcomesOptions) {
    this.#events = new NdjsonEventSink(options.eventsPath, options.onEvent);
    this.#history = new LocalFifoQueue<HistoryRow>({
      groupOf: () => options.historyTable,
      batchSize: 500,
      batchWindowMs: options.historyWindowMs ?? 1000,
      consume: async (_group, rows) => {
        await commitHistoryRows(rows, {
          catalog: options.catalog,
          tableIo: options.tableIo,
          table: options.historyTable,
        });
      },
      onDeadLetter: (_group, rows, error) => options.onError?.(`recording ${rows.length} history rows`, error),
    });
  }

  /** After convertObject: its history row and `FileRejected` event, if any. */
  converted(object: LandedObject, outcome: ConvertOutcome): void {
    const row = historyRowForConvert(object, outcome);
    if (row) this.#record([row]);
    const event = rejectionEvent(object, outcome);
    if (event) this.#publish([event]);
  }

  /** A landed object already committed before any work. */
  duplicate(object: LandedObject, table: string, ingestId: string): void {
    this.#record([duplicateHistoryRow(object, table, ingestId)]);
  }

  /** After a commit batch: `committed`/`duplicate` rows and `TableCommitted`/`SchemaEvolved` events. */
  committed(result: CommitBatchResult): void {
    this.#record(historyRowsForCommit(result));
    this.#publish(commitEvents(result));
  }

  /** Waits until every recorded row is in the history table and every event is appended. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
    await this.#history.drain();
  }

  /** Flushes and stops. */
  async close(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
    await this.#history.close({ drain: true });
  }

  #record(rows: HistoryRow[]): void {
    if (rows.length === 0) return;
    this.options.onRows?.(rows);
    for (const row of rows) this.#track(this.#history.send(row), 'queueing a history row');
  }

  #publish(events: FloeEvent[]): void {
    if (events.length > 0) this.#track(this.#events.publish(events), 'appending events');
  }

  #track(work: Promise<void>, what: string): void {
    const tracked = work
      .catch((error) => this.options.onError?.(what, error))
      .finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }
}
