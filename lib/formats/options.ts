/**
 * Reader options for landed files. The route configuration embeds `FormatOptionsSchema`, so the
 * defaults here are what a route gets when it says nothing.
 */
import { z } from 'zod';

/** One byte-sized character (delimiter, quote, escape, comment); `\t` is accepted for TSV. */
const char = z.string().length(1);

/** CSV/TSV dialect options (defaults follow RFC 4180; TSV defaults the delimiter to a tab). */
export const CsvOptionsSchema = z.object({
  /** Field delimiter; default `,` for `.csv` and tab for `.tsv`. */
  delimiter: char.optional(),
  /**
   * Quote character; default `"` for CSV. TSV has no quoting by default (IANA text/tab-separated-values:
   * a `"` is data, `"a"` stays `"a"`); set `quote: '"'` for a TSV whose fields are quoted.
   */
  quote: char.optional(),
  /** Escape character inside quotes; default the quote itself (`""` is a literal quote, RFC 4180). */
  escape: char.optional(),
  /** Lines starting with this character are skipped (outside quoted fields). */
  comment: char.optional(),
  /** Whether the first (non-skipped) line names the columns; default true. */
  header: z.boolean().default(true),
  /** Unquoted values read as null. Default: the empty string only; a quoted `""` stays an empty string. */
  nullMarkers: z.array(z.string()).default(['']),
  /** Lines to skip before the header (title rows). */
  skipLines: z.number().int().min(0).default(0),
});

/** JSON (NDJSON or a top-level array) options. */
export const JsonOptionsSchema = z.object({
  /** When set, each record's raw JSON text is also kept in this string column. */
  rawColumn: z.string().min(1).optional(),
  /** Nesting deeper than this rejects the file (bounded recursion); default 64. */
  maxDepth: z.number().int().min(1).max(1000).default(64),
});

/** Caps that bound the work done on one landed file (gzip bombs, runaway lines). */
export const LimitsSchema = z.object({
  /** Bytes after decompression; default 10 GiB. */
  maxExpandedBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 ** 3),
  /** Bytes in one line (CSV record or NDJSON record); default 16 MiB. */
  maxLineBytes: z
    .number()
    .int()
    .positive()
    .default(16 * 1024 ** 2),
  /**
   * Columns in one file, nested fields included; default 10,000. Wide files cost superlinear
   * time in the Parquet writer (bench:convert prints the cost); 100,000 columns ran 15 minutes.
   */
  maxColumns: z.number().int().positive().default(10_000),
});

/** All reader options (route config `format:` block). */
export const FormatOptionsSchema = z.object({
  csv: CsvOptionsSchema.default(() => CsvOptionsSchema.parse({})),
  json: JsonOptionsSchema.default(() => JsonOptionsSchema.parse({})),
  /** Match file columns to table columns ignoring case. */
  caseInsensitive: z.boolean().default(false),
  /** Normalize inferred column names: lower snake_case, `[a-z0-9_]` only. */
  normalizeColumnNames: z.boolean().default(false),
  /** Infer `decimal(p,s)` (instead of double) for plain decimal numbers such as `12.30`. */
  inferDecimals: z.boolean().default(false),
  /**
   * `exact` (default): a number is never rounded. Inference picks double only for values a double
   * holds exactly (up to 15 significant digits, or the digits a double prints back), else
   * decimal(p,s) up to 38 digits, else string; a later value a double column cannot hold exactly
   * rejects the row. `double`: numbers may round to the nearest double (documented loss).
   */
  numbers: z.enum(['exact', 'double']).default('exact'),
  limits: LimitsSchema.default(() => LimitsSchema.parse({})),
  /** Rows per Arrow record batch handed to the Parquet writer. */
  batchRows: z.number().int().positive().default(65536),
});

export type CsvOptions = z.infer<typeof CsvOptionsSchema>;
export type JsonOptions = z.infer<typeof JsonOptionsSchema>;
export type FormatLimits = z.infer<typeof LimitsSchema>;
/** Resolved options (every default filled in). */
export type FormatOptions = z.infer<typeof FormatOptionsSchema>;
/** Options as a caller writes them (everything optional). */
export type FormatOptionsInput = z.input<typeof FormatOptionsSchema>;

/** What to do with a row whose value does not fit its column (Dremio `ON_ERROR`). */
export const OnErrorSchema = z.enum(['abort', 'skip_file', 'continue']).default('abort');
export type OnError = z.infer<typeof OnErrorSchema>;

/** Fills in defaults; accepts already-resolved options unchanged. */
export function resolveFormatOptions(input?: FormatOptionsInput): FormatOptions {
  return FormatOptionsSchema.parse(input ?? {});
}
