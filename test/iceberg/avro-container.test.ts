import { avroMetadata, avroRead } from 'icebird';
import { describe, expect, it } from 'vitest';
import { AvroFormatError, readAvroFile, writeAvroFile } from '../../lib/iceberg/avro/container.js';

const schema = {
  type: 'record',
  name: 'thing',
  fields: [
    { name: 'id', type: 'long', 'field-id': 1 },
    { name: 'name', type: ['null', 'string'], default: null, 'field-id': 2 },
    { name: 'blob', type: ['null', 'bytes'], default: null, 'field-id': 3 },
  ],
};

function readWithIcebird(bytes: Uint8Array) {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const { metadata, syncMarker } = avroMetadata(reader);
  return { metadata, records: avroRead({ reader, metadata, syncMarker }) };
}

describe('Avro container files', () => {
  it('round-trips 63-bit longs as bigint without rounding', () => {
    const records = [
      { id: 7505300640432048841n, name: 'a', blob: Buffer.from([1, 2]) },
      { id: -9223372036854775808n, name: null, blob: null },
    ];
    const bytes = writeAvroFile({ schema, metadata: { 'format-version': '2' }, records });
    const file = readAvroFile(bytes);
    expect(file.codec).toBe('deflate');
    expect(file.header['format-version']).toBe('2');
    expect(file.records.map((r) => r.id)).toEqual([7505300640432048841n, -9223372036854775808n]);
    expect(file.records[1]?.name).toBeNull();
  });

  it('keeps field-id attributes in the written avro.schema (icebird reads them back)', () => {
    const bytes = writeAvroFile({ schema, records: [{ id: 1n, name: 'x', blob: null }], codec: 'null' });
    const { metadata, records } = readWithIcebird(bytes);
    const fields = (metadata['avro.schema'] as { fields: { 'field-id': number }[] }).fields;
    expect(fields.map((f) => f['field-id'])).toEqual([1, 2, 3]);
    expect(records).toEqual([{ id: 1n, name: 'x', blob: undefined }]);
  });

  it('splits many records into several blocks', () => {
    const records = Array.from({ length: 2500 }, (_, i) => ({ id: BigInt(i), name: `n${i}`, blob: null }));
    const bytes = writeAvroFile({ schema, records, blockRecords: 1000 });
    expect(readAvroFile(bytes).records).toHaveLength(2500);
    expect(readWithIcebird(bytes).records).toHaveLength(2500);
  });

  it('rejects bytes that are not Avro', () => {
    expect(() => readAvroFile(new TextEncoder().encode('{"not":"avro"}'))).toThrow(AvroFormatError);
  });
});
