/**
 * A landed file's column names from its first bytes, so convert can tell whether a file fits its
 * (existing) table without inferring types over the whole file first. The peek itself is
 * lib/formats' `peekColumns` (same tokenizer and name rules as the reader).
 */
import { type FormatOptionsInput, type PeekedColumns, peekColumns } from '../formats/index.js';

export type { PeekedColumns };

/** The file's column names from its first block, or undefined when a peek cannot tell them. */
export function peekFileColumns(
  open: () => AsyncIterable<Uint8Array>,
  fileName: string,
  options?: FormatOptionsInput,
): Promise<PeekedColumns | undefined> {
  return peekColumns(open, fileName, options);
}
