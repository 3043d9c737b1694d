/** The Report step of a backfill (backfill-steps.ts): add up the Map Run's results and write the report. */
import {
  type BackfillReport,
  type CommittedBatch,
  MAX_LISTED_REJECTIONS,
  parsePlan,
  type ReportPayload,
} from './backfill-contract.js';
import type { BackfillStepsContext } from './backfill-step-context.js';

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

/** A Map Run result's Input or Output: an object, or its JSON text (undefined when not JSON). */
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
  const input = (payload ?? {}) as ReportPayload;
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
