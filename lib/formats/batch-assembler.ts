/**
 * Assembles rows into Arrow record batches of the target schema: one column builder per
 * top-level field, a line number per row (so a late check such as UTF-8 validation still names
 * the line), rollback of a partly appended row, and the final `RecordBatch` built with
 * `toArrowSchema(target)` so it is exactly what the Parquet writer expects.
 */
import * as arrow from 'apache-arrow';
import { toArrowSchema } from '../iceberg/arrow-schema.js';
import { avroName } from '../iceberg/avro-name.js';
import type { NestedField, Schema } from '../iceberg/types.js';
import { BadInputError } from './bad-input-error.js';
import { type ColumnBuilder, makeColumnBuilder } from './column-builder.js';

export class BatchAssembler {
  readonly arrowSchema: arrow.Schema;
  readonly builders: ColumnBuilder[];
  rows = 0;
  /** Top-level column → timestamps whose zone did not match the column type (converted by the rule). */
  readonly zoneAdjusted: Map<string, number>;
  private lines = new Int32Array(1024);

  constructor(
    readonly target: Schema,
    readonly fileName: string,
    caseInsensitive: boolean,
    roundDoubles = false,
    zoneAdjusted: Map<string, number> = new Map(),
  ) {
    this.zoneAdjusted = zoneAdjusted;
    this.arrowSchema = toArrowSchema(target);
    this.builders = target.fields.map((f, i) =>
      makeColumnBuilder(f, this.arrowSchema.fields[i]!, caseInsensitive, roundDoubles),
    );
  }

  /** Marks the current row complete. */
  endRow(line: number): void {
    if (this.rows >= this.lines.length) {
      const next = new Int32Array(this.lines.length * 2);
      next.set(this.lines);
      this.lines = next;
    }
    this.lines[this.rows++] = line;
  }

  /** Marks rows complete whose lines are `lines[from..to)` (a run appended column by column). */
  endRows(lines: Int32Array, from: number, to: number): void {
    const need = this.rows + (to - from);
    if (need > this.lines.length) {
      const next = new Int32Array(Math.max(need, this.lines.length * 2));
      next.set(this.lines);
      this.lines = next;
    }
    this.lines.set(lines.subarray(from, to), this.rows);
    this.rows = need;
  }

  /** Drops the values appended for the current, unfinished row. */
  rollback(): void {
    for (const b of this.builders) if (b.length > this.rows) b.truncate(this.rows);
  }

  /** Builds the batch of the rows so far and resets for the next one. */
  flush(): arrow.RecordBatch {
    for (let c = 0; c < this.builders.length; c++) {
      const bad = this.builders[c]!.firstInvalidUtf8();
      if (bad >= 0) {
        throw new BadInputError('invalid UTF-8', {
          file: this.fileName,
          line: this.lines[bad],
          column: this.target.fields[c]!.name,
        });
      }
    }
    this.builders.forEach((b, c) => {
      const n = b.zoneAdjusted();
      if (n > 0) {
        const name = this.target.fields[c]!.name;
        this.zoneAdjusted.set(name, (this.zoneAdjusted.get(name) ?? 0) + n);
      }
    });
    const length = this.rows;
    const children = this.builders.map((b) => b.finish());
    this.rows = 0;
    const data = arrow.makeData({ type: new arrow.Struct(this.arrowSchema.fields), length, nullCount: 0, children });
    const batch = new arrow.RecordBatch(this.arrowSchema, data);
    batchLines.set(batch, this.lines.slice(0, length));
    return batch;
  }
}

/** The source line of each row of the batches built here (transforms report and expose it, issue 17). */
const batchLines = new WeakMap<arrow.RecordBatch, Int32Array>();

/** The 1-based source line (or record number) of each row of `batch`, when a reader built it. */
export function sourceLinesOf(batch: arrow.RecordBatch): Int32Array | undefined {
  return batchLines.get(batch);
}

/** How the columns of a file map onto the target schema's top-level fields. */
export interface ColumnMapping {
  /** Per file column: the target field index, or -1 when the column is not written. */
  fileToTarget: Int32Array;
  /** Target fields the file does not have: filled with a constant (hive column) or null. */
  absent: { index: number; field: NestedField; constant?: string }[];
}

/**
 * Maps file columns to the target's top-level fields by name (optionally ignoring case), or by
 * field id when `fileIds` has one (Iceberg spec, "Column Projection"). A required target field the file lacks rejects the file.
 */
export function mapColumns(
  target: Schema,
  fileColumns: readonly string[],
  fileName: string,
  opts: {
    caseInsensitive?: boolean;
    hiveColumns?: Record<string, string>;
    fileIds?: readonly (number | undefined)[];
    /** Also match a file column named by the Avro-sanitized form (`zip_x2Dcode`), as Parquet from Java or floe is. */
    sanitizedNames?: boolean;
  } = {},
): ColumnMapping {
  const key = (s: string) => (opts.caseInsensitive ? s.toLowerCase() : s);
  const byName = new Map<string, number>();
  const byId = new Map<number, number>();
  target.fields.forEach((f, i) => {
    byName.set(key(f.name), i);
    byId.set(f.id, i);
  });
  if (opts.sanitizedNames) {
    for (const [i, f] of target.fields.entries()) {
      const sanitized = key(avroName(f.name));
      if (!byName.has(sanitized)) byName.set(sanitized, i);
    }
  }
  const used = new Set<number>();
  const fileToTarget = new Int32Array(fileColumns.length).fill(-1);
  const anyIds = opts.fileIds?.some((id) => id !== undefined) ?? false;
  fileColumns.forEach((name, c) => {
    const id = opts.fileIds?.[c];
    const t = anyIds ? (id === undefined ? undefined : byId.get(id)) : byName.get(key(name));
    if (t !== undefined && !used.has(t)) {
      fileToTarget[c] = t;
      used.add(t);
    }
  });
  const hive = new Map<string, string>();
  for (const [k, v] of Object.entries(opts.hiveColumns ?? {})) hive.set(key(k), v);
  const absent: ColumnMapping['absent'] = [];
  target.fields.forEach((field, index) => {
    if (used.has(index)) return;
    const constant = hive.get(key(field.name));
    if (constant === undefined && field.required) {
      throw new BadInputError(`missing required column "${field.name}"`, { file: fileName, column: field.name });
    }
    absent.push({ index, field, constant });
  });
  return { fileToTarget, absent };
}
