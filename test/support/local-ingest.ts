/**
 * Per-file convert-and-commit over local files for tests that assert each file's outcome
 * (`convertObject` returns one per file; the shipped `floe ingest` path, `runBackfill`, only
 * counts them). It drives the same library use cases the Lambdas run — `convertObject`, then
 * `commitBatch` with the durable ledger — and `dryRunObject` for `dryRun`; only the loop is here.
 * Local files are identified by a SHA-256 of their bytes, as `floe ingest` identifies them.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, relative, resolve } from 'node:path';
import type { Catalog, TableIdentifier } from '../../lib/catalog/catalog.js';
import { parseIdentifier } from '../../lib/catalog/catalog.js';
import { type CommitBatchResult, commitBatch } from '../../lib/ingest/commit-batch.js';
import type { CommitRequest } from '../../lib/ingest/commit-request.js';
import { defaultIngestConfig, type IngestConfig, settingsForTable } from '../../lib/ingest/config.js';
import { type ConvertOutcome, convertObject } from '../../lib/ingest/convert-object.js';
import { type DryRunOutcome, dryRunObject } from '../../lib/ingest/dry-run.js';
import { IngestLedger } from '../../lib/ingest/ingest-ledger.js';
import type { LandedObject } from '../../lib/ingest/landed-event.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { fileIOForTable } from '../../lib/storage/resolve.js';

export interface LocalIngestOptions {
  files: string[];
  catalog: Catalog;
  /** Send every file to this table; otherwise route by `config` on paths relative to `root`. */
  table?: string | TableIdentifier;
  config?: IngestConfig;
  /** Base of relative keys, error reports (`_floe/errors/`) and the ledger. @default process.cwd() */
  root?: string;
  dryRun?: boolean;
}

export interface LocalIngestResult {
  files: Array<ConvertOutcome | DryRunOutcome>;
  commits: CommitBatchResult['tables'];
  /** Files whose requests were committed (or already were). */
  committed: number;
  rejected: number;
}

/** Converts each file with `convertObject`, then commits them all with `commitBatch`. */
export async function runLocalIngest(options: LocalIngestOptions): Promise<LocalIngestResult> {
  const root = resolve(options.root ?? process.cwd());
  const forced = typeof options.table === 'string' ? parseIdentifier(options.table) : options.table;
  const base = options.config ?? defaultIngestConfig();
  const config: IngestConfig = forced
    ? { landingPrefix: '', defaults: base.defaults, routes: [{ match: '**', table: forced, settings: settingsForTable(base, forced) }] }
    : base;
  const io = new LocalFileIO();
  const tableIo = (table: Parameters<typeof fileIOForTable>[0]) => fileIOForTable(table, { catalog: options.catalog });
  const pending: CommitRequest[] = [];
  const outcomes: LocalIngestResult['files'] = [];
  for (const file of options.files) {
    const path = resolve(file);
    const info = await stat(path);
    const object: LandedObject = {
      bucket: 'local',
      key: forced ? basename(path) : relative(root, path).split('\\').join('/'),
      size: info.size,
      etag: createHash('sha256').update(await readFile(path)).digest('hex'),
      eventTime: info.mtimeMs,
    };
    if (options.dryRun) {
      outcomes.push(await dryRunObject(object, () => io.readStream(path), config, options.catalog));
      continue;
    }
    outcomes.push(
      await convertObject(object, {
        catalog: options.catalog,
        config,
        landingIo: io,
        objectUri: () => path,
        errorsLocation: () => `${root}/_floe/errors/`,
        archiveLocation: () => `${root}/_floe/archive/`,
        reservedPrefixes: ['_floe/'],
        tableIo,
        queue: { send: async (request) => void pending.push(request) },
      }),
    );
  }
  const result = await commitBatch(pending, {
    catalog: options.catalog,
    tableIo,
    dedupWindowMs: (table) => settingsForTable(config, table).dedupWindowMs,
    ledger: new IngestLedger(io, `${root}/_floe/ledger`),
  });
  const failed = result.tables.find((t) => t.outcome === 'failed');
  if (failed) throw failed.error;
  return {
    files: outcomes,
    commits: result.tables,
    committed: result.requests.filter((r) => r.status !== 'failed').length,
    rejected: outcomes.filter((o) => o.status === 'rejected').length,
  };
}
