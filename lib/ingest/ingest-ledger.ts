/**
 * The ingest ledger: which ingest ids a table already holds (invariant 1). It has two parts,
 * read together by every commit:
 *
 * 1. **Snapshot summaries** (the atomic record). Every floe snapshot records the ids it added in
 *    `floe.ingest-ids` and their source keys in `floe.source-keys`. Dedup walks the main
 *    branch's ancestry from the current snapshot back to the start of the dedup window, so a
 *    snapshot that was rolled back (no longer an ancestor) does not count, and other writers'
 *    snapshots in between are passed over.
 * 2. **Durable per-id markers** in floe's own area (`_floe/ledger/<table uuid>/<ingest id>` in
 *    the landing bucket on AWS, `.floe/ledger/…` locally), written after the commit and before
 *    the batch is acknowledged, and expired by a lifecycle rule (or `floe maintain`) after the
 *    dedup window. Markers outlive snapshot expiry, by floe or by any other engine, so an id is
 *    still recognised after every snapshot that recorded it is gone (issue 13).
 *
 * Crash windows (see docs/maintenance.md): a crash after the catalog commit but before the
 * markers are written leaves the ids in the summary only; the redelivered batch finds them there
 * and writes the markers then. floe's own expiry writes markers for the ids of every snapshot it
 * is about to expire (`sweepExpiringSummaries`), so only an outside engine expiring a snapshot
 * younger than the queue's redelivery delay could open a gap.
 *
 * Snapshot summaries are string maps (spec: Snapshots), so both lists are comma-separated; keys
 * are percent-escaped for `%` and `,` so a key with a comma stays one entry.
 */
import { ancestorsOf, currentSnapshot } from '../iceberg/metadata.js';
import type { Snapshot, TableMetadata } from '../iceberg/types.js';
import { type FileIO, FileNotFoundError } from '../iceberg/file-io.js';

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

/** One durable marker: an ingest id a table holds, and where it came from. */
export interface LedgerMarker {
  ingestId: string;
  /** The snapshot that committed it (decimal), when known. */
  snapshotId?: string;
  /** `bucket/key` of the landed object. */
  sourceKey?: string;
  /** When the id was committed (epoch ms); the dedup window counts from here. */
  committedAtMs: number;
}

/** Raised when the ledger cannot be read or written; the batch is then retried, never acknowledged. */
export class IngestLedgerError extends Error {
  override name = 'IngestLedgerError';
}

/**
 * Durable per-id markers under `root/<table uuid>/<ingest id>` in a `FileIO` (the landing
 * bucket's `_floe/ledger/` on AWS, `.floe/ledger/` locally). One small object per id: writes of
 * concurrent batches never contend, and a lifecycle rule on the prefix expires them.
 */
export class IngestLedger {
  readonly root: string;
  constructor(
    readonly io: FileIO,
    root: string,
  ) {
    this.root = root.replace(/\/+$/, '');
  }

  /** The directory of one table's markers. */
  tableDir(tableUuid: string): string {
    return `${this.root}/${tableUuid}`;
  }

  /** Path of one marker. Ingest ids are `i` + hex, safe as names; anything else is escaped. */
  markerPath(tableUuid: string, ingestId: string): string {
    return `${this.tableDir(tableUuid)}/${encodeURIComponent(ingestId)}.json`;
  }

  /** Which of `ids` have a marker committed at or after `now - windowMs`. */
  async held(tableUuid: string, ids: readonly string[], windowMs: number, now = Date.now()): Promise<Set<string>> {
    return new Set((await this.heldMarkers(tableUuid, ids, windowMs, now)).keys());
  }

  /** The markers of `ids` committed at or after `now - windowMs`, by ingest id. */
  async heldMarkers(
    tableUuid: string,
    ids: readonly string[],
    windowMs: number,
    now = Date.now(),
  ): Promise<Map<string, LedgerMarker>> {
    const cutoff = now - windowMs;
    const found = await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const marker = await this.read(tableUuid, id);
        return marker && marker.committedAtMs >= cutoff ? marker : undefined;
      }),
    );
    return new Map(found.filter((m): m is LedgerMarker => m !== undefined).map((m) => [m.ingestId, m]));
  }

  /** Reads one marker, or undefined when there is none. */
  async read(tableUuid: string, ingestId: string): Promise<LedgerMarker | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await this.io.read(this.markerPath(tableUuid, ingestId));
    } catch (error) {
      if (error instanceof FileNotFoundError) return undefined;
      throw new IngestLedgerError(`cannot read the ledger marker of ${ingestId}`, { cause: error });
    }
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as LedgerMarker;
    } catch {
      // A marker that exists is a record that the id was committed, even if its body is damaged.
      return { ingestId, committedAtMs: Number.POSITIVE_INFINITY };
    }
  }

  /** Writes markers (idempotent: rewriting a marker only refreshes it). */
  async record(tableUuid: string, markers: readonly LedgerMarker[]): Promise<void> {
    try {
      await Promise.all(
        markers.map((m) =>
          this.io.write(this.markerPath(tableUuid, m.ingestId), new TextEncoder().encode(JSON.stringify(m))),
        ),
      );
    } catch (error) {
      throw new IngestLedgerError(`cannot write ${markers.length} ledger markers for table ${tableUuid}`, {
        cause: error,
      });
    }
  }

  /** Deletes one table's markers committed before `now - windowMs` (where no lifecycle rule does). Returns how many. */
  async prune(tableUuid: string, windowMs: number, now = Date.now()): Promise<number> {
    const old: string[] = [];
    for await (const file of this.io.list(`${this.tableDir(tableUuid)}/`)) {
      const marker = await this.read(
        tableUuid,
        decodeURIComponent(file.path.slice(file.path.lastIndexOf('/') + 1, -5)),
      );
      if (marker && marker.committedAtMs < now - windowMs) old.push(file.path);
    }
    await Promise.all(old.map((path) => this.io.delete(path)));
    return old.length;
  }
}

/** Markers for the ids recorded in snapshot summaries (one per id; source keys paired by position). */
export function markersFromSnapshots(snapshots: readonly Snapshot[]): LedgerMarker[] {
  const markers: LedgerMarker[] = [];
  for (const snapshot of snapshots) {
    const ids = decodeSummaryList(snapshot.summary?.[SUMMARY_INGEST_IDS]);
    const keys = decodeSummaryList(snapshot.summary?.[SUMMARY_SOURCE_KEYS]);
    ids.forEach((ingestId, i) => {
      markers.push({
        ingestId,
        snapshotId: snapshot['snapshot-id'].toString(),
        sourceKey: keys[i],
        committedAtMs: snapshot['timestamp-ms'],
      });
    });
  }
  return markers;
}

/**
 * Before expiring snapshots, records their ingest ids as markers, so expiry by floe never
 * shortens the dedup window (crash-safe: markers first, then the catalog commit).
 */
export async function sweepExpiringSummaries(
  ledger: IngestLedger,
  tableUuid: string,
  expiring: readonly Snapshot[],
): Promise<number> {
  const markers = markersFromSnapshots(expiring);
  await ledger.record(tableUuid, markers);
  return markers.length;
}

/**
 * The ledger side of one table's commit in `commitBatch`: looks markers up once per table uuid
 * (the ids of a batch do not change between attempts) and records the committed ids afterwards.
 * Without a ledger it does nothing, and dedup rests on summaries alone.
 */
export class BatchLedger {
  private readonly lookups = new Map<string, Promise<Map<string, LedgerMarker>>>();
  constructor(
    private readonly ledger: IngestLedger | undefined,
    private readonly ids: readonly string[],
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Ids of this batch the markers of `tableUuid` already hold. */
  async held(tableUuid: string): Promise<Set<string>> {
    return new Set((await this.markers(tableUuid)).keys());
  }

  /** The markers of this batch's ids that `tableUuid` already holds, by ingest id. */
  markers(tableUuid: string): Promise<Map<string, LedgerMarker>> {
    if (!this.ledger) return Promise.resolve(new Map());
    let lookup = this.lookups.get(tableUuid);
    if (!lookup) {
      lookup = this.ledger.heldMarkers(tableUuid, this.ids, this.windowMs, this.now());
      this.lookups.set(tableUuid, lookup);
    }
    return lookup;
  }

  /**
   * Records ids the table now holds; call after the commit and before acknowledging the batch.
   * `snapshotId` (or an entry's own, for duplicates) is the snapshot that committed them.
   */
  async record(
    tableUuid: string,
    entries: ReadonlyArray<{ ingestId: string; sourceKey?: string; snapshotId?: bigint }>,
    snapshotId?: bigint,
  ): Promise<void> {
    if (!this.ledger || entries.length === 0) return;
    const committedAtMs = this.now();
    await this.ledger.record(
      tableUuid,
      entries.map((e) => ({
        ingestId: e.ingestId,
        sourceKey: e.sourceKey,
        snapshotId: (snapshotId ?? e.snapshotId)?.toString(),
        committedAtMs,
      })),
    );
  }
}
