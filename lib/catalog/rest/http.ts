/**
 * The REST catalog's HTTP layer: lossless JSON bodies, request timeouts, one token refresh after
 * a 401, `Idempotency-Key` on mutations when the server advertises it, and the mapping of every
 * failure to a catalog error class (errors.ts). A transport failure after a commit was sent
 * (timeout, reset, dropped connection) is `CommitStateUnknownError`: the server may have applied
 * it (ICEBERG-NOTES: apache/iceberg#18902).
 */
import { randomBytes } from 'node:crypto';
import { parseJson, stringifyJson } from '../../iceberg/json.js';
import {
  type CatalogError,
  CommitStateUnknownError,
  errorForStatus,
  type RequestKind,
  redact,
  ServiceUnavailableError,
  ThrottledError,
} from '../errors.js';
import { type AuthProvider, describe, scrub } from './auth.js';
import {
  DEFAULT_HTTP_RETRY,
  type HttpRetryPolicy,
  RETRYABLE_STATUSES,
  retryAfterMs,
  retryDelayMs,
  sleep,
} from './retry.js';

/** A structured log line; `message` is already redacted. */
export type CatalogLogger = (line: {
  level: 'debug' | 'info' | 'warn';
  message: string;
  [key: string]: unknown;
}) => void;

export interface HttpOptions {
  baseUrl: string;
  auth?: AuthProvider;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
  logger?: CatalogLogger;
  /** Retries of safe requests (GET/HEAD: loads, config, lists) on 429/502/503/504 and connection errors. */
  retry?: Partial<HttpRetryPolicy>;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  /** Path below the base URL, already encoded, e.g. `v1/ns/namespaces`. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  kind: RequestKind;
  signal?: AbortSignal;
  /** Send an `Idempotency-Key` (set by the client when /v1/config advertises a lifetime). */
  idempotencyKey?: boolean;
  /** Parses a successful response body (default `parseJson`), e.g. a TableResponseReader. */
  parse?: (text: string) => unknown;
}

export interface HttpResponse<T> {
  status: number;
  body: T | undefined;
  headers: Headers;
}

/** Sends REST catalog requests and turns failures into catalog errors. */
export class RestHttp {
  constructor(private readonly options: HttpOptions) {}

  /** The base URL (the catalog URI), without trailing slash. */
  get baseUrl(): string {
    return this.options.baseUrl.replace(/\/+$/, '');
  }

  /**
   * Sends one request; retries once with a fresh token after a 401. A safe request (GET, HEAD)
   * is also retried on 429/502/503/504 and connection errors, honouring `Retry-After`.
   */
  async request<T>(request: HttpRequest): Promise<HttpResponse<T>> {
    const safe = request.method === 'GET' || request.method === 'HEAD';
    const policy = { ...DEFAULT_HTTP_RETRY, ...this.options.retry };
    for (let retry = 1; ; retry++) {
      try {
        return await this.requestOnce<T>(request);
      } catch (error) {
        const retryable =
          safe &&
          retry <= policy.maxRetries &&
          error instanceof ServiceUnavailableError &&
          (error.status === undefined || RETRYABLE_STATUSES.has(error.status));
        if (!retryable) throw error;
        const waitMs = retryDelayMs(policy, retry, (error as ThrottledError).retryAfterMs);
        this.log('info', `${request.method} ${request.path}: ${error.message}; retry ${retry} in ${waitMs} ms`);
        await sleep(waitMs, request.signal);
      }
    }
  }

  private async requestOnce<T>(request: HttpRequest): Promise<HttpResponse<T>> {
    const url = new URL(`${this.baseUrl}/${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey) headers['idempotency-key'] = uuidv7();
    const body = request.body === undefined ? undefined : stringifyJson(request.body);
    const where = `${request.method} ${url.pathname}`;

    for (let attempt = 0; ; attempt++) {
      const authorization = await this.options.auth?.authorization();
      if (authorization) headers.authorization = authorization;
      const signals = [AbortSignal.timeout(this.options.timeoutMs ?? 30_000)];
      if (request.signal) signals.push(request.signal);
      let response: Response;
      try {
        response = await (this.options.fetch ?? fetch)(url, {
          method: request.method,
          headers,
          body,
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        throw this.transportError(error, request.kind, where);
      }
      if (response.status === 401 && this.options.auth && attempt === 0) {
        await response.body?.cancel();
        this.log('info', `${where}: 401, refreshing the token once`);
        this.options.auth.invalidate(authorization);
        continue;
      }
      let text: string;
      try {
        text = await response.text();
      } catch (error) {
        throw this.transportError(error, request.kind, where);
      }
      if (!response.ok) {
        const error = this.statusError(response.status, text, request.kind, where);
        if (error instanceof ThrottledError) error.retryAfterMs = retryAfterMs(response.headers);
        throw error;
      }
      this.log('debug', `${where}: ${response.status}`);
      return {
        status: response.status,
        body: text.length === 0 ? undefined : request.parse ? (request.parse(text) as T) : parseJson<T>(text),
        headers: response.headers,
      };
    }
  }

  private statusError(status: number, text: string, kind: RequestKind, where: string): CatalogError {
    let message = text.slice(0, 500);
    let type: string | undefined;
    try {
      const parsed = parseJson<{ error?: { message?: string; type?: string } }>(text);
      if (parsed?.error) {
        message = parsed.error.message ?? message;
        type = parsed.error.type;
      }
    } catch {
      // Not an ErrorModel (a proxy's HTML page): keep the raw text.
    }
    const error = errorForStatus(status, kind, `${where}: ${message}`, type);
    this.log('warn', error.message, { status });
    return error;
  }

  private transportError(error: unknown, kind: RequestKind, where: string): CatalogError {
    const code = (error as { cause?: { code?: string } })?.cause?.code;
    // Refused before anything was sent: nothing can have been applied.
    const notSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    const message = `${where}: ${describe(error)}`;
    this.log('warn', message);
    if (kind === 'commit' && !notSent)
      return new CommitStateUnknownError(`commit outcome unknown: ${message}`, { cause: scrub(error) });
    return new ServiceUnavailableError(message, { cause: scrub(error) });
  }

  private log(level: 'debug' | 'info' | 'warn', message: string, extra: Record<string, unknown> = {}): void {
    this.options.logger?.({ level, message: redact(message), ...extra });
  }
}

/** A UUIDv7 (RFC 9562 §5.7): 48-bit Unix ms timestamp, then random bits. */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
