/**
 * Marks uuid columns in a Parquet footer. Iceberg writes `uuid` as `fixed_len_byte_array(16)`
 * with the UUID logical type (spec: Parquet type mapping); parquet-wasm 0.8 cannot annotate it,
 * so the logical type is spliced into the footer's Thrift (compact protocol) `SchemaElement`s
 * whose `field_id` is a uuid column, after the file is encoded. Only the footer changes; page
 * offsets point before it, so they hold.
 *
 * Thrift compact protocol: a field header is `(delta << 4) | type` (or `type` then a zigzag
 * varint id), a struct ends with a 0 byte. Parquet `SchemaElement`: 9 = field_id (i32),
 * 10 = logicalType (a union, whose field 14 is the empty `UUIDType`).
 */

/** Raised when a footer cannot be walked (a writer bug, never bad input). */
export class UuidFooterError extends Error {
  override name = 'UuidFooterError';
}

const T_TRUE = 1;
const T_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

class Cursor {
  constructor(
    readonly buf: Uint8Array,
    public at = 0,
  ) {}
  byte(): number {
    if (this.at >= this.buf.length) throw new UuidFooterError('footer ends inside a value');
    return this.buf[this.at++]!;
  }
  varint(): bigint {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  }
  zigzag(): number {
    const v = this.varint();
    return Number((v >> 1n) ^ -(v & 1n));
  }
}

function skip(c: Cursor, type: number): void {
  switch (type) {
    case T_TRUE:
    case T_FALSE:
      return;
    case T_BYTE:
      c.at++;
      return;
    case T_I16:
    case T_I32:
    case T_I64:
      c.varint();
      return;
    case T_DOUBLE:
      c.at += 8;
      return;
    case T_BINARY: {
      const length = Number(c.varint()); // read first: `c.at += c.varint()` would add to the old offset
      c.at += length;
      return;
    }
    case T_LIST:
    case T_SET: {
      const { size, elem } = listHeader(c);
      for (let i = 0; i < size; i++) skipElement(c, elem);
      return;
    }
    case T_MAP: {
      const size = Number(c.varint());
      if (size === 0) return;
      const kv = c.byte();
      for (let i = 0; i < size; i++) {
        skipElement(c, kv >> 4);
        skipElement(c, kv & 0x0f);
      }
      return;
    }
    case T_STRUCT:
      walkStruct(c, () => false);
      return;
    default:
      throw new UuidFooterError(`unknown Thrift compact type ${type}`);
  }
}

/** Booleans inside lists and maps take a byte each. */
function skipElement(c: Cursor, type: number): void {
  if (type === T_TRUE || type === T_FALSE) c.at++;
  else skip(c, type);
}

function listHeader(c: Cursor): { size: number; elem: number } {
  const h = c.byte();
  const size = h >> 4 === 15 ? Number(c.varint()) : h >> 4;
  return { size, elem: h & 0x0f };
}

/**
 * Walks one struct's fields; `visit(id, type)` returns true when it consumed the value itself.
 * Returns the last field id and the offset of the struct's stop byte.
 */
function walkStruct(c: Cursor, visit: (id: number, type: number) => boolean): { lastId: number; stop: number } {
  let id = 0;
  for (;;) {
    const h = c.byte();
    if (h === 0) return { lastId: id, stop: c.at - 1 };
    const type = h & 0x0f;
    id = h >> 4 === 0 ? c.zigzag() : id + (h >> 4);
    if (!visit(id, type)) skip(c, type);
  }
}

/**
 * Returns the footer (the Thrift `FileMetaData`, without its length word and magic) with the UUID
 * logical type on every schema element whose field id is in `uuidFieldIds`.
 */
export function annotateUuidColumns(footer: Uint8Array, uuidFieldIds: ReadonlySet<number>): Uint8Array {
  if (uuidFieldIds.size === 0) return footer;
  const c = new Cursor(footer);
  const inserts: number[] = [];
  walkStruct(c, (id, type) => {
    if (id !== 2 || type !== T_LIST) return false;
    const { size } = listHeader(c);
    for (let i = 0; i < size; i++) {
      let fieldId: number | undefined;
      let hasLogical = false;
      const { lastId, stop } = walkStruct(c, (fid, ftype) => {
        if (fid === 10) hasLogical = true;
        if (fid !== 9 || ftype !== T_I32) return false;
        fieldId = c.zigzag();
        return true;
      });
      if (fieldId !== undefined && uuidFieldIds.has(fieldId) && !hasLogical && lastId < 10) {
        if (lastId !== 9) throw new UuidFooterError(`schema element of field ${fieldId} ends with field ${lastId}`);
        inserts.push(stop);
      }
    }
    return true;
  });
  if (inserts.length === 0) return footer;
  // field 10 (delta 1 after field_id), struct; LogicalType field 14, struct; UUIDType stop; LogicalType stop
  const uuid = Uint8Array.of((1 << 4) | T_STRUCT, (14 << 4) | T_STRUCT, 0, 0);
  const out = new Uint8Array(footer.length + inserts.length * uuid.length);
  let from = 0;
  let to = 0;
  for (const at of inserts) {
    out.set(footer.subarray(from, at), to);
    to += at - from;
    out.set(uuid, to);
    to += uuid.length;
    from = at;
  }
  out.set(footer.subarray(from), to);
  return out;
}

/** A whole Parquet file's last bytes (`…footer, length, PAR1`) with the footer annotated. */
export function annotateUuidTail(tail: Uint8Array, uuidFieldIds: ReadonlySet<number>): Uint8Array {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const length = view.getUint32(tail.length - 8, true);
  const start = tail.length - 8 - length;
  if (start < 0) throw new UuidFooterError('the footer is not within the given bytes');
  const footer = annotateUuidColumns(tail.subarray(start, tail.length - 8), uuidFieldIds);
  if (footer.length === length) return tail;
  const out = new Uint8Array(start + footer.length + 8);
  out.set(tail.subarray(0, start), 0);
  out.set(footer, start);
  new DataView(out.buffer).setUint32(start + footer.length, footer.length, true);
  out.set(tail.subarray(tail.length - 4), start + footer.length + 4);
  return out;
}
