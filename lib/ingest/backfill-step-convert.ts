/**
 * The ConvertChunks step of a backfill (backfill-steps.ts): convert one chunk's objects with the
 * live `convertObject`, and hand the commit requests on inline or spilled to S3.
 */
import { type LoadedTable, parseIdentifier, type TableIdentifier } from '../catalog/catalog.js';
import { type FileIO, FileNotFoundError } from '../iceberg/file-io.js';
import { type BackfillMode, backfillConvertConfig, runLedger } from './backfill.js';
import {
  type BackfillPlanSummary,
  type BackfillRejection,
  type BackfillS3Object,
  type ConvertedChunk,
  MAX_LISTED_REJECTIONS,
  parseConvertPayload,
} from './backfill-contract.js';
import { asRetryable, type BackfillStepsContext, landedObjectOf } from './backfill-step-context.js';
import { type CommitRequest, encodeCommitRequest } from './commit-request.js';
import { type IngestConfig, settingsForTable } from './config.js';
import { ingestId } from './ingest-id.js';
import { committedIngestIds } from './ingest-ledger.js';
import { loadTableIfExists } from './table-setup.js';
import { tableSourceObject } from './table-source.js';

/** Convert results up to this many JSON bytes travel inline; larger ones spill their requests to S3 ({@link inlineOrSpill}). */
export const DEFAULT_INLINE_RESULT_BYTES = 32 * 1024;

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
  const { chunk, plan } = parseConvertPayload(payload);
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
    // Loaded here, not at module load: the plan, commit and report handlers import the steps'
    // index (backfill-steps.ts) and never write Parquet, so their cold start skips parquet-wasm (issue #11).
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
