import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { peekColumns } from '../../lib/formats/index.js';
import { bytesOf } from './roundtrip.js';

describe('peekColumns', () => {
  it('reads a gzipped CSV header with the reader name rules, reading only the first block', async () => {
    let pulled = 0;
    const body = `Zip Code,City\n${Array.from({ length: 50_000 }, (_, i) => `${i},${(i * 7919).toString(36)}\n`).join('')}`;
    const gz = gzipSync(body);
    async function* counted() {
      for await (const c of bytesOf(gz, 4096)) {
        pulled += c.length;
        yield c;
      }
    }
    const peeked = await peekColumns(counted, 'x.csv.gz', { normalizeColumnNames: true });
    expect(peeked).toEqual({ format: 'csv', names: ['zip_code', 'city'], complete: true });
    expect(pulled).toBeLessThan(gz.length);
  });

  it('lists JSON keys of the first records and says whether that was the whole file', async () => {
    const peeked = await peekColumns(() => bytesOf('{"a":1}\n{"b":{"c":2}}\n'), 'x.ndjson', {
      json: { rawColumn: 'raw' },
    });
    expect(peeked).toEqual({ format: 'json', names: ['a', 'b', 'raw'], complete: true });
  });

  it('leaves Parquet, headerless CSV and unreadable input to whole-file inference', async () => {
    expect(await peekColumns(() => bytesOf('PAR1xxxxPAR1'), 'x.parquet')).toBeUndefined();
    expect(await peekColumns(() => bytesOf('1,2\n'), 'x.csv', { csv: { header: false } })).toBeUndefined();
    expect(await peekColumns(() => bytesOf('"unterminated'), 'x.csv')).toBeUndefined();
  });
});
