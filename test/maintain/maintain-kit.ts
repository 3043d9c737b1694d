/**
 * Test kit for maintenance: a table in floe's embedded catalog (over HTTP, a temp warehouse),
 * files "landed" through the real convert and commit code (`convertFile` + `commitBatch`, with
 * the durable ledger), a controllable clock, and independent checks (DuckDB over the live data
 * files, icebird over the metadata).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, LoadedTable, TableIdentifier } from '../../lib/catalog/catalog.js';
import { convertFile } from '../../lib/ingest/convert-file.js';
import { currentSchema, defaultSpec } from '../../lib/iceberg/metadata.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { type CommitBatchResult, commitBatch } from '../../lib/ingest/commit-batch.js';
import type { CommitRequest } from '../../lib/ingest/commit-request.js';
import { ingestId } from '../../lib/ingest/ingest-id.js';
import { IngestLedger } from '../../lib/ingest/ingest-ledger.js';
import type { MaintenanceContext } from '../../lib/ingest/maintain/maintenance-context.js';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { startTestCatalog, type TestCatalog } from '../support/catalog-server.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { readTableWithIcebird } from '../support/icebird.js';

export const DAY = 86_400_000;

export interface Kit {
  env: TestCatalog;
  id: TableIdentifier;
  ledger: IngestLedger;
  /** The clock every commit and maintenance run reads. */
  clock: { now: number };
  land(
    key: string,
    rows: Array<[number, string]>,
    options?: { ledger?: IngestLedger | null },
  ): Promise<CommitBatchResult>;
  requestFor(key: string, rows: Array<[number, string]>): Promise<CommitRequest>;
  context(extra?: Partial<MaintenanceContext>): MaintenanceContext;
  load(): Promise<LoadedTable>;
  close(): Promise<void>;
}

const FAST_RETRY = { 'commit.retry.min-wait-ms': '1', 'commit.retry.max-wait-ms': '4' };

/** A table `db.events (id long, day date, src string)` partitioned by day. */
export async function startKit(properties: Record<string, string> = {}): Promise<Kit> {
  const env = await startTestCatalog();
  const ledgerDir = await mkdtemp(join(tmpdir(), 'floe-ledger-'));
  const ledger = new IngestLedger(env.io, ledgerDir);
  await env.catalog.createNamespace(['db']);
  const id = { namespace: ['db'], name: 'events' };
  await env.catalog.createTable(['db'], {
    name: 'events',
    schema: {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'day', required: false, type: 'date' },
        { id: 3, name: 'src', required: false, type: 'string' },
      ],
    },
    'partition-spec': {
      'spec-id': 0,
      fields: [{ 'source-id': 2, 'field-id': 1000, name: 'day', transform: 'identity' }],
    },
    properties: { ...FAST_RETRY, ...properties },
  });
  const clock = { now: Date.UTC(2026, 0, 1) };
  const requestFor = async (key: string, rows: Array<[number, string]>): Promise<CommitRequest> => {
    const table = await env.catalog.loadTable(id);
    const ingest = ingestId({ bucket: 'landing', key, etag: key });
    const body = `id,day,src\n${rows.map(([n, day]) => `${n},${day},${key}`).join('\n')}\n`;
    const { dataFiles } = await convertFile({
      source: (async function* () {
        yield new TextEncoder().encode(body);
      })(),
      fileName: `${key}.csv`,
      schema: currentSchema(table.metadata),
      spec: defaultSpec(table.metadata),
      formatVersion: table.metadata['format-version'],
      io: env.io,
      dataLocation: `${table.metadata.location}/data`,
      namePrefix: ingest,
      properties: table.metadata.properties,
      encoder: 'inline',
    });
    return {
      ingestId: ingest,
      table: id,
      sourceBucket: 'landing',
      sourceKey: key,
      dataFiles,
      rows: rows.length,
      bytes: body.length,
      landedAt: clock.now,
      schemaId: 0,
      specId: 0,
    };
  };
  const kit: Kit = {
    env,
    id,
    ledger,
    clock,
    requestFor,
    async land(key, rows, options = {}) {
      const request = await requestFor(key, rows);
      const ledgerOption = options.ledger === null ? undefined : (options.ledger ?? ledger);
      return commitBatch([request], {
        catalog: env.catalog,
        tableIo: () => env.io,
        dedupWindowMs: () => 30 * DAY,
        ledger: ledgerOption,
        now: () => clock.now,
      });
    },
    context(extra = {}) {
      return { catalog: env.catalog, tableIo: () => env.io, ledger, now: () => clock.now, ...extra };
    },
    load: () => env.catalog.loadTable(id),
    async close() {
      await env.close();
      await rm(ledgerDir, { recursive: true, force: true });
    },
  };
  return kit;
}

/** `src → rows` of the table, read by DuckDB from the live data files. */
export async function countsBySource(
  catalog: Catalog,
  io: FileIO,
  id: TableIdentifier,
): Promise<Record<string, number>> {
  const loaded = await catalog.loadTable(id);
  const entries = await liveDataFiles(io, loaded.metadata);
  if (entries.length === 0) return {};
  const db = await openDuckDb();
  try {
    const files = entries.map((e) => sqlString(e.data_file.file_path.replace(/^file:\/\//, '')));
    const rows = await db.queryJson(
      `select src, count(*)::int n from read_parquet([${files.join(',')}], union_by_name = true) group by src order by src`,
    );
    return Object.fromEntries(rows.map((r) => [String(r.src), Number(r.n)]));
  } finally {
    db.close();
  }
}

/** Rows per source as icebird reads the table's current metadata. */
export async function icebirdCounts(table: LoadedTable): Promise<Record<string, number>> {
  const rows = await readTableWithIcebird(table.metadataLocation);
  const out: Record<string, number> = {};
  for (const r of rows) out[String(r.src)] = (out[String(r.src)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
