/**
 * `BadInputError`: a landed file that can never be ingested as it is (invariant 4). It names the
 * file, and where known the line, column, value and reason, so an error report can point a data
 * engineer at the exact cell. Deterministic: retrying the same bytes fails the same way, so the
 * message is acknowledged rather than retried.
 */
export interface BadInputLocation {
  /** The object key or file path. */
  file: string;
  /** 1-based line (CSV/NDJSON) or row number (Parquet/JSON array). */
  line?: number;
  /** Column name, or 1-based column number when there is no header. */
  column?: string | number;
  /** The offending value, truncated for the report. */
  value?: string;
}

export class BadInputError extends Error {
  override name = 'BadInputError';
  readonly file: string;
  readonly line?: number;
  readonly column?: string | number;
  readonly value?: string;
  readonly reason: string;

  constructor(reason: string, where: BadInputLocation, options?: { cause?: unknown }) {
    const parts = [where.file];
    if (where.line !== undefined) parts.push(`line ${where.line}`);
    if (where.column !== undefined) parts.push(`column ${where.column}`);
    const value = where.value === undefined ? '' : ` (value ${JSON.stringify(truncate(where.value))})`;
    super(`${parts.join(', ')}: ${reason}${value}`, options);
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.value = where.value === undefined ? undefined : truncate(where.value);
    this.reason = reason;
  }

  /** The fields an error report records. */
  toJSON(): Record<string, unknown> {
    return { file: this.file, line: this.line, column: this.column, value: this.value, reason: this.reason };
  }
}

function truncate(value: string, max = 200): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}
