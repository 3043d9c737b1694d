/**
 * The commit driver: optimistic concurrency against a catalog (ARCHITECTURE invariant 2).
 *
 * - 409 (CommitConflictError): reload, let the caller rebuild its change on the new base (same
 *   data files, same snapshot id), back off and retry.
 * - Unknown outcome (500/502/503/504, timeout, dropped connection): reload and look for the
 *   snapshot id. Present → `already-committed`; absent → retry. Files are never deleted here:
 *   after an unknown outcome they may be referenced by a committed snapshot.
 *
 * Retry settings come from the table properties `commit.retry.*` with Iceberg's defaults
 * (Java `TableProperties`: 4 retries, 100 ms … 60 s, 30 min total), as PyIceberg does.
 *
 * @example
 * const { outcome } = await commitWithRetry(catalog, id, async (base) => {
 *   const { change, files, snapshot } = await fastAppend({ metadata: base.metadata, dataFiles, snapshotId });
 *   for (const f of files) await io.write(f.path, f.bytes);
 *   return { change, snapshotId: snapshot['snapshot-id'] };
 * });
 */
import type { TableChange } from '../iceberg/types.js';
import type { Catalog, LoadedTable, TableIdentifier } from './catalog.js';
import { sleep as delay } from './rest/retry.js';
import {
  BadRequestError,
  type CatalogError,
  CommitConflictError,
  CommitStateUnknownError,
  ServiceUnavailableError,
  type ThrottledError,
} from './errors.js';

export interface RetryPolicy {
  numRetries: number;
  minWaitMs: number;
  maxWaitMs: number;
  totalTimeoutMs: number;
}

/** Iceberg's defaults (Java `TableProperties.COMMIT_*_DEFAULT`). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  numRetries: 4,
  minWaitMs: 100,
  maxWaitMs: 60_000,
  totalTimeoutMs: 1_800_000,
};

/** Reads `commit.retry.*` table properties over the defaults; explicit `overrides` win. */
export function retryPolicyFrom(properties: Record<string, string>, overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const num = (key: string, fallback: number): number => {
    const v = Number(properties[key]);
    return properties[key] !== undefined && Number.isFinite(v) && v >= 0 ? v : fallback;
  };
  return {
    numRetries: overrides.numRetries ?? num('commit.retry.num-retries', DEFAULT_RETRY_POLICY.numRetries),
    minWaitMs: overrides.minWaitMs ?? num('commit.retry.min-wait-ms', DEFAULT_RETRY_POLICY.minWaitMs),
    maxWaitMs: overrides.maxWaitMs ?? num('commit.retry.max-wait-ms', DEFAULT_RETRY_POLICY.maxWaitMs),
    totalTimeoutMs:
      overrides.totalTimeoutMs ?? num('commit.retry.total-timeout-ms', DEFAULT_RETRY_POLICY.totalTimeoutMs),
  };
}

/** Exponential backoff with up to 10% jitter, capped at `maxWaitMs` (Java `Tasks`). */
export function backoffMs(policy: RetryPolicy, retry: number, random = Math.random): number {
  const delay = Math.min(policy.minWaitMs * 2 ** Math.max(0, retry - 1), policy.maxWaitMs);
  return Math.round(delay + delay * 0.1 * random());
}

export interface RetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  reason: 'conflict' | 'unknown' | 'unavailable';
  error: CatalogError;
  waitMs: number;
}

export type CommitAttempt = (
  base: LoadedTable,
  attemptNumber: number,
) => Promise<{ change: TableChange; snapshotId?: bigint }>;

export interface CommitOptions {
  retry?: Partial<RetryPolicy>;
  onRetry?: (info: RetryInfo) => void;
  signal?: AbortSignal;
  /** The table as already loaded, to save the first load. */
  base?: LoadedTable;
}

export interface CommitResult {
  table: LoadedTable;
  snapshotId?: bigint;
  attempts: number;
  outcome: 'committed' | 'already-committed';
}

/** Commits through `attempt`, retrying conflicts and reconciling unknown outcomes by snapshot id. */
export async function commitWithRetry(
  catalog: Catalog,
  id: TableIdentifier,
  attempt: CommitAttempt,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const started = Date.now();
  let base = options.base ?? (await catalog.loadTable(id));
  const policy = retryPolicyFrom(base.metadata.properties, options.retry);
  const sleep = (ms: number) => delay(ms, options.signal);
  /** An earlier attempt's outcome was unknown: it may land later, under a later attempt's eyes. */
  let mayHaveLanded = false;
  const landed = (table: LoadedTable, snapshotId: bigint | undefined) =>
    snapshotId !== undefined && table.metadata.snapshots.some((s) => s['snapshot-id'] === snapshotId);

  for (let attemptNumber = 1; ; attemptNumber++) {
    options.signal?.throwIfAborted();
    const { change, snapshotId } = await attempt(base, attemptNumber);
    let failure: CatalogError;
    let reason: RetryInfo['reason'];
    try {
      const table = await catalog.commitTable(id, change);
      return { table, snapshotId, attempts: attemptNumber, outcome: 'committed' };
    } catch (error) {
      if (error instanceof CommitConflictError) reason = 'conflict';
      else if (error instanceof CommitStateUnknownError) reason = 'unknown';
      else if (error instanceof ServiceUnavailableError) reason = 'unavailable';
      else if (error instanceof BadRequestError && mayHaveLanded && snapshotId !== undefined) {
        // e.g. "snapshot already exists": the earlier attempt landed after all (issue 12).
        const reloaded = await reloadPatiently(catalog, id, policy, started, sleep, error);
        if (landed(reloaded, snapshotId))
          return { table: reloaded, snapshotId, attempts: attemptNumber, outcome: 'already-committed' };
        throw error;
      } else throw error;
      failure = error;
    }
    if (reason === 'unknown') mayHaveLanded = true;

    const exhausted = attemptNumber > policy.numRetries || Date.now() - started > policy.totalTimeoutMs;
    if (reason === 'unknown') {
      // The commit may have landed: only the table can tell (apache/iceberg#18902).
      if (snapshotId === undefined) throw failure;
      const reloaded = await reloadPatiently(catalog, id, policy, started, sleep, failure);
      if (reloaded.metadata.snapshots.some((s) => s['snapshot-id'] === snapshotId)) {
        return { table: reloaded, snapshotId, attempts: attemptNumber, outcome: 'already-committed' };
      }
      base = reloaded;
      if (exhausted) throw failure;
    } else if (exhausted) {
      throw failure;
    }
    // A 429 applied nothing: wait what the server asked (Retry-After), at least the backoff.
    const waitMs = Math.max(backoffMs(policy, attemptNumber), (failure as ThrottledError).retryAfterMs ?? 0);
    options.onRetry?.({ attempt: attemptNumber, reason, error: failure, waitMs });
    await sleep(waitMs);
    if (reason !== 'unknown') {
      base = await reloadPatiently(catalog, id, policy, started, sleep, failure);
      // A 409 after an unknown outcome can be that very commit having landed meanwhile.
      if (mayHaveLanded && landed(base, snapshotId))
        return { table: base, snapshotId, attempts: attemptNumber, outcome: 'already-committed' };
    }
  }
}

/** Reloads the table, riding out a catalog that is briefly unavailable (within the total timeout). */
async function reloadPatiently(
  catalog: Catalog,
  id: TableIdentifier,
  policy: RetryPolicy,
  started: number,
  sleep: (ms: number) => Promise<void>,
  original: CatalogError,
): Promise<LoadedTable> {
  for (let retry = 1; ; retry++) {
    try {
      return await catalog.loadTable(id);
    } catch (error) {
      if (
        !(error instanceof ServiceUnavailableError) ||
        retry > policy.numRetries ||
        Date.now() - started > policy.totalTimeoutMs
      ) {
        // Surface the commit failure; the reload failure explains why it could not be reconciled.
        if (original instanceof CommitStateUnknownError) {
          throw new CommitStateUnknownError(`${original.message}; reload to reconcile failed`, {
            cause: error,
            status: original.status,
          });
        }
        throw error;
      }
      await sleep(backoffMs(policy, retry));
    }
  }
}
