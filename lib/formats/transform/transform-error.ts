/**
 * `TransformError`: a route's `select`/`where` cannot be used (syntax, an unknown column or
 * function, a type error). Found when the transform is bound, never while rows are written; the
 * message names the expression.
 */
export class TransformError extends Error {
  override name = 'TransformError';
  constructor(
    readonly reason: string,
    /** The SQL text of the expression at fault. */
    readonly expression: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason} in "${expression}"`, options);
  }
}
