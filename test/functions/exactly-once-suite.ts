/**
 * The seeded exactly-once fault suite (issue 5, "Done when"; maintenance from issue 13). Per seed: N landed files over two
 * tables, 30% of the S3 events delivered twice and all of them shuffled; crashes after the data
 * write (SendMessage fails before enqueue), after enqueue (SendMessage enqueues, then fails),
 * and after the catalog commit but before the ack (the whole FIFO batch is redelivered);
 * catalog faults 409, 500 with the commit applied, 503, dropped connections (before and after
 * applying); some files add a column (concurrent schema evolution); an outside writer appends to
 * the same tables throughout. At the end each table must hold every distinct file's rows exactly
 * once, read back with DuckDB from the live data files.
 *
 * Load history is on (issue #14): its messages share the faults (failed sends, crashes before the
 * ack, catalog faults on the history table's commits). At the end `floe.ingest_history` (DuckDB over
 * its data files) must hold exactly one `committed` row per landed file, and redeliveries must
 * appear as `duplicate` rows, never as a second `committed`.
 *
 * Maintenance is interleaved with the commits (issue 13): floe's compaction and snapshot expiry
 * (keep only the head) run concurrently with commit batches, an "outside engine" expires every
 * snapshot but the head between deliveries (without writing ledger markers, as Spark or Dremio
 * would), and orphan removal with no safety age runs whenever no commit request is queued. So
 * redeliveries of files whose snapshots were expired must be caught by the durable ledger.
 *
 * `exactly-once.test.ts` runs a few small seeds in `npm test`; `exactly-once.full.test.ts` runs the
 * full size (500 files × 10 seeds). The knobs override either: FLOE_FAULT_FILES, FLOE_FAULT_SEEDS,
 * FLOE_FAULT_SEED0.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableIdentifier } from '../../lib/catalog/catalog.js';
import { commitWithRetry } from '../../lib/catalog/commit-driver.js';
import { tokenExchangeAuth } from '../../lib/catalog/rest/auth.js';
import { RestCatalog } from '../../lib/catalog/rest/client.js';
import { convertFile } from '../../lib/ingest/convert-file.js';
import { currentSchema, defaultSpec } from '../../lib/iceberg/metadata.js';
import { fastAppend, newSnapshotId } from '../../lib/iceberg/snapshot/index.js';
import { IngestLedger } from '../../lib/ingest/ingest-ledger.js';
import { maintainTable } from '../../lib/ingest/maintain/maintain-table.js';
import type { MaintenanceContext } from '../../lib/ingest/maintain/maintenance-context.js';
import { removeOrphanFiles } from '../../lib/ingest/maintain/orphans.js';
import { S3FileIO } from '../../lib/storage/s3.js';
import { s3EventNotification, sqsEvent, sqsRecord } from '../ingest/events.js';
import {
  deliverCommitBatch,
  lambdaContext,
  PAT,
  type Pipeline,
  startPipeline,
  takeFifoBatch,
} from './pipeline-harness.js';
import { queryTable } from './verify-table.js';

export interface SuiteSize {
  files: number;
  seeds: number;
  seed0?: number;
}

/** mulberry32: a small seeded PRNG, so a failing seed replays exactly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Retry fast: the suite injects hundreds of faults.
const CONFIG = JSON.stringify({
  defaults: {
    auto_create: {
      properties: { 'commit.retry.min-wait-ms': '1', 'commit.retry.max-wait-ms': '4', 'commit.retry.num-retries': '4' },
    },
  },
});

const HISTORY = ['floe', 'ingest_history'] as const;

/** Registers the suite at a size (the environment knobs win). */
export function exactlyOnceSuite(size: SuiteSize): void {
  const FILES = Number(process.env.FLOE_FAULT_FILES ?? size.files);
  const SEEDS = Number(process.env.FLOE_FAULT_SEEDS ?? size.seeds);
  const SEED0 = Number(process.env.FLOE_FAULT_SEED0 ?? size.seed0 ?? 1);
  describe('exactly once under faults and maintenance (seeded)', () => {
    let p: Pipeline;
    let catalog: RestCatalog;
    beforeAll(async () => {
      // Load history on (issue #14): its rows travel through their own FIFO group, under the same faults.
      p = await startPipeline({ FLOE_CONFIG: CONFIG, FLOE_HISTORY_TABLE: HISTORY.join('.') });
      catalog = new RestCatalog({
        uri: p.server.url,
        auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
      });
    });
    afterAll(async () => p?.stop());

    for (let seed = SEED0; seed < SEED0 + SEEDS; seed++) {
      it(`seed ${seed}: ${FILES} files land exactly once`, async () => {
        const random = rng(seed);
        const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
        const tables: TableIdentifier[] = [
          { namespace: [`s${seed}`], name: 'orders' },
          { namespace: [`s${seed}`], name: 'events' },
        ];
        const expected = new Map<string, number>(); // file id → rows
        const keys = new Map<string, string>(); // landed key → file id
        const bodies: string[] = [];
        for (let i = 0; i < FILES; i++) {
          const table = tables[i % 2] as TableIdentifier;
          const fileId = `f${seed}-${i}`;
          const rows = 1 + Math.floor(random() * 5);
          const extra = random() < 0.1;
          const lines = [extra ? 'file_id,row_n,val,extra' : 'file_id,row_n,val'];
          for (let r = 0; r < rows; r++)
            lines.push(`${fileId},${r},${Math.floor(random() * 1000)}${extra ? ',x' : ''}`);
          const key = `${table.namespace[0]}/${table.name}/part-${i}.csv`;
          const body = `${lines.join('\n')}\n`;
          const out = await p.s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: key, Body: body }));
          expected.set(fileId, rows);
          keys.set(key, fileId);
          bodies.push(
            JSON.stringify(
              s3EventNotification('landing', key, {
                size: Buffer.byteLength(body),
                eTag: (out.ETag ?? '').replace(/"/g, ''),
              }),
            ),
          );
        }
        // 30% delivered twice; everything out of order.
        const landed = [...bodies, ...bodies.filter(() => random() < 0.3)];
        for (let i = landed.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [landed[i], landed[j]] = [landed[j] as string, landed[i] as string];
        }

        const stats = {
          crashBeforeEnqueue: 0,
          crashAfterEnqueue: 0,
          crashBeforeAck: 0,
          catalogFaults: 0,
          outsideCommits: 0,
          outsideExpiries: 0,
          maintenanceRuns: 0,
          compactedGroups: 0,
          expiredSnapshots: 0,
          orphansRemoved: 0,
          convertCalls: 0,
          commitCalls: 0,
        };
        p.sendFault = () => {
          const r = random();
          if (r < 0.1) {
            stats.crashBeforeEnqueue++;
            return 'before';
          }
          if (r < 0.2) {
            stats.crashAfterEnqueue++;
            return 'after';
          }
          return undefined;
        };
        const outsideIds: string[] = [];
        const outsideCatalog = new RestCatalog({
          uri: p.server.url,
          auth: tokenExchangeAuth({ tokenEndpoint: p.server.tokenUrl, subjectToken: PAT }),
        });
        const outsideAppend = async (id: TableIdentifier, n: number): Promise<void> => {
          if (!(await outsideCatalog.tableExists(id))) return;
          const fileId = `outside-${seed}-${n}`;
          const base = await outsideCatalog.loadTable(id);
          const { dataFiles } = await convertFile({
            source: (async function* () {
              yield new TextEncoder().encode(`file_id,row_n,val\n${fileId},0,0\n`);
            })(),
            fileName: `${fileId}.csv`,
            schema: currentSchema(base.metadata),
            spec: defaultSpec(base.metadata),
            formatVersion: base.metadata['format-version'],
            io: p.warehouseIo,
            dataLocation: `${base.metadata.location}/data`,
            namePrefix: fileId,
          });
          const snapshotId = newSnapshotId();
          try {
            await commitWithRetry(outsideCatalog, id, async (table, attempt) => {
              const product = await fastAppend({
                metadata: table.metadata,
                io: p.warehouseIo,
                dataFiles,
                snapshotId,
                attemptId: `${fileId}-${attempt}`,
              });
              for (const f of product.files) await p.warehouseIo.write(f.path, f.bytes);
              return { change: product.change, snapshotId };
            });
            outsideIds.push(fileId);
            stats.outsideCommits++;
          } catch {
            // an outside writer that gave up: its row may or may not be there, checked below
          }
        };

        // floe's maintenance, as the scheduled state machine runs it: its own client, the ledger in the landing bucket.
        const maintenance: MaintenanceContext = {
          catalog: outsideCatalog,
          tableIo: () => p.warehouseIo,
          ledger: new IngestLedger(new S3FileIO(), 's3://landing/_floe/ledger/'),
          commit: { retry: { numRetries: 6, minWaitMs: 1, maxWaitMs: 4 } },
        };
        const runMaintenance = async (id: TableIdentifier): Promise<void> => {
          if (!(await outsideCatalog.tableExists(id))) return;
          const report = await maintainTable(id, maintenance, {
            operations: ['compact', 'expire'],
            compaction: { minInputFiles: 2 },
            expiry: { maxSnapshotAgeMs: 0, minSnapshotsToKeep: 1 },
          });
          stats.maintenanceRuns++;
          for (const r of report.reports) {
            if (r.operation === 'compact')
              stats.compactedGroups += r.groups.filter((g) => g.outcome !== 'conflict').length;
            if (r.operation === 'expire') stats.expiredSnapshots += r.expiredSnapshots;
          }
        };
        // Another engine's expire_snapshots: every snapshot but the head, no ledger markers.
        const outsideExpire = async (id: TableIdentifier): Promise<void> => {
          if (!(await outsideCatalog.tableExists(id))) return;
          try {
            await commitWithRetry(outsideCatalog, id, async (table) => {
              const head = table.metadata['current-snapshot-id'];
              const ids = table.metadata.snapshots.map((x) => x['snapshot-id']).filter((x) => x !== head);
              return {
                change: {
                  requirements: [
                    { type: 'assert-table-uuid', uuid: table.metadata['table-uuid'] },
                    { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': head ?? null },
                  ],
                  updates: [{ action: 'remove-snapshots', 'snapshot-ids': ids }],
                },
              };
            });
            stats.outsideExpiries++;
          } catch {
            // gave up under injected faults: nothing expired, or everything; both are fine
          }
        };

        const removeOrphans = async (): Promise<void> => {
          for (const table of tables) {
            if (!(await outsideCatalog.tableExists(table))) continue;
            stats.orphansRemoved += (await removeOrphanFiles(table, maintenance, 0)).orphans.length;
          }
        };

        const catalogFaults = [
          () => p.server.faults.failNextCommits(1, 409),
          () => p.server.faults.applyThenFail(1, 500),
          () => p.server.faults.failNextCommits(1, 503),
          () => p.server.faults.dropConnection(1),
          () => p.server.faults.dropConnection(1, { apply: true }),
        ];
        let steps = 0;
        let deliveries = 0;
        let outsideN = 0;
        while (landed.length > 0 || p.fifo.size > 0) {
          if (++steps > 5000) throw new Error(`seed ${seed}: no progress after ${steps} steps`);
          if (landed.length > 0 && (p.fifo.size === 0 || random() < 0.6)) {
            const batch = landed.splice(0, 1 + Math.floor(random() * 10));
            const records = batch.map((body) => sqsRecord(body));
            deliveries += records.length;
            stats.convertCalls++;
            const response = await p.convert(sqsEvent(records), lambdaContext('floe-convert'));
            const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
            // a standard queue redelivers failures later, in no particular order
            for (const record of records)
              if (failed.has(record.messageId))
                landed.splice(Math.floor(random() * (landed.length + 1)), 0, record.body);
          } else {
            if (random() < 0.5) {
              pick(catalogFaults)();
              stats.catalogFaults++;
            }
            const crashBeforeAck = random() < 0.15;
            if (crashBeforeAck) stats.crashBeforeAck++;
            stats.commitCalls++;
            const records = takeFifoBatch(p, 1 + Math.floor(random() * 10), (groups) =>
              random() < 0.5 ? groups : [...groups].reverse(),
            );
            const outside = random() < 0.3 ? outsideAppend(pick(tables), outsideN++) : Promise.resolve();
            if (random() < 0.25) await outsideExpire(pick(tables));
            const maintain = random() < 0.25 ? runMaintenance(pick(tables)) : Promise.resolve();
            await Promise.all([deliverCommitBatch(p, records, { crashBeforeAck }), outside, maintain]);
          }
          // Orphan removal without a safety age is safe only while no commit request is in flight.
          if (p.fifo.size === 0 && random() < 0.5) await removeOrphans();
        }
        p.sendFault = () => undefined;
        p.server.faults.reset();
        // A last maintenance pass (compact, expire, orphans) must leave every row in place.
        for (const table of tables) await runMaintenance(table);
        await removeOrphans();

        for (const table of tables) {
          const rows = await queryTable(
            catalog,
            p.warehouseIo,
            table,
            'select file_id, count(*)::int n from t group by file_id',
          );
          const counts = new Map(rows.map((r) => [String(r.file_id), Number(r.n)]));
          for (const [fileId, n] of expected) {
            const index = Number(fileId.split('-')[1]);
            if ((tables[index % 2] as TableIdentifier) !== table) continue;
            expect(counts.get(fileId), `${fileId} in ${table.name}`).toBe(n);
          }
          for (const [fileId, n] of counts) {
            if (fileId.startsWith('outside-')) expect(n, fileId).toBe(1);
            else expect(expected.has(fileId), `unexpected ${fileId}`).toBe(true);
          }
        }
        const outsideSeen = (
          await Promise.all(
            tables.map((t) =>
              queryTable(catalog, p.warehouseIo, t, "select count(*)::int n from t where file_id like 'outside-%'"),
            ),
          )
        ).reduce((sum, r) => sum + Number(r[0]?.n ?? 0), 0);
        expect(outsideSeen).toBeGreaterThanOrEqual(outsideIds.length);
        // History: exactly one `committed` row per landed file, with its rows; a redelivery is
        // recorded as `duplicate` (once per file: rows are deduplicated on their history id).
        const history = await queryTable(
          catalog,
          p.warehouseIo,
          { namespace: [HISTORY[0]], name: HISTORY[1] },
          `select key, outcome, count(*)::int n, max(rows)::int r, count(snapshot_id)::int s from t
           where key like 's${seed}/%' group by key, outcome order by key, outcome`,
        );
        const outcomes = new Map<string, Map<string, { n: number; r: number; s: number }>>();
        for (const row of history) {
          const of = outcomes.get(String(row.key)) ?? new Map();
          of.set(String(row.outcome), { n: Number(row.n), r: Number(row.r), s: Number(row.s) });
          outcomes.set(String(row.key), of);
        }
        expect([...outcomes.keys()].sort()).toEqual([...keys.keys()].sort());
        let duplicates = 0;
        for (const [key, fileId] of keys) {
          const of = outcomes.get(key) ?? new Map();
          expect(
            [...of.keys()].filter((o) => o !== 'committed' && o !== 'duplicate'),
            key,
          ).toEqual([]);
          expect(of.get('committed'), `${key}: one committed row`).toEqual({ n: 1, r: expected.get(fileId), s: 1 });
          const duplicate = of.get('duplicate');
          if (duplicate) {
            expect(duplicate.n, `${key}: one duplicate row`).toBe(1);
            duplicates++;
          }
        }
        expect(duplicates, 'redeliveries recorded as duplicates').toBeGreaterThan(0);
        // every fault kind was exercised in this seed
        expect(stats.crashBeforeEnqueue + stats.crashAfterEnqueue).toBeGreaterThan(0);
        expect(stats.catalogFaults).toBeGreaterThan(0);
        expect(stats.outsideExpiries + stats.expiredSnapshots).toBeGreaterThan(0);
        console.info(`seed ${seed}: ${FILES} files, ${deliveries} landed deliveries`, JSON.stringify(stats));
      }, 300_000); // ~8–15 s a seed on two idle cores; generous for a loaded machine
    }
  });
}
