/**
 * The local adapters of the backfill use case: objects are local files, conversion is the
 * shared `convertObject` (its commit request captured rather than queued, since the backfill
 * commits in its own batches), and ingest ids are derived exactly as `floe dev` derives them
 * (local-objects.ts: the path and a hash of the bytes), so backfilling files the dev stack
 * already ingested adds nothing. `floe ingest <file…>` and `floe backfill <dir>` both run here.
 */
import { resolve } from 'node:path';
import { formatIdentifier, type TableIdentifier } from '../catalog/catalog.js';
import {
  type BackfillContext,
  type BackfillMode,
  backfillConvertConfig,
  type ConvertOutcome,
} from '../ingest/backfill.js';
import {
  type BackfillObject,
  type BackfillPlan,
  type BackfillSource,
  type ChunkLimits,
  chunkObjects,
  planBackfill,
} from '../ingest/backfill-plan.js';
import type { CommitRequest } from '../ingest/commit-request.js';
import { type IngestConfig, parseIngestConfig, settingsForTable } from '../ingest/config.js';
import { convertObject } from '../ingest/convert-object.js';
import { ingestId } from '../ingest/ingest-id.js';
import type { LandedObject } from '../ingest/landed-event.js';
import { LocalFileIO } from '../storage/local.js';
import type { CatalogConnection } from './catalog-connection.js';
import { localObjectName, localObjectPath, withContentVersions } from './local-objects.js';

/**
 * Plans a local backfill of a directory (`{ prefix: '/abs/dir/' }`) or a manifest of paths, each
 * file versioned by the hash of its bytes (computed here, once per run).
 */
export async function planLocalBackfill(
  source: BackfillSource,
  options: ChunkLimits & { filter?: (path: string) => boolean } = {},
): Promise<BackfillPlan> {
  const plan = await planBackfill(new LocalFileIO(), source, options);
  await withContentVersions(plan.chunks.flatMap((c) => c.objects));
  return plan;
}

/** Plans the given local files (`floe ingest <file…>`), one chunk per file, versioned by content. */
export async function planLocalFiles(
  files: Array<{ path: string; size: number; lastModifiedMs: number }>,
): Promise<BackfillPlan> {
  const objects = await withContentVersions(files.map((f) => ({ ...f })));
  return {
    source: 'files',
    files: objects.length,
    bytes: objects.reduce((n, f) => n + f.size, 0),
    chunks: chunkObjects(objects, { maxChunkFiles: 1 }),
  };
}

/**
 * A config that routes every key to `table`, with the settings `base` gives that table (its
 * route's, else the defaults: a route's `auto_create.partition_spec` applies to `floe ingest`).
 */
export function singleTableConfig(table: TableIdentifier, base?: IngestConfig): IngestConfig {
  const config = parseIngestConfig({ routes: [{ match: '**', table: formatIdentifier(table) }] });
  if (!base) return config;
  const settings = settingsForTable(base, table);
  return { ...config, defaults: base.defaults, routes: config.routes.map((r) => ({ ...r, settings })) };
}

/** The landed object for a planned local file. */
export function landedObjectOf(object: BackfillObject, landingRoot: string, sourceRoot: string): LandedObject {
  const { bucket, key } = localObjectName(object.path, landingRoot, sourceRoot);
  return {
    bucket,
    key,
    size: object.size,
    etag: object.etag,
    eventTime: Math.round(object.lastModifiedMs ?? Date.now()),
  };
}

/**
 * Builds the backfill context for local files under `sourceRoot`. The mode matters to
 * conversion: replace-partitions must convert files the table already holds, or replacing their
 * partitions would drop their rows.
 */
export function localBackfillContext(
  connection: CatalogConnection,
  table: TableIdentifier,
  sourceRoot: string,
  config?: IngestConfig,
  mode: BackfillMode = 'append',
): BackfillContext {
  const landingRoot = connection.home.landing;
  const root = resolve(sourceRoot);
  const routes = backfillConvertConfig(singleTableConfig(table, config), mode);
  const landingIo = new LocalFileIO();
  return {
    catalog: connection.catalog,
    table,
    tableIo: (t) => connection.ioFor(t),
    ingestIdOf: (object) => ingestId(landedObjectOf(object, landingRoot, root)),
    async convert(object): Promise<ConvertOutcome> {
      let captured: CommitRequest | undefined;
      const outcome = await convertObject(landedObjectOf(object, landingRoot, root), {
        catalog: connection.catalog,
        config: routes,
        landingIo,
        objectUri: (o) => localObjectPath(o, landingRoot),
        errorsLocation: () => `${connection.home.errors}/`,
        reservedPrefixes: [],
        tableIo: (t) => connection.ioFor(t),
        queue: {
          send: async (request) => {
            captured = request;
          },
        },
      });
      if (outcome.status === 'rejected') {
        return { kind: 'rejected', reason: outcome.reason, reportPath: outcome.reportPath };
      }
      if (outcome.status === 'skipped' || !captured)
        return { kind: 'skipped', reason: outcome.status === 'skipped' ? outcome.reason : 'nothing converted' };
      return { kind: 'converted', request: captured };
    },
  };
}
