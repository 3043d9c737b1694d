/**
 * Data file names of one conversion: `<ingest id>-<shape hash>`, the `namePrefix` handed to
 * `convertFile` (the writer appends `-<partition hash>-<seq>.parquet`).
 *
 * Why a hash and not the bare ingest id: a convert retry must rewrite the same files (issue 4:
 * "a retry rewrites the same files rather than adding new ones"), but a retry that would write
 * DIFFERENT bytes must never overwrite a file an earlier attempt may already have committed —
 * the manifest holds that file's size and column stats, so changed bytes under a committed path
 * would corrupt the table. The Parquet writer is deterministic (same batches, schema, spec and
 * properties → the same bytes), so the name carries a hash of everything that shapes the bytes:
 * the schema (id, field ids, names, types), the partition spec, the format version, the `write.*`
 * properties (file size, row groups, codec, metrics modes), the reader options, `on_error` and
 * the hive columns. Same inputs → same names and identical bytes; any change → new names.
 */
import { createHash } from 'node:crypto';
import { type FormatOptionsInput, type OnError, resolveFormatOptions } from '../formats/index.js';
import { stringifyJson } from '../iceberg/json.js';
import type { PartitionSpec, Schema } from '../iceberg/types.js';

/**
 * Bumped when floe's conversion output changes for the same inputs (a new encoder default, a
 * different row-group policy), so a retry after an upgrade cannot overwrite older bytes.
 */
const NAME_SCHEME = 1;

/** Everything that decides the bytes of a conversion's data files (besides the object itself). */
export interface DataFileShape {
  schema: Schema;
  spec: PartitionSpec;
  formatVersion: number;
  /** The properties handed to the writer (only `write.*` keys shape the bytes). */
  properties: Record<string, string>;
  options?: FormatOptionsInput;
  onError?: OnError;
  hiveColumns?: Record<string, string>;
  /** The route's `select`/`where` (issue 17), when it has one. */
  transform?: { select?: string; where?: string };
}

/** The deterministic `namePrefix` for one object's data files: `<ingest id>-<12 hex of the shape hash>`. */
export function dataFileNamePrefix(ingestId: string, shape: DataFileShape): string {
  return `${ingestId}-${dataFileShapeHash(shape)}`;
}

/** A 12-hex-character hash of the inputs that shape the data files' bytes. */
export function dataFileShapeHash(shape: DataFileShape): string {
  const writeProperties = Object.entries(shape.properties)
    .filter(([k]) => k.startsWith('write.'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonical = stringifyJson([
    NAME_SCHEME,
    canonicalize(shape.schema),
    canonicalize(shape.spec),
    shape.formatVersion,
    writeProperties,
    canonicalize(resolveFormatOptions(shape.options)),
    shape.onError ?? 'abort',
    canonicalize(shape.hiveColumns ?? {}),
    // Only when set, so names of routes without a transform stay as they were.
    ...(shape.transform ? [canonicalize(shape.transform)] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

/** Objects with sorted keys, so key order never changes the hash. */
function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonicalize(v);
    }
    return out;
  }
  return value;
}
