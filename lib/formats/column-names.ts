/**
 * Column names from a file header: optional normalization and the duplicate check.
 */
import { BadInputError } from './bad-input-error.js';

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
  opts: { normalize?: boolean; caseInsensitive?: boolean; line?: number },
): string[] {
  const names = raw.map((n, i) => {
    const trimmed = n.trim();
    if (trimmed === '') return `column_${i + 1}`;
    return opts.normalize ? normalizeColumnName(trimmed) : trimmed;
  });
  const seen = new Map<string, number>();
  names.forEach((n, i) => {
    const k = opts.caseInsensitive || opts.normalize ? n.toLowerCase() : n;
    const prev = seen.get(k);
    if (prev !== undefined) {
      throw new BadInputError(`duplicate column name "${n}" (columns ${prev + 1} and ${i + 1})`, {
        file: fileName,
        line: opts.line,
        column: n,
      });
    }
    seen.set(k, i);
  });
  return names;
}

/** Names for the columns of a file without a header: `column_1`, `column_2`, … */
export function positionalNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `column_${i + 1}`);
}
