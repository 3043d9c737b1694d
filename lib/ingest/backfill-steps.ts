/**
 * The backfill use case cut into the four steps of the Step Functions state machine (issue 8,
 * infra/constructs/backfill-state-machine.ts): plan → convert one chunk → commit one batch of
 * converted chunks → report. `runBackfill` (backfill.ts) runs the same use case in one process;
 * these steps run it across Lambda invocations, so everything one step hands the next is either
 * a small JSON payload or an object in the landing bucket under the backfill prefix.
 *
 * Exactly once (invariant 1) holds across steps as it does in `runBackfill`:
 * - the plan computes each object's ingest id exactly as live ingestion does (bucket, key,
 *   version id or ETag), and the backfill id is `backfillRunId(table, mode, ingest ids)`, so the
 *   same backfill planned again gets the same id and the same chunk manifest;
 * - convert skips objects the table already holds (append: any snapshot's ingest ids;
 *   replace-partitions: this run's), so a rerun converts nothing;
 * - commit deduplicates again on the base of every attempt (append: the live `commitBatch`;
 *   replace-partitions: one overwrite snapshot tagged with the run id), so a retried or
 *   concurrent child never applies a file twice.
 */
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog/catalog.js';
import { formatIdentifier, parseIdentifier } from '../catalog/catalog.js';
import { CommitConflictError, CommitStateUnknownError } from '../catalog/errors.js';
import { checkTransform, TransformError } from '../formats/transform/index.js';
import { type FileIO, FileNotFoundError } from '../iceberg/file-io.js';
import { isS3Location, parseS3Uri } from '../storage/s3.js';
import type { ObjectVersions } from '../storage/s3-versions.js';
import {
  BackfillCommitError,
  type BackfillMode,
  backfillConvertConfig,
  backfillRunId,
  commitAppend,
  commitReplace,
  runLedger,
} from './backfill.js';
import {
  type BackfillChunk,
  BackfillInputError,
  type BackfillObject,
  chunkObjects,
  planBackfill,
} from './backfill-plan.js';
import { type CommitRequest, decodeCommitRequest, encodeCommitRequest } from './commit-request.js';
import { type IngestConfig, settingsForTable } from './config.js';
import { convertObject } from './convert-object.js';
import { isRetryable, TransientError } from './error-kind.js';
import { ingestId } from './ingest-id.js';
import { committedIngestIds } from './ingest-ledger.js';
import type { LandedObject } from './landed-event.js';
import { loadTableIfExists } from './table-setup.js';
import { planTableSource, tableSourceObject } from './table-source.js';

/** The state machine's execution input (what Plan receives, verbatim). */
export interface BackfillRequest {
  /** `ns.table` (nested namespaces: `a.b.table`). */
  table: string;
  /** `s3://bucket/prefix/` to list. One of `source` and `manifest` is required. */
  source?: string;
  /** `s3://bucket/keys.txt`: one key or URI per line; relative keys resolve against `keyBase`. */
  manifest?: string;
  keyBase?: string;
  /** `ns.table`: load from this Iceberg table's current snapshot instead of objects (issue 17). */
  fromTable?: string;
  /** The load's transform (docs/transforms.md); `where` also prunes the source's partitions. */
  select?: string;
  where?: string;
  /** @default 'append' */
  mode?: BackfillMode;
  maxChunkFiles?: number;
  maxChunkBytes?: number;
}

/** What Plan returns (it lands at `$.plan` and travels with every child: keep it small). */
export interface BackfillPlanSummary {
  /** The run id (`backfillRunId`): stable for the same table, mode and object versions. */
  backfillId: string;
  table: string;
  mode: BackfillMode;
  source: string;
  /** Set for a table-to-table load: the source table, and the transform every child applies. */
  fromTable?: string;
  select?: string;
  where?: string;
  /** Bucket and key of the chunk manifest (a JSON array of {@link BackfillManifestChunk}) for S3JsonItemReader. */
  manifestBucket: string;
  manifestKey: string;
  /** `s3://bucket/<backfill prefix><backfillId>/`: spilled convert results and the report go here. */
  location: string;
  files: number;
  bytes: number;
  chunks: number;
}

/** A backfill object with the S3 version id live ingestion would have seen in its event. */
export interface BackfillS3Object extends BackfillObject {
  versionId?: string;
}

/** One item of the chunk manifest (one Distributed Map item). */
export interface BackfillManifestChunk extends BackfillChunk {
  objects: BackfillS3Object[];
}

/** An object convert could not ingest (an error report was written for it). */
export interface BackfillRejection {
  path: string;
  reason: string;
  reportPath?: string;
}

/** What ConvertChunk returns for one chunk (an element of CommitBatch's `converted`). */
export interface ConvertedChunk {
  chunk: number;
  files: number;
  /** Objects converted into commit requests. */
  converted: number;
  /** Already in the table (or not routable: markers, empty objects). */
  skipped: number;
  rejected: number;
  rows: number;
  dataFiles: number;
  /** The first {@link MAX_LISTED_REJECTIONS} rejections. */
  rejections: BackfillRejection[];
  /** The commit requests, encoded (`encodeCommitRequest`), when small enough to travel inline. */
  requests?: Array<Record<string, unknown>>;
  /** Otherwise the `s3://` URI of a JSON array of the encoded requests. */
  spilled?: string;
}

/** What CommitBatch returns for one child (a line of the Map Run's results). */
export interface CommittedBatch {
  chunks: number[];
  /** `committed`, `already-committed` (a retry whose first attempt landed) or `nothing-to-commit`. */
  outcome: 'committed' | 'already-committed' | 'nothing-to-commit';
  /** Decimal: snapshot ids are 64-bit. */
  snapshotId?: string;
  files: number;
  committed: number;
  duplicates: number;
  skipped: number;
  rejected: number;
  rows: number;
  dataFiles: number;
  rejections: BackfillRejection[];
}

/** The report of a finished (or failed) backfill, written next to its manifest and returned. */
export interface BackfillReport {
  backfillId: string;
  table: string;
  mode: BackfillMode;
  /** The Map Run's status, as the state machine passed it. */
  status: 'SUCCEEDED' | 'FAILED';
  /** True when every planned file is accounted for by a successful child (none failed or pending). */
  complete: boolean;
  files: number;
  chunks: number;
  committed: number;
  duplicates: number;
  skipped: number;
  rejected: number;
  rows: number;
  snapshots: string[];
  /** Chunks whose child execution failed (after its retries), with the error. */
  failedChunks: Array<{ chunks: number[]; error?: string; cause?: string }>;
  /** Planned files no successful child accounted for (the failed children's, or a pending Map Run's). */
  unaccounted: number;
  rejections: BackfillRejection[];
  error?: { Error?: string; Cause?: string };
  reportPath: string;
}

/** Most rejections listed inline in a result (the error reports hold them all). */
export const MAX_LISTED_REJECTIONS = 20;

/** Convert results up to this many JSON bytes travel inline; larger ones spill their requests to S3 ({@link inlineOrSpill}). */
export const DEFAULT_INLINE_RESULT_BYTES = 32 * 1024;

/** Where the steps read and write, and which catalog they use (built from the handler environment). */
export interface BackfillStepsContext {
  catalog: Catalog;
  /** Route settings: the backfill's table takes the settings of its route, else the defaults. */
  config: IngestConfig;
  /** Reads landed objects; writes manifests, spilled results, reports and error reports. */
  landingIo: FileIO;
  tableIo(table: LoadedTable): FileIO;
  /** `s3://landing/_floe/backfill/`. */
  backfillLocation: string;
  /** Where error reports of objects in `bucket` go. */
  errorsLocation(bucket: string): string;
  /** Landing-bucket key prefixes that belong to floe: never planned, never routed. */
  reservedPrefixes: string[];
  maxFileBytes?: number;
  /** Version ids (so ingest ids match live ones on a versioned bucket): `s3ObjectVersions` in lib/storage. */
  versions?: ObjectVersions;
  /** Objects converted at once within a chunk. @default 4 */
  concurrency?: number;
  /** @default DEFAULT_INLINE_RESULT_BYTES */
  inlineResultBytes?: number;
  log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

export { BackfillInputError } from './backfill-plan.js';

/**
 * Gives an unexpected error the name Step Functions retries (`TransientError`), keeping the
 * original as `cause`. Catalog conflicts and unknown outcomes keep their own (also retried)
 * names; errors that retrying cannot fix ({@link errorKind} not `transient`) stay as they are.
 */
export function asRetryable(error: unknown): unknown {
  // A failed batch commit is as retryable as the catalog error behind it.
  if (error instanceof BackfillCommitError && error.cause !== undefined) return asRetryable(error.cause);
  if (!isRetryable(error) || error instanceof TransientError) return error;
  if (error instanceof CommitConflictError || error instanceof CommitStateUnknownError) return error;
  const name = (error as Error)?.name;
  return new TransientError(`${name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** Validates the execution input. */
export function parseBackfillRequest(
  input: unknown,
): BackfillRequest & { mode: BackfillMode; tableId: TableIdentifier } {
  const raw = (input ?? {}) as Record<string, unknown>;
  if (typeof raw.table !== 'string' || raw.table.trim() === '')
    throw new BackfillInputError('backfill input needs "table" ("ns.table")');
  const mode = raw.mode ?? 'append';
  if (mode !== 'append' && mode !== 'replace-partitions') {
    throw new BackfillInputError(`backfill "mode" must be append or replace-partitions, not ${JSON.stringify(mode)}`);
  }
  const hasSource = typeof raw.source === 'string' && raw.source !== '';
  const hasManifest = typeof raw.manifest === 'string' && raw.manifest !== '';
  const hasTable = typeof raw.fromTable === 'string' && raw.fromTable !== '';
  if (Number(hasSource) + Number(hasManifest) + Number(hasTable) !== 1)
    throw new BackfillInputError(
      'backfill input needs exactly one of "source" (s3://bucket/prefix/), "manifest" and "fromTable" (ns.table)',
    );
  for (const key of ['select', 'where'] as const)
    if (raw[key] !== undefined && typeof raw[key] !== 'string')
      throw new BackfillInputError(`backfill "${key}" must be SQL text`);
  if (raw.select !== undefined || raw.where !== undefined) {
    try {
      checkTransform({ select: raw.select as string | undefined, where: raw.where as string | undefined });
    } catch (error) {
      if (error instanceof TransformError)
        throw new BackfillInputError(`backfill select/where: ${error.message}`, { cause: error });
      throw error;
    }
  }
  for (const key of ['source', 'manifest'] as const) {
    if (typeof raw[key] === 'string' && raw[key] && !isS3Location(raw[key] as string)) {
      throw new BackfillInputError(`backfill "${key}" must be an s3:// URI, not ${raw[key]}`);
    }
  }
  for (const key of ['maxChunkFiles', 'maxChunkBytes'] as const) {
    if (raw[key] !== undefined && !(Number.isInteger(raw[key]) && (raw[key] as number) > 0)) {
      throw new BackfillInputError(`backfill "${key}" must be a positive integer`);
    }
  }
  let tableId: TableIdentifier;
  try {
    tableId = parseIdentifier(raw.table);
  } catch (error) {
    throw new BackfillInputError(`backfill "table" is not a table identifier: ${raw.table}`, { cause: error });
  }
  return { ...(raw as unknown as BackfillRequest), mode, tableId };
}

/** The landed object an S3 backfill object stands for (the shape live events produce). */
export function landedObjectOf(object: BackfillS3Object): LandedObject {
  const { bucket, key } = parseS3Uri(object.path);
  return {
    bucket,
    key,
    size: object.size,
    etag: object.etag,
    versionId: object.versionId,
    eventTime: Math.round(object.lastModifiedMs ?? Date.now()),
  };
}

/** True when `path` is under one of floe's own prefixes of its bucket. */
function isReserved(path: string, reserved: readonly string[]): boolean {
  const { key } = parseS3Uri(path);
  return reserved.some((prefix) => prefix !== '' && key.startsWith(prefix));
}

/**
 * Plan: lists the source (or reads the key manifest), chunks it, and writes the chunk manifest
 * as a JSON array to `<backfillLocation><backfillId>/chunks.json` for the Distributed Map.
 */
export async function planBackfillStep(ctx: BackfillStepsContext, input: unknown): Promise<BackfillPlanSummary> {
  const request = parseBackfillRequest(input);
  const keep = (path: string) => !isReserved(path, ctx.reservedPrefixes) && !path.endsWith('/');
  const limits = { maxChunkFiles: request.maxChunkFiles, maxChunkBytes: request.maxChunkBytes };
  let chunks: BackfillManifestChunk[];
  let source: string;
  const versions = request.source && ctx.versions ? await ctx.versions.listLatest(request.source) : 'unsupported';
  const fromTable = request.fromTable ? parseIdentifier(request.fromTable) : undefined;
  if (fromTable) {
    // A table-to-table load: the source's live data files, pruned by the where (table-source.ts).
    const planned = await planTableSource(ctx.catalog, fromTable, ctx.tableIo, { where: request.where, ...limits });
    source = planned.source;
    chunks = planned.chunks;
  } else if (Array.isArray(versions)) {
    source = request.source as string;
    chunks = chunkObjects(
      versions.filter((o) => keep(o.path)),
      limits,
    ) as BackfillManifestChunk[];
  } else {
    const plan = await planBackfill(
      ctx.landingIo,
      request.source ? { prefix: request.source } : { manifest: request.manifest as string },
      { ...limits, keyBase: request.keyBase, filter: keep },
    );
    source = plan.source;
    chunks = plan.chunks;
    // A key manifest, or a role without s3:ListBucketVersions: ask each object for its version.
    if (ctx.versions && (versions === 'denied' || request.manifest)) {
      if (versions === 'denied')
        ctx.log?.('warn', 'no s3:ListBucketVersions; reading version ids with HeadObject', { source });
      await ctx.versions.fillVersionIds(chunks.flatMap((c) => c.objects));
    }
  }
  const objects = chunks.flatMap((c) => c.objects);
  const backfillId = backfillRunId(
    request.tableId,
    request.mode,
    objects.map((o) => ingestId(fromTable ? tableSourceObject(fromTable, o) : landedObjectOf(o))),
  );
  const location = `${ctx.backfillLocation.replace(/\/?$/, '/')}${backfillId}/`;
  const manifest = `${location}chunks.json`;
  // Deterministic content and name: planning the same backfill again rewrites the same object.
  await ctx.landingIo.write(manifest, new TextEncoder().encode(JSON.stringify(chunks)));
  const { bucket, key } = parseS3Uri(manifest);
  ctx.log?.('info', 'planned backfill', {
    backfillId,
    table: request.table,
    mode: request.mode,
    files: objects.length,
    chunks: chunks.length,
  });
  return {
    backfillId,
    table: formatIdentifier(request.tableId),
    mode: request.mode,
    source,
    ...(fromTable ? { fromTable: formatIdentifier(fromTable) } : {}),
    ...(request.select !== undefined ? { select: request.select } : {}),
    ...(request.where !== undefined ? { where: request.where } : {}),
    manifestBucket: bucket,
    manifestKey: key,
    location,
    files: objects.length,
    bytes: objects.reduce((n, o) => n + o.size, 0),
    chunks: chunks.length,
  };
}

/** Validates the `$.plan` a step receives. */
function parsePlan(plan: unknown): BackfillPlanSummary & { tableId: TableIdentifier } {
  const p = plan as Partial<BackfillPlanSummary> | undefined;
  if (!p || typeof p.backfillId !== 'string' || typeof p.table !== 'string' || typeof p.location !== 'string') {
    throw new BackfillInputError('payload lacks the plan ({ backfillId, table, mode, location, ... })');
  }
  if (p.mode !== 'append' && p.mode !== 'replace-partitions')
    throw new BackfillInputError(`plan has an unknown mode ${p.mode}`);
  return { ...(p as BackfillPlanSummary), tableId: parseIdentifier(p.table) };
}

/** Every object routes to the backfill's table, with the settings its live route has (else the defaults), for `mode`. */
function routesFor(config: IngestConfig, table: TableIdentifier, mode: BackfillMode): IngestConfig {
  return backfillConvertConfig(
    {
      landingPrefix: '',
      defaults: config.defaults,
      routes: [{ match: '**', table, settings: settingsForTable(config, table) }],
    },
    mode,
  );
}

/** The plan's select/where (a table load's transform) on every route; none: the config's own. */
function withPlanTransform(config: IngestConfig, plan: BackfillPlanSummary): IngestConfig {
  if (plan.select === undefined && plan.where === undefined) return config;
  const transform = { select: plan.select, where: plan.where };
  return {
    ...config,
    defaults: { ...config.defaults, transform },
    routes: config.routes.map((r) => ({ ...r, settings: { ...r.settings, transform } })),
  };
}

/** Ingest ids the table already holds for this plan's mode: skipped before conversion. */
function heldIds(metadata: LoadedTable['metadata'] | undefined, plan: BackfillPlanSummary): Set<string> {
  if (!metadata) return new Set();
  return plan.mode === 'append'
    ? committedIngestIds(metadata, Number.POSITIVE_INFINITY)
    : runLedger(metadata, plan.backfillId).ids;
}

/**
 * ConvertChunks item: converts the chunk's objects (those the table does not already hold) with
 * the live `convertObject`, capturing the commit requests instead of queueing them. Bad input is
 * rejected per object with an error report and never fails the chunk (invariant 4); a vanished
 * object is rejected the same way. Anything else is thrown as retryable.
 */
export async function convertChunk(ctx: BackfillStepsContext, payload: unknown): Promise<ConvertedChunk> {
  const { chunk, plan: rawPlan } = (payload ?? {}) as { chunk?: BackfillManifestChunk; plan?: unknown };
  const plan = parsePlan(rawPlan);
  if (!chunk || !Array.isArray(chunk.objects))
    throw new BackfillInputError('payload lacks the chunk ({ index, objects })');
  try {
    const table = await loadTableIfExists(ctx.catalog, plan.tableId);
    const held = heldIds(table?.metadata, plan);
    const requests: CommitRequest[] = [];
    const result: ConvertedChunk = {
      chunk: chunk.index,
      files: chunk.objects.length,
      converted: 0,
      skipped: 0,
      rejected: 0,
      rows: 0,
      dataFiles: 0,
      rejections: [],
    };
    const config = withPlanTransform(routesFor(ctx.config, plan.tableId, plan.mode), plan);
    const fromTable = plan.fromTable ? parseIdentifier(plan.fromTable) : undefined;
    // A table load reads the source table's files with its vended credentials; reports still go to the landing bucket.
    const sourceIo = fromTable ? ctx.tableIo(await ctx.catalog.loadTable(fromTable)) : undefined;
    const readIo: FileIO = sourceIo
      ? new Proxy(sourceIo, {
          get(target, prop, receiver) {
            if (prop === 'write') return ctx.landingIo.write.bind(ctx.landingIo);
            if (prop === 'writeStream') return ctx.landingIo.writeStream.bind(ctx.landingIo);
            const value = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? value.bind(target) : value;
          },
        })
      : ctx.landingIo;
    const reject = (rejection: BackfillRejection) => {
      result.rejected++;
      if (result.rejections.length < MAX_LISTED_REJECTIONS) result.rejections.push(rejection);
    };
    // Loaded here, not at module load: plan, commit and report share this module and never write
    // Parquet, so their cold start skips parquet-wasm (issue #11).
    const { convertObject } = await import('./convert-object.js');
    const convertOne = async (object: BackfillS3Object) => {
      const landed = fromTable ? tableSourceObject(fromTable, object) : landedObjectOf(object);
      if (held.has(ingestId(landed))) {
        result.skipped++;
        return;
      }
      let captured: CommitRequest | undefined;
      try {
        const outcome = await convertObject(landed, {
          catalog: ctx.catalog,
          config,
          landingIo: readIo,
          objectUri: (o) => (fromTable ? object.path : `s3://${o.bucket}/${o.key}`),
          errorsLocation: ctx.errorsLocation,
          reservedPrefixes: ctx.reservedPrefixes,
          tableIo: ctx.tableIo,
          maxFileBytes: ctx.maxFileBytes,
          log: ctx.log,
          queue: {
            send: async (request) => {
              captured = request;
            },
          },
        });
        if (outcome.status === 'rejected')
          reject({ path: object.path, reason: outcome.reason, reportPath: outcome.reportPath });
        else if (outcome.status === 'skipped' || !captured) result.skipped++;
        else {
          requests.push(captured);
          result.converted++;
          result.rows += captured.rows;
          result.dataFiles += captured.dataFiles.length;
        }
      } catch (error) {
        // Listed at plan time, gone now: nothing to retry, and nothing to convert.
        if (error instanceof FileNotFoundError) {
          reject({ path: object.path, reason: 'object no longer exists (deleted after the plan was made)' });
        } else throw error;
      }
    };
    const queue = [...chunk.objects];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await convertOne(next);
    };
    await Promise.all(Array.from({ length: Math.min(ctx.concurrency ?? 4, queue.length) }, worker));

    // Requests in chunk order, so a spilled result and the snapshot summary read in listing order.
    const order = new Map(chunk.objects.map((o, i) => [o.path, i]));
    requests.sort(
      (a, b) =>
        (order.get(`s3://${a.sourceBucket}/${a.sourceKey}`) ?? 0) -
        (order.get(`s3://${b.sourceBucket}/${b.sourceKey}`) ?? 0),
    );
    const encoded = requests.map((r) => JSON.parse(encodeCommitRequest(r)) as Record<string, unknown>);
    // Deterministic name: a retried chunk overwrites its own earlier result.
    const spillUri = `${plan.location}converted/chunk-${String(chunk.index).padStart(6, '0')}.json`;
    const fitted = inlineOrSpill(result, encoded, ctx.inlineResultBytes ?? DEFAULT_INLINE_RESULT_BYTES, spillUri);
    if (fitted.spill !== undefined) await ctx.landingIo.write(spillUri, new TextEncoder().encode(fitted.spill));
    return fitted.result;
  } catch (error) {
    throw asRetryable(error);
  }
}

/**
 * Decides what of a convert result travels inline through the state machine, whose states take at
 * most 256 KiB of input (CommitBatch receives chunksPerCommit of these results, so the stack sets
 * the budget to a share of that). The result goes whole when its JSON fits `budget` bytes; else
 * its requests are spilled (`spill` is the JSON array to write at `spillUri`), and then listed
 * rejections are dropped until it fits (the counts stay, and the error reports list them all).
 */
export function inlineOrSpill(
  result: ConvertedChunk,
  requests: Array<Record<string, unknown>>,
  budget: number,
  spillUri: string,
): { result: ConvertedChunk; spill?: string } {
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
  const inline: ConvertedChunk = { ...result, requests };
  if (bytes(inline) <= budget) return { result: inline };
  const spilled: ConvertedChunk = { ...result, rejections: [...result.rejections], spilled: spillUri };
  while (spilled.rejections.length > 0 && bytes(spilled) > budget) spilled.rejections.pop();
  return { result: spilled, spill: JSON.stringify(requests) };
}

/** The commit requests of converted chunks (reading spilled ones). */
export async function loadConvertedRequests(
  io: FileIO,
  converted: readonly ConvertedChunk[],
): Promise<CommitRequest[]> {
  const out: CommitRequest[] = [];
  for (const chunk of converted) {
    const encoded = chunk.spilled
      ? (JSON.parse(new TextDecoder().decode(await io.read(chunk.spilled))) as Array<Record<string, unknown>>)
      : (chunk.requests ?? []);
    for (const raw of encoded) out.push(decodeCommitRequest('', raw));
  }
  return out;
}

/**
 * CommitBatch: one snapshot for the converted chunks of one child, in the plan's mode. Append
 * goes through the live `commitBatch` (dedup by ingest id on every attempt's base);
 * replace-partitions writes one overwrite snapshot as `runBackfill` does.
 */
export async function commitConverted(ctx: BackfillStepsContext, payload: unknown): Promise<CommittedBatch> {
  const { plan: rawPlan, converted } = (payload ?? {}) as { plan?: unknown; converted?: ConvertedChunk[] };
  const plan = parsePlan(rawPlan);
  if (!Array.isArray(converted)) throw new BackfillInputError('payload lacks "converted" (the ConvertChunks results)');
  const result: CommittedBatch = {
    chunks: converted.map((c) => c.chunk),
    outcome: 'nothing-to-commit',
    files: 0,
    committed: 0,
    duplicates: 0,
    skipped: 0,
    rejected: 0,
    rows: 0,
    dataFiles: 0,
    rejections: [],
  };
  for (const c of converted) {
    result.files += c.files;
    result.skipped += c.skipped;
    result.rejected += c.rejected;
    for (const r of c.rejections) if (result.rejections.length < MAX_LISTED_REJECTIONS) result.rejections.push(r);
  }
  try {
    const requests = await loadConvertedRequests(ctx.landingIo, converted);
    if (requests.length === 0) return result;
    const target = { catalog: ctx.catalog, table: plan.tableId, tableIo: ctx.tableIo };
    // Each child sees only its own batch: the plan's backfill id is the run id that ties them together.
    const done =
      plan.mode === 'append'
        ? await commitAppend(requests, target)
        : await commitReplace(requests, target, plan.backfillId);
    const committed = done.committed;
    result.outcome = done.outcome;
    result.snapshotId = done.snapshotId?.toString();
    result.committed = committed.length;
    result.duplicates = requests.length - committed.length;
    result.rows = committed.reduce((n, r) => n + r.rows, 0);
    result.dataFiles = committed.reduce((n, r) => n + r.dataFiles.length, 0);
    ctx.log?.('info', 'committed backfill batch', { backfillId: plan.backfillId, ...result, rejections: undefined });
    return result;
  } catch (error) {
    throw asRetryable(error);
  }
}

/** A Map Run result line (ResultWriter output, `Transformation: NONE`). */
interface MapRunResultEntry {
  Status?: string;
  Input?: string | Record<string, unknown>;
  Output?: string | Record<string, unknown>;
  Error?: string;
  Cause?: string;
}

/** Parses a ResultWriter results file: a JSON array, or JSON Lines. */
function parseResultFile(text: string): MapRunResultEntry[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as MapRunResultEntry[];
  return trimmed
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MapRunResultEntry);
}

function asObject(value: string | Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Report: reads the Map Run's result manifest (ResultWriter `manifest.json`, whose
 * `ResultFiles` name the SUCCEEDED, FAILED and PENDING files), adds up the children's
 * {@link CommittedBatch} outputs, lists failed children with their chunks and errors, and writes
 * the report to `<plan.location>report.json`.
 */
export async function buildReport(ctx: BackfillStepsContext, payload: unknown): Promise<BackfillReport> {
  const input = (payload ?? {}) as {
    status?: string;
    plan?: unknown;
    mapRun?: { ResultWriterDetails?: { Bucket?: string; Key?: string } };
    error?: { Error?: string; Cause?: string };
  };
  const plan = parsePlan(input.plan);
  const report: BackfillReport = {
    backfillId: plan.backfillId,
    table: plan.table,
    mode: plan.mode,
    status: input.status === 'FAILED' ? 'FAILED' : 'SUCCEEDED',
    complete: false,
    files: plan.files,
    chunks: plan.chunks,
    committed: 0,
    duplicates: 0,
    skipped: 0,
    rejected: 0,
    rows: 0,
    snapshots: [],
    failedChunks: [],
    unaccounted: plan.files,
    rejections: [],
    error: input.error,
    reportPath: `${plan.location}report.json`,
  };
  const details = input.mapRun?.ResultWriterDetails;
  if (details?.Bucket && details.Key) {
    const manifest = JSON.parse(
      new TextDecoder().decode(await ctx.landingIo.read(`s3://${details.Bucket}/${details.Key}`)),
    ) as {
      DestinationBucket?: string;
      ResultFiles?: Record<string, Array<{ Key: string }>>;
    };
    const bucket = manifest.DestinationBucket ?? details.Bucket;
    let accounted = 0;
    for (const [status, files] of Object.entries(manifest.ResultFiles ?? {})) {
      for (const file of files ?? []) {
        const entries = parseResultFile(
          new TextDecoder().decode(await ctx.landingIo.read(`s3://${bucket}/${file.Key}`)),
        );
        for (const entry of entries) {
          const output = asObject(entry.Output) as Partial<CommittedBatch> | undefined;
          if ((entry.Status ?? status) === 'SUCCEEDED' && output) {
            report.committed += output.committed ?? 0;
            report.duplicates += output.duplicates ?? 0;
            report.skipped += output.skipped ?? 0;
            report.rejected += output.rejected ?? 0;
            report.rows += output.rows ?? 0;
            accounted += output.files ?? 0;
            if (output.snapshotId && output.outcome !== 'nothing-to-commit') report.snapshots.push(output.snapshotId);
            for (const r of output.rejections ?? [])
              if (report.rejections.length < MAX_LISTED_REJECTIONS) report.rejections.push(r);
          } else {
            const items = (asObject(entry.Input)?.Items ?? []) as Array<{ index?: number }>;
            report.failedChunks.push({
              chunks: items.map((i) => i.index ?? -1),
              error: entry.Error ?? (status === 'PENDING' ? 'Pending' : undefined),
              cause: entry.Cause,
            });
          }
        }
      }
    }
    report.unaccounted = Math.max(0, plan.files - accounted);
  }
  report.complete = report.status === 'SUCCEEDED' && report.failedChunks.length === 0 && report.unaccounted === 0;
  await ctx.landingIo.write(report.reportPath, new TextEncoder().encode(JSON.stringify(report, null, 2)));
  ctx.log?.(report.complete ? 'info' : 'warn', 'backfill report', { ...report, rejections: undefined });
  return report;
}
