/**
 * Catalog errors. One table (`errorForStatus`) maps an HTTP status of the Iceberg REST protocol
 * to a class, so every caller reasons about the same failure kinds: a 409 on a commit is
 * retryable after a reload, while a 5xx (or a transport failure) on a commit leaves the outcome
 * unknown (rest-catalog-open-api.yaml, `CommitTableResponse` error responses).
 *
 * Messages never contain a token or PAT: `redact` scrubs them before an error is built.
 */

/** Base class for every catalog failure; carries the HTTP status and the server's ErrorModel. */
export class CatalogError extends Error {
  override name = 'CatalogError';
  /** HTTP status, when there was a response. */
  readonly status?: number;
  /** `ErrorModel.type` from the server (e.g. `CommitFailedException`). */
  readonly serverType?: string;
  constructor(message: string, options?: { cause?: unknown; status?: number; serverType?: string }) {
    super(redact(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
    this.serverType = options?.serverType;
  }
}

/** 400: the request was malformed, or named an unknown update/requirement type. */
export class BadRequestError extends CatalogError {
  override name = 'BadRequestError';
}

/** 401/403: the token is missing, expired or lacks the privilege. */
export class NotAuthorizedError extends CatalogError {
  override name = 'NotAuthorizedError';
}

/** 404 for a table. */
export class NoSuchTableError extends CatalogError {
  override name = 'NoSuchTableError';
}

/** 404 for a namespace. */
export class NoSuchNamespaceError extends CatalogError {
  override name = 'NoSuchNamespaceError';
}

/** 409 on a commit: a requirement failed; reload and retry on the new base. */
export class CommitConflictError extends CatalogError {
  override name = 'CommitConflictError';
}

/** 409 on a create: the namespace or table already exists. */
export class AlreadyExistsError extends CatalogError {
  override name = 'AlreadyExistsError';
}

/**
 * 500/502/503/504, a timeout or a dropped connection on a commit: the commit may or may not
 * have been applied. Reload and look for the snapshot id; never delete files (invariant 2).
 */
export class CommitStateUnknownError extends CatalogError {
  override name = 'CommitStateUnknownError';
}

/** 503 (or 5xx, or a transport failure) outside a commit: safe to retry later. */
export class ServiceUnavailableError extends CatalogError {
  override name = 'ServiceUnavailableError';
}

/**
 * 429: the catalog (or its token endpoint) throttles. Nothing was applied; retry after
 * `retryAfterMs` (the `Retry-After` header) or a backoff.
 */
export class ThrottledError extends ServiceUnavailableError {
  override name = 'ThrottledError';
  /** What the server's `Retry-After` asked for, when it sent one. */
  retryAfterMs?: number;
}

/** What the request was, to pick the error class for a status. */
export type RequestKind = 'commit' | 'create' | 'table' | 'namespace' | 'other';

type ErrorClass = new (
  message: string,
  options?: { cause?: unknown; status?: number; serverType?: string },
) => CatalogError;

/** The single status → class table (issue 3, "Errors"). */
export function errorClassFor(status: number, kind: RequestKind, serverType?: string): ErrorClass {
  if (status === 400 || status === 422) return BadRequestError;
  if (status === 401 || status === 403 || status === 419) return NotAuthorizedError;
  if (status === 404) {
    if (serverType === 'NoSuchNamespaceException') return NoSuchNamespaceError;
    if (serverType === 'NoSuchTableException') return NoSuchTableError;
    // Without a type: a create or a namespace route can only miss the namespace.
    if (kind === 'namespace' || kind === 'create') return NoSuchNamespaceError;
    return NoSuchTableError;
  }
  if (status === 409) return kind === 'commit' ? CommitConflictError : AlreadyExistsError;
  if (status === 429) return ThrottledError;
  if (kind === 'commit' && status >= 500) return CommitStateUnknownError;
  if (status >= 500) return ServiceUnavailableError;
  return CatalogError;
}

/** Builds the error for a status and an ErrorModel message. */
export function errorForStatus(
  status: number,
  kind: RequestKind,
  message: string,
  serverType?: string,
  cause?: unknown,
): CatalogError {
  const Class = errorClassFor(status, kind, serverType);
  return new Class(`${status}${serverType ? ` ${serverType}` : ''}: ${message}`, { status, serverType, cause });
}

const secrets = new Set<string>();

/** Registers a secret (PAT, token, client secret) so that `redact` removes it from any text. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 6) secrets.add(secret);
}

/** Replaces registered secrets and anything that looks like a bearer token with `***`. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  out = out.replace(/(Bearer\s+)[^\s"',]+/gi, '$1***');
  out = out.replace(
    /((?:subject_token|access_token|client_secret|refresh_token|token)["']?\s*[=:]\s*["']?)[^\s"'&,}]+/gi,
    '$1***',
  );
  return out;
}
