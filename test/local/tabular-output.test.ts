import { describe, expect, it } from 'vitest';
import { cellText, formatRows } from '../../lib/local/tabular-output.js';

const rows = [
  { id: 9007199254740993n, name: 'a,"b"', raw: new Uint8Array([1, 255]) },
  { id: 2n, name: null, raw: null },
];

describe('formatRows', () => {
  it('writes NDJSON with exact 64-bit integers', () => {
    expect(formatRows(rows, ['id', 'name'], 'json')).toBe(
      '{"id":9007199254740993,"name":"a,\\"b\\""}\n{"id":2,"name":null}',
    );
  });
  it('writes RFC 4180 CSV', () => {
    expect(formatRows(rows, ['id', 'name', 'raw'], 'csv')).toBe('id,name,raw\n9007199254740993,"a,""b""",01ff\n2,,');
  });
  it('aligns a text table', () => {
    const lines = formatRows(rows, ['id', 'name'], 'table').split('\n');
    expect(lines[0]).toBe('id                name');
    expect(lines[2]).toBe('9007199254740993  a,"b"');
    expect(cellText(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
  });
});
