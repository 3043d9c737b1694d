/**
 * An error the embedded server answers with: HTTP status plus the spec's `ErrorModel`
 * (`{ error: { message, type, code } }`, rest-catalog-open-api.yaml `IcebergErrorResponse`).
 */
export class ServerError extends Error {
  override name = 'ServerError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers;
  }

  /** Extra response headers (e.g. `Retry-After` on a 429). */
  readonly headers?: Record<string, string>;

  /** The response body. */
  toJson(): { error: { message: string; type: string; code: number } } {
    return { error: { message: this.message, type: this.type, code: this.status } };
  }
}
