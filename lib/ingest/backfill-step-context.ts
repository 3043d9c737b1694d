/** What every backfill step shares: its context, retryable errors, and the landed object of an S3 backfill object. */
import type { Catalog, LoadedTable } from '../catalog/catalog.js';
import { CommitConflictError, CommitStateUnknownError } from '../catalog/errors.js';
import type { FileIO } from '../iceberg/file-io.js';
import { parseS3Uri } from '../storage/s3.js';
import type { ObjectVersions } from '../storage/s3-versions.js';
import { BackfillCommitError } from './backfill.js';
import type { BackfillS3Object } from './backfill-contract.js';
import type { IngestConfig } from './config.js';
import { isRetryable, TransientError } from './error-kind.js';
import type { LandedObject } from './landed-event.js';

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
  /** @default DEFAULT_INLINE_RESULT_BYTES (backfill-step-convert.ts) */
  inlineResultBytes?: number;
  log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

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
