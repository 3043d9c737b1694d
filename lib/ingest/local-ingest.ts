/**
 * `runLocalIngest`: the convert and commit path on local files, for `floe ingest <file…>` (and
 * tests, benchmarks). Same `convertObject` and `commitBatch` as the Lambdas; the commit queue is
 * an in-memory list committed at the end in batches. `dryRun` infers or aligns the schema,
 * counts rows and collects errors, and writes nothing (no table, no data files, no report).
 *
 * @example
 * const result = await runLocalIngest({ files: ['orders.csv'], table: 'sales.orders', catalog });
 * result.files[0].status // 'enqueued' → committed in result.commits[0]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import type { Catalog, TableIdentifier } from '../catalog/catalog.js';
import { formatIdentifier, parseIdentifier } from '../catalog/catalog.js';
import { BadInputError } from '../formats/bad-input-error.js';
import { alignToTable, convertFile, inferSchema } from '../formats/index.js';
import { currentSchema, defaultSpec } from '../iceberg/metadata.js';
import type { Schema } from '../iceberg/types.js';
import type { FileInfo, FileIO } from '../storage/file-io.js';
import { LocalFileIO } from '../storage/local.js';
import { fileIOForTable } from '../storage/resolve.js';
import { type CommitBatchResult, commitBatch } from './commit-batch.js';
import type { CommitRequest } from './commit-request.js';
import { defaultIngestConfig, type IngestConfig, settingsForTable } from './config.js';
import { type ConvertOutcome, convertObject } from './convert-object.js';
import type { LandedObject } from './landed-event.js';
import { RouteError, routeObject } from './route.js';
import { bindRouteTransform } from './route-transform.js';
import { loadTableIfExists, partitionSpecFor } from './table-setup.js';

export interface LocalIngestOptions {
  /** Local file paths. */
  files: string[];
  catalog: Catalog;
  /** Send every file to this table (`ns.table`); otherwise route by `config` on paths relative to `root`. */
  table?: string | TableIdentifier;
  config?: IngestConfig;
  /** Base of relative keys for routing and of error reports. @default process.cwd() */
  root?: string;
  /** Error reports go to `<errorsDir>/<key>.error.json`. @default `<root>/_floe/errors/` */
  errorsDir?: string;
  dryRun?: boolean;
  /** Requests per commit (one snapshot each). @default 100 */
  commitBatchSize?: number;
}

export interface DryRunOutcome {
  status: 'dry-run';
  key: string;
  table: string;
  /** The schema the file would be written with (aligned, or inferred for a new table). */
  schema: Schema;
  tableExists: boolean;
  /** The table's schema would change (new columns or wider types). */
  evolves: boolean;
  rows: number;
  rejectedRows: number;
  error?: { reason: string; line?: number; column?: string | number; value?: string };
}

export interface LocalIngestResult {
  files: Array<ConvertOutcome | DryRunOutcome>;
  commits: CommitBatchResult['tables'];
  /** Files whose requests were committed (or already were). */
  committed: number;
  rejected: number;
}

/** Runs convert and commit for local files (see the module doc). */
export async function runLocalIngest(options: LocalIngestOptions): Promise<LocalIngestResult> {
  const root = resolve(options.root ?? process.cwd());
  const errorsDir = resolve(options.errorsDir ?? `${root}/_floe/errors/`);
  const forced = typeof options.table === 'string' ? parseIdentifier(options.table) : options.table;
  const base = options.config ?? defaultIngestConfig();
  const config: IngestConfig = forced
    ? {
        landingPrefix: '',
        defaults: base.defaults,
        routes: [{ match: '**', table: forced, settings: settingsForTable(base, forced) }],
      }
    : base;
  const landingIo = new LocalFileIO();
  const pending: CommitRequest[] = [];
  const outcomes: LocalIngestResult['files'] = [];

  for (const file of options.files) {
    const path = resolve(file);
    const key = forced ? basename(path) : relative(root, path).split('\\').join('/');
    const info = await stat(path);
    const object: LandedObject = {
      bucket: 'local',
      key,
      size: info.size,
      etag: await contentHash(path),
      eventTime: info.mtimeMs,
    };
    if (options.dryRun) {
      outcomes.push(await dryRun(object, path, config, options.catalog));
      continue;
    }
    outcomes.push(
      await convertObject(object, {
        catalog: options.catalog,
        config,
        landingIo,
        objectUri: () => path,
        errorsLocation: () => `${errorsDir}/`,
        archiveLocation: () => `${root}/_floe/archive/`,
        reservedPrefixes: ['_floe/'],
        tableIo: (table) => fileIOForTable(table, { catalog: options.catalog }),
        queue: { send: async (request) => void pending.push(request) },
      }),
    );
  }

  const commits: CommitBatchResult['tables'] = [];
  let committed = 0;
  const size = options.commitBatchSize ?? 100;
  for (let i = 0; i < pending.length; i += size) {
    const result = await commitBatch(pending.slice(i, i + size), {
      catalog: options.catalog,
      tableIo: (table) => fileIOForTable(table, { catalog: options.catalog }),
      dedupWindowMs: (table) => settingsForTable(config, table).dedupWindowMs,
    });
    commits.push(...result.tables);
    committed += result.requests.filter((r) => r.status !== 'failed').length;
    const failed = result.tables.find((t) => t.outcome === 'failed');
    if (failed) throw failed.error;
  }
  return { files: outcomes, commits, committed, rejected: outcomes.filter((o) => o.status === 'rejected').length };
}

async function dryRun(
  object: LandedObject,
  path: string,
  config: IngestConfig,
  catalog: Catalog,
): Promise<ConvertOutcome | DryRunOutcome> {
  let routed: ReturnType<typeof routeObject>;
  try {
    routed = routeObject(object.key, object.size, config, { reservedPrefixes: ['_floe/'] });
  } catch (error) {
    // A key that can never be routed is this file's error, not the run's.
    if (!(error instanceof RouteError)) throw error;
    return {
      status: 'dry-run',
      key: object.key,
      table: '',
      schema: { type: 'struct', 'schema-id': 0, fields: [] },
      tableExists: false,
      evolves: false,
      rows: 0,
      rejectedRows: 0,
      error: { reason: error.reason },
    };
  }
  if (routed.kind === 'skip') return { status: 'skipped', key: object.key, reason: routed.reason };
  const table = formatIdentifier(routed.table);
  const open = () => new LocalFileIO().readStream(path);
  const options = routed.settings.format;
  const outcome: DryRunOutcome = {
    status: 'dry-run',
    key: object.key,
    table,
    schema: { type: 'struct', 'schema-id': 0, fields: [] },
    tableExists: false,
    evolves: false,
    rows: 0,
    rejectedRows: 0,
  };
  try {
    // With a route transform the schema shown is the projection's (issue 17).
    const transform = await bindRouteTransform(
      routed.settings,
      open,
      object.key,
      {
        sourceKey: object.key,
        sourceVersion: object.etag ?? '',
        ingestId: 'dry-run',
        ingestedAt: object.eventTime * 1000,
      },
      routed.hiveValues,
    );
    const fileSchema = transform?.plan.schema ?? (await inferSchema(open, object.key, options));
    const loaded = await loadTableIfExists(catalog, routed.table);
    outcome.tableExists = loaded !== undefined;
    const spec = loaded ? defaultSpec(loaded.metadata) : partitionSpecFor(fileSchema, routed.settings, object.key);
    outcome.schema = fileSchema;
    if (loaded) {
      const alignment = alignToTable(currentSchema(loaded.metadata), fileSchema, routed.settings.schemaPolicy, {
        caseInsensitive: options.caseInsensitive,
        lastColumnId: loaded.metadata['last-column-id'],
        fileName: object.key,
        hiveColumns: routed.hiveValues,
      });
      outcome.schema = alignment.schema;
      outcome.evolves = alignment.evolved;
    }
    const batchTransform = transform?.forTable(outcome.schema);
    const result = await convertFile({
      transform: batchTransform && {
        input: batchTransform.input,
        apply: (batch, rowErrors) => batchTransform.apply(batch, rowErrors),
      },
      source: open(),
      fileName: object.key,
      schema: outcome.schema,
      spec,
      formatVersion: loaded?.metadata['format-version'] ?? routed.settings.autoCreate?.formatVersion ?? 2,
      io: new DiscardingFileIO(),
      dataLocation: 'file:///dev/null/floe-dry-run',
      namePrefix: 'dry-run',
      options,
      onError: routed.settings.onError,
      hiveColumns: routed.hiveValues,
    });
    outcome.rows = result.rows;
    outcome.rejectedRows = result.rejected.length + result.rejectedDropped;
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    outcome.error = { reason: error.reason, line: error.line, column: error.column, value: error.value };
  }
  return outcome;
}

/** SHA-256 of the file: a local file has no ETag, and its content is what makes it "the same file". */
async function contentHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A FileIO that accepts writes and keeps nothing (dry runs). */
class DiscardingFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    throw new Error(`dry run: nothing to read at ${path}`);
  }
  async *readStream(): AsyncIterable<Uint8Array> {}
  async write(): Promise<void> {}
  async writeStream(_path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    let n = 0;
    for await (const chunk of chunks) n += chunk.byteLength;
    return n;
  }
  async exists(): Promise<boolean> {
    return false;
  }
  async stat(path: string): Promise<FileInfo> {
    return { path, size: 0 };
  }
  async delete(): Promise<void> {}
  async *list(): AsyncIterable<FileInfo> {}
}
