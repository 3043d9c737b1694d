/**
 * The contract between the backfill steps (backfill-steps.ts): what the state machine hands each
 * step and what each returns. Everything here travels as JSON through Step Functions, so the
 * inputs a step receives are validated (zod) before it trusts them; a bad one is a
 * {@link BackfillInputError}, which Step Functions does not retry.
 */
import { z } from 'zod';
import { parseIdentifier, type TableIdentifier } from '../catalog/catalog.js';
import { checkTransform, TransformError } from '../formats/transform/index.js';
import { isS3Location } from '../storage/s3.js';
import type { BackfillMode } from './backfill.js';
import { type BackfillChunk, BackfillInputError, type BackfillObject } from './backfill-plan.js';

export { BackfillInputError } from './backfill-plan.js';

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

/** A present, non-empty string field. */
const given = (value: unknown): value is string => typeof value === 'string' && value !== '';

/**
 * The execution input, checked field by field in the order the messages are reported; fields
 * of other types than these are left for the steps to ignore, as the state machine passes them.
 */
const BackfillRequestSchema = z
  .object({
    table: z
      .string({ error: 'backfill input needs "table" ("ns.table")' })
      .refine((table) => table.trim() !== '', 'backfill input needs "table" ("ns.table")'),
    mode: z.preprocess(
      (mode) => mode ?? 'append',
      z.enum(['append', 'replace-partitions'], {
        error: (issue) => `backfill "mode" must be append or replace-partitions, not ${JSON.stringify(issue.input)}`,
      }),
    ),
  })
  .loose()
  .check((ctx) => {
    const raw = ctx.value;
    if (Number(given(raw.source)) + Number(given(raw.manifest)) + Number(given(raw.fromTable)) !== 1) {
      ctx.issues.push({
        code: 'custom',
        input: raw,
        message:
          'backfill input needs exactly one of "source" (s3://bucket/prefix/), "manifest" and "fromTable" (ns.table)',
      });
      return;
    }
    for (const key of ['select', 'where'] as const)
      if (raw[key] !== undefined && typeof raw[key] !== 'string') {
        ctx.issues.push({
          code: 'custom',
          input: raw[key],
          path: [key],
          message: `backfill "${key}" must be SQL text`,
        });
        return;
      }
  });

/** Checks that need no transform parser and no identifier parser, in reporting order after the schema's. */
const BackfillRequestFieldsSchema = z
  .object({
    source: z.unknown().optional(),
    manifest: z.unknown().optional(),
    maxChunkFiles: z.unknown().optional(),
    maxChunkBytes: z.unknown().optional(),
  })
  .check((ctx) => {
    const raw = ctx.value;
    for (const key of ['source', 'manifest'] as const)
      if (given(raw[key]) && !isS3Location(raw[key])) {
        ctx.issues.push({
          code: 'custom',
          input: raw[key],
          path: [key],
          message: `backfill "${key}" must be an s3:// URI, not ${raw[key]}`,
        });
        return;
      }
    for (const key of ['maxChunkFiles', 'maxChunkBytes'] as const)
      if (raw[key] !== undefined && !(Number.isInteger(raw[key]) && (raw[key] as number) > 0)) {
        ctx.issues.push({
          code: 'custom',
          input: raw[key],
          path: [key],
          message: `backfill "${key}" must be a positive integer`,
        });
        return;
      }
  });

/** The first issue of a failed parse, as the step's input error. */
function firstIssue(result: { success: false; error: z.ZodError }): BackfillInputError {
  return new BackfillInputError(result.error.issues[0]?.message ?? 'invalid backfill input', { cause: result.error });
}

/** Validates the execution input. */
export function parseBackfillRequest(
  input: unknown,
): BackfillRequest & { mode: BackfillMode; tableId: TableIdentifier } {
  // Not an object (JSON null, a string, an array): it has no fields, so the first message is the missing table.
  const raw = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<
    string,
    unknown
  >;
  const parsed = BackfillRequestSchema.safeParse(raw);
  if (!parsed.success) throw firstIssue(parsed);
  const { table, mode } = parsed.data;
  if (raw.select !== undefined || raw.where !== undefined) {
    try {
      checkTransform({ select: raw.select as string | undefined, where: raw.where as string | undefined });
    } catch (error) {
      if (error instanceof TransformError)
        throw new BackfillInputError(`backfill select/where: ${error.message}`, { cause: error });
      throw error;
    }
  }
  const fields = BackfillRequestFieldsSchema.safeParse(raw);
  if (!fields.success) throw firstIssue(fields);
  let tableId: TableIdentifier;
  try {
    tableId = parseIdentifier(table);
  } catch (error) {
    throw new BackfillInputError(`backfill "table" is not a table identifier: ${table}`, { cause: error });
  }
  return { ...(raw as unknown as BackfillRequest), mode, tableId };
}

/** The `$.plan` every step after Plan receives: the fields the steps rely on. */
const PlanSummarySchema = z
  .object({
    backfillId: z.string(),
    table: z.string(),
    location: z.string(),
    mode: z.enum(['append', 'replace-partitions']),
  })
  .loose();

/** Validates the `$.plan` a step receives. */
export function parsePlan(plan: unknown): BackfillPlanSummary & { tableId: TableIdentifier } {
  const parsed = PlanSummarySchema.safeParse(plan);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.path[0] === 'mode')
      throw new BackfillInputError(`plan has an unknown mode ${(plan as { mode?: unknown }).mode}`, {
        cause: parsed.error,
      });
    throw new BackfillInputError('payload lacks the plan ({ backfillId, table, mode, location, ... })', {
      cause: parsed.error,
    });
  }
  return { ...(plan as BackfillPlanSummary), tableId: parseIdentifier(parsed.data.table) };
}

/** What ConvertChunks receives: one chunk of the manifest and the plan. */
export function parseConvertPayload(payload: unknown): {
  plan: BackfillPlanSummary & { tableId: TableIdentifier };
  chunk: BackfillManifestChunk;
} {
  const { chunk, plan } = (payload ?? {}) as { chunk?: BackfillManifestChunk; plan?: unknown };
  const parsedPlan = parsePlan(plan);
  if (!z.object({ objects: z.array(z.unknown()) }).safeParse(chunk).success)
    throw new BackfillInputError('payload lacks the chunk ({ index, objects })');
  return { plan: parsedPlan, chunk: chunk as BackfillManifestChunk };
}

/** What CommitBatch receives: the plan and its ConvertChunks results. */
export function parseCommitPayload(payload: unknown): {
  plan: BackfillPlanSummary & { tableId: TableIdentifier };
  converted: ConvertedChunk[];
} {
  const { plan, converted } = (payload ?? {}) as { plan?: unknown; converted?: ConvertedChunk[] };
  const parsedPlan = parsePlan(plan);
  if (!Array.isArray(converted)) throw new BackfillInputError('payload lacks "converted" (the ConvertChunks results)');
  return { plan: parsedPlan, converted };
}

/** What Report receives: the Map Run's status and result location, and the plan. */
export interface ReportPayload {
  status?: string;
  plan?: unknown;
  mapRun?: { ResultWriterDetails?: { Bucket?: string; Key?: string } };
  error?: { Error?: string; Cause?: string };
}
