/**
 * Row errors: a value that does not fit its column. With `on_error: continue` they are kept as
 * rejected rows (written by the caller as an NDJSON file); otherwise the first one rejects the
 * file as a `BadInputError`.
 */
import { BadInputError } from './bad-input-error.js';
import type { OnError } from './options.js';

/** One rejected row, as a line of the rejected-rows NDJSON file. */
export interface RejectedRow {
  file: string;
  /** 1-based physical line where the record starts (CSV/NDJSON) or record number (JSON array, Parquet). */
  line: number;
  column: string;
  value: string;
  reason: string;
  /** The whole record as it appeared in the file (truncated), for replay. */
  raw: string;
}

/** Receives row errors; `reject` throws when the policy does not allow skipping rows. */
export interface RowErrorSink {
  reject(row: RejectedRow): void;
  /** Column → timestamps whose zone did not match the column (kept by the zone rule; a warning). */
  readonly zoneAdjusted?: Map<string, number>;
}

const MAX_RAW = 64 * 1024;

/** Collects rejected rows for `continue`; throws `BadInputError` on the first one otherwise. */
export class RowErrorCollector implements RowErrorSink {
  readonly rows: RejectedRow[] = [];
  readonly zoneAdjusted = new Map<string, number>();
  /** Rejected rows beyond `maxKept` are counted but not kept (bounded memory). */
  dropped = 0;
  constructor(
    readonly onError: OnError = 'abort',
    readonly maxKept = 100_000,
  ) {}

  reject(row: RejectedRow): void {
    if (this.onError !== 'continue') {
      throw new BadInputError(row.reason, { file: row.file, line: row.line, column: row.column, value: row.value });
    }
    if (this.rows.length < this.maxKept) {
      this.rows.push(row.raw.length > MAX_RAW ? { ...row, raw: row.raw.slice(0, MAX_RAW) } : row);
    } else this.dropped++;
  }
}
