/**
 * Renders rows for the terminal (`floe scan`, `floe tables`, `floe history`, `floe errors`): an
 * aligned text table for people, NDJSON or CSV (RFC 4180) for pipes. 64-bit values stay exact:
 * JSON goes through the lossless writer and bigint prints as digits.
 */
import { stringifyJson } from '../iceberg/json.js';

export type OutputFormat = 'table' | 'json' | 'csv';

/** A cell as text: bigint as digits, bytes as hex, dates as ISO-8601, nested values as JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return stringifyJson(jsonSafe(value));
}

/** Makes a value JSON-writable: bytes become hex, dates ISO strings, Maps objects. */
export function jsonSafe(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), jsonSafe(v)]));
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

function csvCell(value: unknown): string {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Formats rows (objects keyed by column) in the chosen format; returns the text without a final newline. */
export function formatRows(rows: Record<string, unknown>[], columns: string[], format: OutputFormat): string {
  if (format === 'json') {
    return rows
      .map((row) => stringifyJson(jsonSafe(Object.fromEntries(columns.map((c) => [c, row[c] ?? null])))))
      .join('\n');
  }
  if (format === 'csv') {
    return [columns.map(csvCell).join(','), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(','))].join(
      '\n',
    );
  }
  const max = 60;
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = cellText(row[c]).replace(/\s+/g, ' ');
      return text.length > max ? `${text.slice(0, max - 1)}…` : text;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
