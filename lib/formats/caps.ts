/**
 * The caps that bound the work one landed file can cause (issue #19): `limits.*` in the format
 * options. Exceeding one rejects the file with `LimitExceededError`, naming the cap and how to
 * raise it; docs/formats.md ("Caps") lists them all.
 */
import type { IcebergType, NestedField } from '../iceberg/types.js';
import { BadInputError, type BadInputLocation } from './bad-input-error.js';

/** A landed file over one of the `limits.*` caps (expanded bytes, line bytes, columns, depth). */
export class LimitExceededError extends BadInputError {
  override name = 'LimitExceededError';
  /** The option that sets the cap, e.g. `limits.maxColumns`. */
  readonly limit: string;

  constructor(reason: string, limit: string, where: BadInputLocation, options?: { cause?: unknown }) {
    super(reason, where, options);
    this.limit = limit;
  }
}

/** Rejects a file with more than `maxColumns` columns (`count` includes nested fields). */
export function checkColumnCount(count: number, maxColumns: number, where: BadInputLocation): void {
  if (count > maxColumns) {
    throw new LimitExceededError(
      `${count} columns exceed the ${maxColumns}-column limit (limits.maxColumns)`,
      'limits.maxColumns',
      where,
    );
  }
}

/** Every field of a schema, nested ones included (what a wide file costs the writer). */
export function countFields(fields: readonly NestedField[]): number {
  let n = 0;
  const visit = (t: IcebergType): void => {
    if (typeof t === 'string') return;
    if (t.type === 'struct') {
      n += t.fields.length;
      for (const f of t.fields) visit(f.type);
    } else if (t.type === 'list') visit(t.element);
    else {
      visit(t.key);
      visit(t.value);
    }
  };
  n += fields.length;
  for (const f of fields) visit(f.type);
  return n;
}
