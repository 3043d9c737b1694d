/**
 * What a bound expression evaluates against: the rows of one batch (or a subset of them, for the
 * branches of CASE and the later arguments of COALESCE, so a cast in a branch a row does not
 * take never fails that row), the metadata columns, and the row-error sink.
 */
import type { PrimitiveType } from '../../iceberg/types.js';

/** Values of the metadata columns (`_source_key` …) for one source object. */
export interface TransformMetadata {
  /** The landed object's key (table loads: the source data file's path). */
  sourceKey: string;
  /** Its version id or ETag (table loads: the source snapshot id). */
  sourceVersion: string;
  ingestId: string;
  /** Microseconds since the epoch: the object's landing time, so a retry writes the same bytes. */
  ingestedAt: number;
}

/** Receives a failed row: the row (in the batch), the expression, the value and the reason. */
export type RowFailure = (row: number, expression: string, value: string, reason: string) => void;

/** The rows an expression is evaluated over. */
export interface EvalContext {
  /** Rows in this context. */
  readonly n: number;
  /** Input column `index` as values of `type`, for this context's rows. */
  input(index: number, type: PrimitiveType): unknown[];
  /** The 1-based source line of each row. */
  lines(): ArrayLike<number>;
  readonly meta: TransformMetadata;
  /** Marks row `row` (of this context) failed. */
  fail(row: number, expression: string, value: string, reason: string): void;
  /** A context over a subset of this one's rows. */
  subset(rows: Int32Array): EvalContext;
}

/** The root context of one batch. */
export class BatchContext implements EvalContext {
  private readonly cache = new Map<string, unknown[]>();
  constructor(
    readonly n: number,
    private readonly read: (index: number, type: PrimitiveType, rows?: Int32Array) => unknown[],
    private readonly lineNumbers: ArrayLike<number>,
    readonly meta: TransformMetadata,
    private readonly onFail: RowFailure,
  ) {}

  input(index: number, type: PrimitiveType): unknown[] {
    const key = `${index}:${type}`;
    let values = this.cache.get(key);
    if (!values) {
      values = this.read(index, type);
      this.cache.set(key, values);
    }
    return values;
  }

  lines(): ArrayLike<number> {
    return this.lineNumbers;
  }

  fail(row: number, expression: string, value: string, reason: string): void {
    this.onFail(row, expression, value, reason);
  }

  subset(rows: Int32Array): EvalContext {
    // Rows of the batch itself are read straight from the Arrow data (no full read, no gather).
    return new SubsetContext(this, rows, (index, type) => this.read(index, type, rows));
  }
}

class SubsetContext implements EvalContext {
  readonly n: number;
  private readonly cache = new Map<string, unknown[]>();
  constructor(
    private readonly parent: EvalContext,
    private readonly rows: Int32Array,
    private readonly direct?: (index: number, type: PrimitiveType) => unknown[],
  ) {
    this.n = rows.length;
  }
  get meta() {
    return this.parent.meta;
  }
  input(index: number, type: PrimitiveType): unknown[] {
    const key = `${index}:${type}`;
    let values = this.cache.get(key);
    if (!values) {
      values = this.direct ? this.direct(index, type) : gather(this.parent.input(index, type), this.rows);
      this.cache.set(key, values);
    }
    return values;
  }
  lines(): ArrayLike<number> {
    return gather(Array.from(this.parent.lines()), this.rows) as number[];
  }
  fail(row: number, expression: string, value: string, reason: string): void {
    this.parent.fail(this.rows[row]!, expression, value, reason);
  }
  subset(rows: Int32Array): EvalContext {
    return new SubsetContext(this, rows);
  }
}

/** `values[rows[i]]` for each i. */
export function gather<T>(values: readonly T[], rows: Int32Array): T[] {
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}
