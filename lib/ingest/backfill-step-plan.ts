/** The Plan step of a backfill (backfill-steps.ts): list or read the source, chunk it, write the chunk manifest. */
import { formatIdentifier, parseIdentifier } from '../catalog/catalog.js';
import { parseS3Uri } from '../storage/s3.js';
import { backfillRunId } from './backfill.js';
import { type BackfillManifestChunk, type BackfillPlanSummary, parseBackfillRequest } from './backfill-contract.js';
import { chunkObjects, planBackfill } from './backfill-plan.js';
import { type BackfillStepsContext, landedObjectOf } from './backfill-step-context.js';
import { ingestId } from './ingest-id.js';
import { planTableSource, tableSourceObject } from './table-source.js';

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
