/**
 * `startDevStack`: floe on a laptop (`npm start` = `floe dev`). The same convert and commit use
 * cases as the Lambdas, with local adapters (ARCHITECTURE "The flow on a laptop"):
 *
 * ```
 * landing dir ──LandingWatcher──▶ convertObject ──▶ LocalFifoQueue (group = table) ──▶ commitBatch ──▶ embedded REST catalog
 * ```
 *
 * Exactly once across restarts: the queue is in memory, so a crash loses what was queued, but
 * the startup scan finds every landed file again and each one's ingest id (path, hash of the bytes) is
 * looked up in the table's snapshot summaries first: files already committed are reported as
 * such and not converted again, and the commit step deduplicates again on its own base.
 */

import { stat } from 'node:fs/promises';
import { formatIdentifier, type LoadedTable } from '../catalog/catalog.js';
import { RestCatalog } from '../catalog/rest/client.js';
import { type CatalogServer, lockWarehouse, startCatalogServer } from '../catalog/server/server.js';
import type { BadInputError } from '../formats/bad-input-error.js';
import { type CommitBatchResult, commitBatch } from '../ingest/commit-batch.js';
import { commitGroupOf } from '../ingest/commit-queue.js';
import type { CommitRequest } from '../ingest/commit-request.js';
import { type IngestConfig, settingsForTable } from '../ingest/config.js';
import { warmEncoderWorker } from '../ingest/conversion-encoder.js';
import { convertObject } from '../ingest/convert-object.js';
import { DEFAULT_HISTORY_TABLE } from '../ingest/history-table.js';
import { errorReportPaths } from '../ingest/error-report.js';
import { ingestId } from '../ingest/ingest-id.js';
import { committedIngestIds, IngestLedger } from '../ingest/ingest-ledger.js';
import type { LandedObject } from '../ingest/landed-event.js';
import type { MaintainReport } from '../ingest/maintain/maintain-table.js';
import { routeObject } from '../ingest/route.js';
import { loadTableIfExists } from '../ingest/table-setup.js';
import { LocalFileIO } from '../storage/local.js';
import { DevOutcomes } from './dev-outcomes.js';
import { LocalFifoQueue } from './fifo-queue.js';
import { clearDevState, ensureFloeHome, type FloeHome, floeHome, writeDevState } from './floe-home.js';
import { type LandedFile, LandingWatcher } from './landing-watcher.js';
import { localLandedObject, localObjectPath } from './local-objects.js';
import {
  DEFAULT_MAINTAIN_EVERY_MS,
  type MaintenanceSchedule,
  startMaintenanceSchedule,
} from './maintenance-schedule.js';
import { eventsFile } from './ndjson-event-sink.js';
import { S3_DEV_RESERVED_PREFIX, type S3DevOptions, s3DevStorage } from './s3-dev-stack.js';
import { StatusPage } from './status-page/status-page.js';

/** One line of the live log. */
export type DevEvent =
  | { kind: 'committed'; key: string; table: string; rows: number; snapshotId: bigint }
  | { kind: 'duplicate'; key: string; table: string }
  | { kind: 'rejected'; key: string; table?: string; reason: string; reportPath: string }
  | { kind: 'skipped'; key: string; reason: string }
  | { kind: 'failed'; key: string; error: unknown }
  /** A problem that is not one file's (the landing bucket cannot be listed): printed once. */
  | { kind: 'warning'; message: string };

export interface DevStackOptions {
  dir?: string;
  port?: number;
  host?: string;
  config: IngestConfig;
  onEvent(event: DevEvent): void;
  /** Conversions at once. @default 2 */
  concurrency?: number;
  /**
   * Commit batching window: a table's commit waits up to this long for more files (or until 10
   * are queued), so a burst becomes a few snapshots (Lambda's `MaximumBatchingWindowInSeconds`). @default 250
   */
  commitWindowMs?: number;
  /** Landing watcher stability window. @default 300 */
  stableMs?: number;
  /** Landing and warehouse in buckets of an S3-compatible server (`--s3-endpoint`), see s3-dev-stack.ts. */
  s3?: S3DevOptions;
  /** Scheduled table maintenance (maintenance-schedule.ts); 0 turns it off. @default 10 minutes */
  maintainEveryMs?: number;
  /** Called with each table's maintenance report. */
  onMaintained?(report: MaintainReport): void;
  /** The load history table (issue #14). @default DEFAULT_HISTORY_TABLE */
  historyTable?: string;
  /** How long history rows gather before one history commit. @default 1000 */
  historyWindowMs?: number;
}

export interface DevStack {
  home: FloeHome;
  catalogUri: string;
  server: CatalogServer;
  /** The status page at the root of the catalog's port. */
  statusUrl: string;
  /** `.floe/events.ndjson`. */
  eventsPath: string;
  /** Resolves when nothing is being converted or committed. */
  idle(): Promise<void>;
  /** The maintenance schedule, when on. */
  maintenance?: MaintenanceSchedule;
  /** Stops watching, finishes what is in flight (nothing half-written), stops the catalog. */
  stop(): Promise<void>;
}

/** How long a commit batch gathers files by default (short enough to feel live in `floe dev`). */
export const DEFAULT_COMMIT_WINDOW_MS = 250;

/** Whether a local file still has the size and mtime it had when the watcher reported it. */
async function fileUnchanged(file: LandedFile): Promise<boolean> {
  try {
    const info = await stat(file.path);
    return info.size === file.size && info.mtimeMs === file.mtimeMs;
  } catch {
    return false; // gone: nothing of it may be committed as a half-read
  }
}

/** Starts the embedded catalog, the queue and the watcher. */
export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const home = floeHome(options.dir);
  await ensureFloeHome(home);
  warmEncoderWorker(); // the encoder thread loads while the catalog starts, not on the first file
  const io = new LocalFileIO();
  const s3 = options.s3 ? s3DevStorage(options.s3) : undefined;
  // One floe dev per --dir: a local warehouse is locked by the catalog itself; with an S3
  // warehouse the local one is locked here, so a second `floe dev` on the dir still refuses.
  const dirLock = s3 ? await lockWarehouse(home.warehouse) : undefined;
  let catalog: RestCatalog | undefined;
  const page = new StatusPage({
    catalog: () => catalog as RestCatalog,
    readReport: (path) => (s3?.landingIo ?? io).read(path),
  });
  const server = await startCatalogServer({
    pages: (req, res) => page.handle(req, res),
    warehouse: s3?.warehouse ?? home.warehouse,
    io: s3?.serverIo ?? io,
    s3Client: s3?.serverS3Client,
    vend: s3?.vend,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8181,
  }).catch(async (error: unknown) => {
    await dirLock?.release();
    throw error;
  });
  catalog = new RestCatalog({ uri: server.url });
  const tableIo = s3 ? s3.tableIo(catalog) : (_table: LoadedTable) => io;
  const outcomes = new DevOutcomes({
    catalog,
    tableIo,
    historyTable: options.historyTable ?? DEFAULT_HISTORY_TABLE,
    historyWindowMs: options.historyWindowMs,
    eventsPath: eventsFile(home.root),
    onRows: (rows) => page.add(rows),
    onEvent: () => page.notify(),
    onError: (what, error) => options.onEvent({ kind: 'failed', key: `(${what})`, error }),
  });
  const keyOf = new Map<string, string>();
  const ledger = new IngestLedger(io, home.ledger);

  const queue = new LocalFifoQueue<CommitRequest>({
    groupOf: commitGroupOf,
    batchWindowMs: options.commitWindowMs ?? DEFAULT_COMMIT_WINDOW_MS,
    consume: async (_group, whole) => {
      const batch = await dropChangedFiles(whole);
      const result: CommitBatchResult = await commitBatch(batch, {
        catalog,
        tableIo,
        dedupWindowMs: () => Number.POSITIVE_INFINITY,
        ledger,
      });
      const failed = result.tables.find((t) => t.outcome === 'failed');
      // A failed table fails the whole batch so the queue retries it in order (FIFO).
      if (failed) throw failed.error;
      outcomes.committed(result);
      for (const outcome of result.requests) {
        const { request } = outcome;
        const table = formatIdentifier(request.table);
        if (outcome.status === 'committed') {
          options.onEvent({
            kind: 'committed',
            key: request.sourceKey,
            table,
            rows: request.rows,
            snapshotId: outcome.snapshotId as bigint,
          });
        } else {
          options.onEvent({ kind: 'duplicate', key: request.sourceKey, table });
        }
        keyOf.delete(request.ingestId);
      }
    },
    onDeadLetter: (_group, batch, error) => {
      for (const request of batch) options.onEvent({ kind: 'failed', key: request.sourceKey, error });
    },
  });

  const convertContext = {
    catalog,
    config: options.config,
    landingIo: s3?.landingIo ?? io,
    objectUri: (o: { bucket: string; key: string }) => (s3 ? s3.objectUri(o) : localObjectPath(o, home.landing)),
    errorsLocation: () => s3?.errorsLocation ?? `${home.errors}/`,
    reservedPrefixes: s3 ? [S3_DEV_RESERVED_PREFIX] : [],
    tableIo,
    queue,
  };

  // Conversions run a few at a time; each file's work is one promise in `inFlight`.
  const concurrency = options.concurrency ?? 2;
  // Each waiting task ingests one file (a local file is hashed first: its identity is its content).
  const waiting: Array<() => Promise<void>> = [];
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  const pump = () => {
    while (!stopping && inFlight.size < concurrency && waiting.length > 0) {
      const task = waiting.shift() as () => Promise<void>;
      const work = task().finally(() => {
        inFlight.delete(work);
        pump();
      });
      inFlight.add(work);
    }
  };

  const rejectedBefore = async (object: LandedObject): Promise<boolean> => {
    const { report } = errorReportPaths(convertContext.errorsLocation(), object.key);
    try {
      const text = new TextDecoder().decode(await convertContext.landingIo.read(report));
      const previous = JSON.parse(text) as { etag?: string; outcome?: string };
      return previous.outcome === 'rejected' && previous.etag === object.etag;
    } catch {
      return false; // no report (or an unreadable one): convert
    }
  };

  const ingestFile = async (object: LandedObject): Promise<void> => {
    try {
      // Already committed (a restart, or the same file seen twice)? Then don't convert again.
      const routed = routeObject(object.key, object.size, options.config);
      if (routed.kind === 'table') {
        const id = ingestId(object);
        const table = await loadTableIfExists(catalog, routed.table);
        if (table && committedIngestIds(table.metadata, routed.settings.dedupWindowMs).has(id)) {
          outcomes.duplicate(object, formatIdentifier(routed.table), id);
          options.onEvent({ kind: 'duplicate', key: object.key, table: formatIdentifier(routed.table) });
          return;
        }
      }
    } catch {
      // Routing errors are reported by convertObject below, with an error report.
    }
    // Rejected before (a restart, or seen again)? Its report stands; don't convert and report it again.
    if (await rejectedBefore(object)) {
      options.onEvent({ kind: 'skipped', key: object.key, reason: 'rejected before; see its error report' });
      return;
    }
    try {
      const outcome = await convertObject(object, convertContext);
      outcomes.converted(object, outcome);
      if (outcome.status === 'rejected') {
        options.onEvent({
          kind: 'rejected',
          key: object.key,
          table: outcome.table,
          reason: rejectionText(outcome.reason, outcome.error),
          reportPath: outcome.reportPath,
        });
      } else if (outcome.status === 'skipped') {
        options.onEvent({ kind: 'skipped', key: object.key, reason: outcome.reason });
      } else {
        keyOf.set(outcome.ingestId, object.key);
        for (const warning of outcome.warnings)
          options.onEvent({ kind: 'warning', message: `${object.key}: ${warning}` });
      }
    } catch (error) {
      options.onEvent({ kind: 'failed', key: object.key, error });
    }
  };

  const enqueue = (object: LandedObject) => {
    waiting.push(() => ingestFile(object));
    pump();
  };
  const enqueueLocal = (file: LandedFile) => {
    waiting.push(async () => {
      let object: LandedObject;
      try {
        object = await localLandedObject(file.path, file, home.landing);
      } catch (error) {
        options.onEvent({ kind: 'failed', key: file.key, error });
        return;
      }
      seen.set(seenKey(object.bucket, object.key, object.etag), file);
      await ingestFile(object);
    });
    pump();
  };
  // A local file may change after the watcher saw it stable (a writer that paused, an editor
  // saving again): its conversion read a version that is no longer the file. Such requests are
  // dropped before the commit, and the watcher reports the new version (issue #18).
  const seen = new Map<string, LandedFile>();
  const seenKey = (bucket: string, key: string, etag: string | undefined) => `${bucket}/${key}@${etag}`;
  const dropChangedFiles = async (batch: CommitRequest[]): Promise<CommitRequest[]> => {
    const kept: CommitRequest[] = [];
    for (const request of batch) {
      const file = seen.get(seenKey(request.sourceBucket, request.sourceKey, request.etag));
      if (!file || (await fileUnchanged(file))) {
        kept.push(request);
        continue;
      }
      seen.delete(seenKey(request.sourceBucket, request.sourceKey, request.etag));
      for (const dataFile of request.dataFiles) await io.delete(dataFile.file_path).catch(() => {});
      options.onEvent({
        kind: 'skipped',
        key: request.sourceKey,
        reason: 'the file changed while it was being ingested; its new version is ingested once it is stable',
      });
    }
    return kept;
  };
  const watcher = s3
    ? s3.poller(enqueue, (error) => options.onEvent({ kind: 'warning', message: (error as Error).message }))
    : new LandingWatcher({
        root: home.landing,
        stableMs: options.stableMs,
        onFile: enqueueLocal,
      });
  await watcher.start();
  await writeDevState(home, {
    pid: process.pid,
    catalogUri: server.url,
    warehouse: s3?.warehouse ?? home.warehouse,
    landing: s3 ? `s3://${s3.landingBucket}/` : home.landing,
    errors: s3?.errorsLocation ?? home.errors,
    s3Endpoint: s3?.endpoint,
  });

  const everyMs = options.maintainEveryMs ?? DEFAULT_MAINTAIN_EVERY_MS;
  const maintenance =
    everyMs > 0
      ? startMaintenanceSchedule({
          catalog,
          tableIo,
          ledger,
          everyMs,
          routeFor: (id) => settingsForTable(options.config, id).maintenance,
          onReport: options.onMaintained,
          onError: (error) => options.onEvent({ kind: 'failed', key: '(maintenance)', error }),
        })
      : undefined;

  const idle = async () => {
    for (;;) {
      if (inFlight.size > 0) await Promise.all(inFlight);
      await queue.drain();
      await outcomes.drain();
      if (inFlight.size === 0 && waiting.length === 0 && queue.depth === 0) return;
    }
  };

  return {
    home,
    catalogUri: server.url,
    server,
    statusUrl: `${server.url}/`,
    eventsPath: eventsFile(home.root),
    idle,
    maintenance,
    async stop() {
      await maintenance?.stop();
      await watcher.close();
      stopping = true;
      waiting.length = 0;
      await Promise.all(inFlight);
      await queue.close({ drain: true });
      await outcomes.close();
      page.close();
      await server.close();
      await dirLock?.release();
      await clearDevState(home);
    },
  };
}

/** The reason with where it happened, e.g. `line 2, column amount: not a number (value "x")`. */
function rejectionText(reason: string, error: Error): string {
  const { line, column, value } = error as Partial<BadInputError>;
  const where = [line === undefined ? '' : `line ${line}`, column === undefined ? '' : `column ${column}`]
    .filter(Boolean)
    .join(', ');
  const shown = value === undefined ? '' : ` (value ${JSON.stringify(value)})`;
  return `${where ? `${where}: ` : ''}${reason}${shown}`;
}
