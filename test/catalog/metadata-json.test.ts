import { describe, expect, it } from 'vitest';
import { TableResponseReader } from '../../lib/catalog/metadata-json.js';
import { parseJson, stringifyJson } from '../../lib/iceberg/json.js';

const snapshot = (i: number) =>
  `{"snapshot-id":${9_000_000_000_000_000_000n + BigInt(i)},"sequence-number":${i},"timestamp-ms":${1_700_000_000_000 + i},` +
  `"manifest-list":"s3://b/t/metadata/snap-${i}.avro","summary":{"operation":"append","note":"a \\"quoted\\" ] } [ {"}}`;

const body = (count: number, extra = '') =>
  `{"metadata-location":"s3://b/t/metadata/0000${count}.metadata.json","metadata":{"format-version":2,` +
  `"current-snapshot-id":${9_000_000_000_000_000_000n + BigInt(count)},"snapshots":[${Array.from({ length: count }, (_, i) => snapshot(i + 1)).join(', ')}],` +
  `"snapshot-log":[{"snapshot-id":9000000000000000001,"timestamp-ms":1}]${extra}},"config":{"k":"v"}}`;

type Body = { metadata: { snapshots: Array<Record<string, unknown>> } };

describe('TableResponseReader', () => {
  it('gives what parseJson gives, and reuses unchanged snapshots of the previous response', () => {
    const reader = new TableResponseReader();
    let previous: Body | undefined;
    for (let count = 1; count <= 6; count++) {
      const text = body(count);
      const value = reader.read(text) as Body;
      expect(stringifyJson(value)).toBe(stringifyJson(parseJson(text)));
      expect(value.metadata.snapshots[count - 1]?.['snapshot-id']).toBe(9_000_000_000_000_000_000n + BigInt(count));
      if (previous) {
        // Same text, same parsed object; the new snapshot is a new object.
        expect(value.metadata.snapshots[0]).toBe(previous.metadata.snapshots[0]);
        expect(value.metadata.snapshots[count - 2]).toBe(previous.metadata.snapshots[count - 2]);
        expect(previous.metadata.snapshots).not.toContain(value.metadata.snapshots[count - 1]);
      }
      previous = value;
    }
    // A changed earlier snapshot (or expired ones): the response is parsed whole, then reused again.
    const changed = body(6).replace('"sequence-number":3,', '"sequence-number":33,');
    const value = reader.read(changed) as Body;
    expect(stringifyJson(value)).toBe(stringifyJson(parseJson(changed)));
    expect(value.metadata.snapshots[2]?.['sequence-number']).toBe(33);
    expect(value.metadata.snapshots[1]).not.toBe(previous?.metadata.snapshots[1]);
    const appended = body(7).replace('"sequence-number":3,', '"sequence-number":33,');
    const next = reader.read(appended) as Body;
    expect(stringifyJson(next)).toBe(stringifyJson(parseJson(appended)));
    expect(next.metadata.snapshots[2]).toBe(value.metadata.snapshots[2]);
    expect(next.metadata.snapshots).not.toBe(value.metadata.snapshots);
    expect(value.metadata.snapshots).toHaveLength(6);
  });

  it('falls back to plain parsing where the path is ambiguous or not an array of objects', () => {
    const texts = [
      body(3, ',"snapshots":[]'), // a repeated key: the last one counts
      body(2).replace('"snapshots":', '"snap\\u0073hots":'), // an escaped key
      body(2).replace('"snapshots":[', '"snapshots":[null,'),
      body(2).replace('"snapshots":[', '"snapshots":[1,'),
      body(2).replace('"snapshots":[', '"snapshots":["x",'),
      body(2).replace('"snapshots":[', '"snapshots":[[],'),
      body(2).replace(/"snapshots":\[.*\],"snapshot-log"/, '"snapshots":[],"snapshot-log"'),
      `{"metadata":${body(2)},"metadata":{"snapshots":[]}}`,
      '{"config":{}}',
      '[{"metadata":{"snapshots":[{}]}}]',
    ];
    const reader = new TableResponseReader();
    for (const text of texts) {
      reader.read(body(2));
      expect(stringifyJson(reader.read(text)), text).toBe(stringifyJson(parseJson(text)));
    }
  });

  it('rejects malformed text like parseJson, also right after the reused snapshots', () => {
    const reader = new TableResponseReader();
    const third = ', {"snapshot-id":9000000000000000003';
    const texts = [
      body(3).replace(third, ' {"snapshot-id":9000000000000000003'),
      body(3).replace(third, ',, {"snapshot-id":9000000000000000003'),
      body(3).replace(third, ', 7 {"snapshot-id":9000000000000000003'),
      body(3).replace('}}],"snapshot-log"', '}},],"snapshot-log"'),
      body(2).replace('}}],"snapshot-log"', '}},],"snapshot-log"'),
      body(2).replace('}}],"snapshot-log"', '}}}],"snapshot-log"'),
      body(3).replace('"sequence-number":3,', '"sequence-number":3'),
      body(2).slice(0, -1),
      `${body(2)}]`,
      body(2).replace('"snapshots":[', '"snapshots":[,'),
      body(2).replace(',"sequence', '"sequence'),
    ];
    for (const text of texts) {
      reader.read(body(2));
      expect(() => reader.read(text), text).toThrow(SyntaxError);
      expect(() => parseJson(text)).toThrow(SyntaxError);
    }
  });
});
