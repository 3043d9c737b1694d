/**
 * The one place that decides what a failure means (invariant 4: bad input never blocks good
 * input, a transient fault is retried). Callers ask {@link errorKind} (or {@link isBadInput},
 * {@link isRetryable}) instead of comparing error names; the decision is by class
 * (`instanceof`), as `lib/catalog/errors.ts` decides HTTP statuses.
 *
 * - `bad-input`: the landed object cannot be ingested as it is (unreadable bytes, a value that
 *   does not fit, no route, no table, an unsafe schema change, no version to identify it).
 *   Retrying the same bytes cannot help: reject it with an error report and acknowledge.
 * - `bad-request`: a queue message, step payload or configuration that is not what the contract
 *   says. Retrying cannot help either: log it and drop it (or fail the step).
 * - `transient`: anything else (storage or catalog unreachable, throttling, a conflict, an
 *   unknown commit outcome): retry, ending in the DLQ.
 */
import { BadInputError } from '../formats/bad-input-error.js';
import { SchemaEvolutionError } from '../iceberg/schema.js';
import { BackfillInputError, BackfillPlanError } from './backfill-plan.js';
import { InvalidCommitRequestError } from './commit-request.js';
import { ConfigError } from './config.js';
import { DataFileCodecError } from './data-file-codec.js';
import { MissingObjectVersionError } from './ingest-id.js';
import { LandedObjectGoneError } from './landed-read.js';
import { RouteError } from './route.js';
import { TableMissingError } from './table-setup.js';

export type ErrorKind = 'bad-input' | 'bad-request' | 'transient';

const BAD_INPUT = [BadInputError, RouteError, TableMissingError, SchemaEvolutionError, MissingObjectVersionError, LandedObjectGoneError];
const BAD_REQUEST = [InvalidCommitRequestError, DataFileCodecError, BackfillInputError, BackfillPlanError, ConfigError];

/** What `error` means for the object or message that raised it (see the module comment). */
export function errorKind(error: unknown): ErrorKind {
  if (BAD_INPUT.some((Class) => error instanceof Class)) return 'bad-input';
  if (BAD_REQUEST.some((Class) => error instanceof Class)) return 'bad-request';
  return 'transient';
}

/** True when the landed object is at fault: reject it with a report, acknowledge its message. */
export function isBadInput(error: unknown): boolean {
  return errorKind(error) === 'bad-input';
}

/** True when trying again may succeed; false when the same input would fail the same way. */
export function isRetryable(error: unknown): boolean {
  return errorKind(error) === 'transient';
}

/**
 * A fault that trying again may fix, under the name Step Functions retries
 * (`RETRYABLE_HANDLER_ERRORS` in infra/constructs/backfill-state-machine.ts): the backfill steps
 * wrap unexpected errors in it, keeping the original as `cause`.
 */
export class TransientError extends Error {
  override name = 'TransientError';
}
