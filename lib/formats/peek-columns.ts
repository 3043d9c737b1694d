/**
 * `peekColumns`: a landed file's column names from its first bytes, so convert can tell
 * whether a file fits its (existing) table without inferring types over the whole file first.
 *
 * - CSV/TSV with a header: the header record, through the reader's own tokenizer and the same
 *   name rules as its reader (normalization, duplicates), so the names match what the reader maps.
 * - JSON: the top-level keys of the first block of records. `complete` says whether that block
 *   was the whole file: keys of later records are unknown otherwise.
 * - Parquet, headerless CSV, or anything the peek cannot read: `undefined` (the caller infers;
 *   a Parquet schema is read only by spooling the whole file).
 *
 * Only the first block is read (64 KiB of CSV, 256 KiB of JSON after decompression); the
 * stream is then closed.
 */
import { finalColumnNames, normalizeColumnName } from './column-names.js';
import { headerNames } from './csv-reader.js';
import { csvBlocks, csvDialect } from './csv-tokenizer.js';
import { decompress } from './decompress.js';
import { detectFormat } from './detect.js';
import { jsonBlocks, parseJsonValue } from './json-tokenizer.js';
import { type FormatOptionsInput, resolveFormatOptions } from './options.js';

const CSV_PEEK_BYTES = 64 * 1024;
const JSON_PEEK_BYTES = 256 * 1024;
/** Bytes the format and compression are detected from (magic numbers). */
const HEAD_BYTES = 16;

export interface PeekedColumns {
  format: 'csv' | 'tsv' | 'json';
  /** Column names as the reader will see them (after `normalizeColumnNames`). */
  names: string[];
  /** True when `names` are all the file's columns (a CSV header; JSON read to its end). */
  complete: boolean;
}

/** The file's column names from its first block, or undefined when a peek cannot tell them. */
export async function peekColumns(
  open: () => AsyncIterable<Uint8Array>,
  fileName: string,
  options?: FormatOptionsInput,
): Promise<PeekedColumns | undefined> {
  const opts = resolveFormatOptions(options);
  const iterator = open()[Symbol.asyncIterator]();
  try {
    // Read the magic bytes, then hand the same chunks on (one read of the head only).
    const seen: Uint8Array[] = [];
    let have = 0;
    let ended = false;
    while (have < HEAD_BYTES) {
      const r = await iterator.next();
      if (r.done) {
        ended = true;
        break;
      }
      seen.push(r.value);
      have += r.value.length;
    }
    const head = concat(seen).subarray(0, HEAD_BYTES);
    const { format, compression } = detectFormat(fileName, head);
    if (format === 'parquet') return undefined;
    let sourceEnded = ended;
    async function* raw(): AsyncGenerator<Uint8Array> {
      yield* seen;
      if (ended) return;
      for (;;) {
        const r = await iterator.next();
        if (r.done) {
          sourceEnded = true;
          return;
        }
        yield r.value;
      }
    }
    const bytes = decompress(raw(), compression, fileName, opts.limits.maxExpandedBytes);
    if (format === 'csv' || format === 'tsv') {
      if (!opts.csv.header) return undefined;
      const blocks = csvBlocks(bytes, csvDialect(opts.csv, format === 'tsv'), opts.limits, fileName, CSV_PEEK_BYTES);
      for await (const block of blocks) {
        const names = finalColumnNames(headerNames(block, 0, fileName), fileName, {
          normalize: opts.normalizeColumnNames,
          caseInsensitive: opts.caseInsensitive,
          line: block.lines[0],
        });
        return { format, names, complete: true };
      }
      return undefined;
    }
    for await (const block of jsonBlocks(bytes, fileName, opts.limits, opts.json.maxDepth, JSON_PEEK_BYTES)) {
      const names = new Set<string>();
      for (let r = 0; r < block.records; r++) {
        const value = parseJsonValue(block.buf, block.starts[r]!, block.ends[r]!);
        if (!(value instanceof Map)) return undefined;
        for (const k of value.keys()) names.add(opts.normalizeColumnNames ? normalizeColumnName(k) : k);
      }
      if (opts.json.rawColumn !== undefined) {
        if (names.has(opts.json.rawColumn)) return undefined;
        names.add(opts.json.rawColumn);
      }
      return { format: 'json', names: [...names], complete: sourceEnded };
    }
    return undefined;
  } catch {
    // Whatever the peek trips over, the whole-file inference reports properly (line, column, reason).
    return undefined;
  } finally {
    await iterator.return?.().catch(() => {});
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
