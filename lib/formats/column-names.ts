/**
 * Column names from a file header: optional normalization and the duplicate check; and the
 * check that a new schema's names stay unambiguous to Iceberg readers (issue #19).
 */
import type { IcebergType, NestedField } from '../iceberg/types.js';
import { BadInputError, type BadInputLocation } from './bad-input-error.js';
import { checkColumnCount } from './caps.js';

/**
 * Column names a table could not hold unambiguously: two that differ only in case (`Id`, `id`),
 * a top-level `a.b` beside struct `a`'s field `b` (Iceberg Java and PyIceberg resolve names by
 * their dotted path and refuse such a schema: "multiple fields for name"), or an empty name.
 */
export class ColumnNameError extends BadInputError {
  override name = 'ColumnNameError';
}

/** Lower snake_case with `[a-z0-9_]` only, not starting with a digit (`"Order ID"` → `order_id`). */
export function normalizeColumnName(name: string): string {
  let n = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (n === '') n = 'column';
  if (/^[0-9]/.test(n)) n = `_${n}`;
  return n;
}

/** Applies normalization and rejects duplicate names (after normalization / case folding). */
export function finalColumnNames(
  raw: readonly string[],
  fileName: string,
  opts: { normalize?: boolean; caseInsensitive?: boolean; line?: number; maxColumns?: number },
): string[] {
  if (opts.maxColumns !== undefined) checkColumnCount(raw.length, opts.maxColumns, { file: fileName, line: opts.line });
  const names = raw.map((n, i) => {
    const trimmed = n.trim();
    if (trimmed === '') return `column_${i + 1}`;
    return opts.normalize ? normalizeColumnName(trimmed) : trimmed;
  });
  // Always case-folded: `Id` beside `id` would make a table that case-insensitive readers
  // (and floe's own `caseInsensitive`) cannot tell apart.
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const k = n.toLowerCase();
    const prev = seen.get(k);
    if (prev !== undefined) {
      const same = names[prev] === n;
      throw new ColumnNameError(
        same
          ? `duplicate column name "${n}" (columns ${prev + 1} and ${i + 1})`
          : `duplicate column name "${n}": "${names[prev]}" and "${n}" differ only in case (columns ${prev + 1} and ${i + 1})`,
        { file: fileName, line: opts.line, column: n },
      );
    }
    seen.set(k, i);
  });
  return names;
}

/** Names for the columns of a file without a header: `column_1`, `column_2`, … */
export function positionalNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `column_${i + 1}`);
}

/**
 * Rejects a schema whose names Iceberg readers could not resolve one way: an empty name, two
 * names that differ only in case, or two fields with the same dotted path (`a.b` beside struct
 * `a` with field `b`), counting list and map levels as Iceberg's name index does (full names
 * with `element`/`key`/`value`, short names without). With `newIds`, only collisions that
 * involve one of those fields count (an existing table's names are not re-judged).
 */
export function checkSchemaNames(
  fields: readonly NestedField[],
  where: BadInputLocation,
  newIds?: ReadonlySet<number>,
): void {
  const byName = new Map<string, { id: number; name: string }>();
  const add = (path: string, id: number) => {
    const key = path.toLowerCase();
    const prev = byName.get(key);
    if (prev === undefined) byName.set(key, { id, name: path });
    else if (prev.id !== id && (newIds === undefined || newIds.has(id) || newIds.has(prev.id))) {
      const reason =
        prev.name === path
          ? `two fields are named "${path}" once nested names are joined with "." (Iceberg resolves names by their dotted path)`
          : `names "${prev.name}" and "${path}" differ only in case`;
      throw new ColumnNameError(reason, { ...where, column: path });
    }
  };
  const visit = (list: readonly NestedField[], full: string, short: string) => {
    for (const f of list) {
      if (f.name.trim() === '')
        throw new ColumnNameError(`empty column name${full ? ` in "${full}"` : ''}`, { ...where, column: full || '' });
      const fullName = full ? `${full}.${f.name}` : f.name;
      const shortName = short ? `${short}.${f.name}` : f.name;
      add(fullName, f.id);
      if (shortName !== fullName) add(shortName, f.id);
      visitType(f.type, fullName, shortName);
    }
  };
  const visitType = (t: IcebergType, full: string, short: string) => {
    if (typeof t === 'string') return;
    if (t.type === 'struct') visit(t.fields, full, short);
    else if (t.type === 'list') visitType(t.element, `${full}.element`, short);
    else {
      visitType(t.key, `${full}.key`, short);
      visitType(t.value, `${full}.value`, short);
    }
  };
  visit(fields, '', '');
}
