/**
 * The metrics a data file's Parquet footer gives (Java `ParquetUtil.footerMetrics`): per leaf field
 * id the column size (total compressed bytes), the value count (`num_values`, nulls included) and
 * the null count (statistics `null_count`), plus the row-group start offsets for `split_offsets`.
 * The footer is parsed with hyparquet from the tail of the bytes just written.
 */
import { parquetMetadata } from 'hyparquet';
import type { MetricsMode } from './write-properties.js';

/** Raised when the bytes a writer produced do not end in a readable Parquet footer. */
export class ParquetFooterError extends Error {
  override name = 'ParquetFooterError';
}

export interface FooterMetrics {
  recordCount: number;
  columnSizes: Map<number, number>;
  valueCounts: Map<number, number>;
  nullValueCounts: Map<number, number>;
  splitOffsets: number[];
}

/** Bytes of the file's end a footer needs: its length word and magic, then the footer itself. */
export function footerLength(tail: Uint8Array): number {
  if (tail.length < 8) throw new ParquetFooterError('parquet file is too short');
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  if (view.getUint32(tail.length - 4, true) !== 0x31524150)
    throw new ParquetFooterError('parquet file does not end in PAR1');
  return view.getUint32(tail.length - 8, true) + 8;
}

/**
 * Reads footer metrics from the last bytes of a Parquet file (at least `footerLength(tail)`).
 * Columns whose metrics mode is `none` are left out, as Java does.
 */
export function footerMetrics(tail: Uint8Array, modes: Map<number, MetricsMode>): FooterMetrics {
  const needed = footerLength(tail);
  if (tail.length < needed) throw new ParquetFooterError(`footer needs ${needed} bytes, have ${tail.length}`);
  const metadata = parquetMetadata(tail.subarray(tail.length - needed));
  // Leaves appear in the footer's schema depth first, the same order as each row group's columns.
  const leafIds: (number | undefined)[] = [];
  for (const element of metadata.schema.slice(1)) {
    if (!element.num_children) leafIds.push(element.field_id);
  }
  const out: FooterMetrics = {
    recordCount: Number(metadata.num_rows),
    columnSizes: new Map(),
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    splitOffsets: [],
  };
  const add = (map: Map<number, number>, id: number, n: number) => map.set(id, (map.get(id) ?? 0) + n);
  for (const group of metadata.row_groups) {
    const first = group.columns[0]?.meta_data;
    if (first) out.splitOffsets.push(Number(first.dictionary_page_offset ?? first.data_page_offset));
    group.columns.forEach((column, i) => {
      const id = leafIds[i];
      const meta = column.meta_data;
      if (id === undefined || !meta || modes.get(id)?.kind === 'none') return;
      add(out.columnSizes, id, Number(meta.total_compressed_size));
      add(out.valueCounts, id, Number(meta.num_values));
      const nulls = meta.statistics?.null_count;
      if (nulls !== undefined) add(out.nullValueCounts, id, Number(nulls));
    });
  }
  out.splitOffsets.sort((a, b) => a - b);
  return out;
}
