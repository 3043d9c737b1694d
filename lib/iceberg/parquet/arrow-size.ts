/**
 * The uncompressed size of Arrow data, the basis of floe's row-group cut and file-size estimate
 * (deterministic: it depends on the data only, never on encoder timing).
 */
import type * as arrow from 'apache-arrow';

/** Bytes of Arrow buffers a column's rows occupy (value ranges of sliced variable-width data only). */
export function arrowByteSize(data: arrow.Data): number {
  let size = data.nullCount > 0 ? Math.ceil(data.length / 8) : 0;
  const offsets = data.valueOffsets as Int32Array | undefined;
  if (offsets && offsets.length > 0) {
    size += offsets.byteLength;
    const span = (offsets[offsets.length - 1] as number) - (offsets[0] as number);
    if (data.children.length === 0) size += span;
    else size += arrowByteSizeRange(data.children[0] as arrow.Data, span);
    return size;
  }
  if (data.values) size += (data.values as Uint8Array).byteLength;
  for (const child of data.children) size += arrowByteSize(child as arrow.Data);
  return size;
}

function arrowByteSizeRange(child: arrow.Data, rows: number): number {
  const whole = arrowByteSize(child);
  return child.length === 0 ? 0 : Math.round((whole * rows) / child.length);
}
