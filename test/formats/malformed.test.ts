import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../lib/formats/bad-input-error.js';
import { inferSchema } from '../../lib/formats/infer.js';
import type { FormatOptionsInput } from '../../lib/formats/options.js';
import { readBatches } from '../../lib/formats/read-batches.js';
import { RowErrorCollector } from '../../lib/formats/row-errors.js';
import type { Schema } from '../../lib/iceberg/types.js';
import { bytesOf, schemaOf } from './roundtrip.js';

const dir = join(import.meta.dirname, '../fixtures/malformed');
const idName = schemaOf([
  ['id', 'int'],
  ['name', 'string'],
]);

async function drain(
  source: AsyncIterable<Uint8Array>,
  name: string,
  schema: Schema,
  options: FormatOptionsInput = {},
): Promise<BadInputError> {
  try {
    for await (const _ of readBatches(source, name, schema, options, new RowErrorCollector('abort'))) void _;
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return e as BadInputError;
  }
  throw new Error(`${name} was accepted`);
}

async function fixture(
  name: string,
  schema: Schema = idName,
  options: FormatOptionsInput = {},
): Promise<BadInputError> {
  return drain(bytesOf(await readFile(join(dir, name)), 64), name, schema, options);
}

describe('malformed corpus: every file is a BadInputError naming file, line, column and reason', () => {
  it.each([
    ['ragged.csv', idName, {}, 3, '3', /expected 2 fields, found 3/],
    ['unterminated-quote.csv', idName, {}, 2, 2, /unterminated quoted field/],
    ['invalid-utf8.csv', idName, {}, 2, 'name', /invalid UTF-8/],
    ['header-only.csv', idName, {}, 2, undefined, /header only/],
    ['duplicate-columns.csv', idName, { caseInsensitive: true }, 1, 'ID', /duplicate column name/],
    [
      'out-of-range.csv',
      schemaOf([
        ['id', 'int'],
        ['n', 'int'],
      ]),
      {},
      2,
      'n',
      /out of range for an int/,
    ],
    ['out-of-range.ndjson', schemaOf([['n', 'double']]), {}, 1, 'n', /out of range for a double/],
    ['deeply-nested.json', schemaOf([['a', 'string']]), {}, 1, undefined, /nested deeper than 64/],
  ] as const)('%s', async (name, schema, options, line, column, reason) => {
    const e = await fixture(name, schema, options);
    expect(e.file).toBe(name);
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    expect(e.reason).toMatch(reason);
    expect(e.message).toContain(name);
  });

  it.each([
    ['empty.csv', /empty file/],
    ['truncated.csv.gz', /corrupt or truncated gzip/],
    ['data.xlsx', /unsupported file extension ".xlsx"/],
    ['corrupt-footer.parquet', /corrupt Parquet footer/],
  ])('%s (a whole-file problem: file and reason)', async (name, reason) => {
    const e = await fixture(name);
    expect(e.file).toBe(name);
    expect(e.reason).toMatch(reason);
  });

  it('a gzip bomb is stopped by the expanded-bytes cap', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x61), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const e = await drain(bytesOf(bomb, 65536), 'bomb.csv.gz', idName, {
      limits: { maxExpandedBytes: 8 * 1024 * 1024 },
    });
    expect(e.reason).toMatch(/expanded size exceeds the 8388608-byte limit/);
  });

  it('a 50 MB single line is stopped by the line-length cap', async () => {
    async function* fiftyMb(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('id,name\n1,');
      const chunk = new Uint8Array(1024 * 1024).fill(0x62);
      for (let i = 0; i < 50; i++) yield chunk;
    }
    const e = await drain(fiftyMb(), 'long.csv', idName);
    expect(e.line).toBe(2);
    expect(e.reason).toMatch(/line longer than the 16777216-byte limit/);
  });

  it('inference rejects the same corpus (empty, header-only, ragged)', async () => {
    await expect(inferSchema(() => bytesOf(''), 'e.csv')).rejects.toThrow(/empty file/);
    await expect(inferSchema(() => bytesOf('a,b\n'), 'h.csv')).rejects.toThrow(/header only/);
    await expect(inferSchema(() => bytesOf('a,b\n1\n'), 'r.csv')).rejects.toMatchObject({ line: 2 });
  });
});
