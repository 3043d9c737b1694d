/** The CommitBatch step of a backfill (backfill-steps.ts): one snapshot for the converted chunks of one child. */
import type { FileIO } from '../iceberg/file-io.js';
import { commitAppend, commitReplace } from './backfill.js';
import {
  type CommittedBatch,
  type ConvertedChunk,
  MAX_LISTED_REJECTIONS,
  parseCommitPayload,
} from './backfill-contract.js';
import { asRetryable, type BackfillStepsContext } from './backfill-step-context.js';
import { type CommitRequest, decodeCommitRequest } from './commit-request.js';

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
  const { plan, converted } = parseCommitPayload(payload);
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
