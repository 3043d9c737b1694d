/**
 * Avro object container files (Avro 1.11 spec, "Object Container Files"), read and written
 * synchronously from bytes, with every Avro `long` as a `bigint` (snapshot ids are 63-bit).
 *
 * avsc encodes and decodes the records; this module frames them: magic, header map, sync
 * marker, blocks, `null`/`deflate` codecs. The writer puts the caller's raw JSON schema string in
 * `avro.schema` because avsc's own schema export drops Iceberg's `field-id` attributes.
 *
 * @example
 * const bytes = writeAvroFile({ schema, metadata: { 'format-version': '2' }, records });
 * const { header, records: back } = readAvroFile(bytes);
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import avro from 'avsc';

/** A raw Avro schema as JSON (records keep Iceberg attributes such as `field-id`). */
export type AvroSchema = string | AvroSchema[] | { type: string | AvroSchema; [key: string]: unknown };

/** Raised when bytes are not a readable Avro container file. */
export class AvroFormatError extends Error {
  override name = 'AvroFormatError';
}

const MAGIC = new Uint8Array([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1

/** An Avro `long` as a bigint; numbers that are safe integers are accepted on write. */
const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint | number) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (v: bigint) => Number(v),
  isValid: (v: unknown) => typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

const headerMapType = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const blockLongType = avro.Type.forSchema('long');

/** Compiled types by schema text: manifests of one table share a handful of schemas. */
const typeCache = new Map<string, avro.Type>();
const TYPE_CACHE_LIMIT = 64;

function cachedType(text: string, schema: AvroSchema): avro.Type {
  let type = typeCache.get(text);
  if (!type) {
    type = avroType(schema);
    if (typeCache.size >= TYPE_CACHE_LIMIT) typeCache.delete(typeCache.keys().next().value as string);
    typeCache.set(text, type);
  }
  return type;
}

/** Builds an avsc type for a schema, with bigint longs (a fresh registry per schema). */
export function avroType(schema: AvroSchema): avro.Type {
  // typeHook sees `"long"` and `{"type": "long", ...}` (BigQuery, logical timestamps) alike.
  return avro.Type.forSchema(
    schema as avro.Schema,
    {
      typeHook: (s: unknown) =>
        s === 'long' || (typeof s === 'object' && s !== null && (s as { type?: unknown }).type === 'long')
          ? bigintLong
          : undefined,
    } as never,
  );
}

export interface AvroFile {
  /** Header metadata except `avro.schema`/`avro.codec`, decoded as UTF-8. */
  header: Record<string, string>;
  /** The writer schema, parsed from `avro.schema`. */
  schema: AvroSchema;
  codec: string;
  records: Record<string, unknown>[];
}

/** Reads a whole Avro container file. Supports the `null` and `deflate` codecs. */
export function readAvroFile(bytes: Uint8Array): AvroFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 || !MAGIC.every((b, i) => buf[i] === b)) {
    throw new AvroFormatError('not an Avro container file (bad magic bytes)');
  }
  const meta = headerMapType.decode(buf, 4);
  if (meta.offset < 0) throw new AvroFormatError('truncated Avro header');
  const rawHeader = meta.value as Record<string, Buffer>;
  const header: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawHeader)) header[key] = value.toString('utf8');
  const schemaText = header['avro.schema'];
  if (schemaText === undefined) throw new AvroFormatError('Avro header has no avro.schema');
  const schema = JSON.parse(schemaText) as AvroSchema;
  const codec = header['avro.codec'] ?? 'null';
  delete header['avro.schema'];
  delete header['avro.codec'];
  if (codec !== 'null' && codec !== 'deflate') throw new AvroFormatError(`unsupported Avro codec: ${codec}`);
  let pos = meta.offset;
  const sync = buf.subarray(pos, pos + 16);
  pos += 16;
  const type = cachedType(schemaText, schema);
  const records: Record<string, unknown>[] = [];
  while (pos < buf.length) {
    const count = blockLongType.decode(buf, pos);
    const size = blockLongType.decode(buf, count.offset);
    if (count.offset < 0 || size.offset < 0) throw new AvroFormatError('truncated Avro block header');
    const start = size.offset;
    const end = start + (size.value as number);
    if (end + 16 > buf.length) throw new AvroFormatError('truncated Avro block');
    if (!buf.subarray(end, end + 16).equals(sync)) throw new AvroFormatError('Avro sync marker mismatch');
    const raw = buf.subarray(start, end);
    const block = codec === 'deflate' ? inflateRawSync(raw) : raw;
    let offset = 0;
    for (let i = 0; i < (count.value as number); i++) {
      const decoded = type.decode(block, offset);
      if (decoded.offset < 0) throw new AvroFormatError('truncated Avro record');
      records.push(decoded.value as Record<string, unknown>);
      offset = decoded.offset;
    }
    pos = end + 16;
  }
  return { header, schema, codec, records };
}

export interface WriteAvroOptions {
  schema: AvroSchema;
  /** Extra header keys (Iceberg writes its metadata here). */
  metadata?: Record<string, string>;
  records: unknown[];
  /** Default `deflate`, as Iceberg Java writes. */
  codec?: 'deflate' | 'null';
  /** Records per block. */
  blockRecords?: number;
}

/** Writes an Avro container file; `avro.schema` is the caller's JSON verbatim (field ids kept). */
export function writeAvroFile(options: WriteAvroOptions): Uint8Array {
  const codec = options.codec ?? 'deflate';
  const schemaText = JSON.stringify(options.schema);
  const type = cachedType(schemaText, options.schema);
  const header: Record<string, Buffer> = {
    'avro.schema': Buffer.from(schemaText, 'utf8'),
    'avro.codec': Buffer.from(codec, 'utf8'),
  };
  for (const [key, value] of Object.entries(options.metadata ?? {})) header[key] = Buffer.from(value, 'utf8');
  const sync = randomBytes(16);
  const parts: Buffer[] = [Buffer.from(MAGIC), headerMapType.toBuffer(header), sync];
  const perBlock = options.blockRecords ?? 4096;
  for (let i = 0; i < options.records.length; i += perBlock) {
    const slice = options.records.slice(i, i + perBlock);
    const raw = Buffer.concat(slice.map((record) => type.toBuffer(record)));
    const data = codec === 'deflate' ? deflateRawSync(raw) : raw;
    parts.push(blockLongType.toBuffer(slice.length), blockLongType.toBuffer(data.length), data, sync);
  }
  const out = Buffer.concat(parts);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
