import { describe, expect, it } from 'vitest';
import {
  BoundsError,
  bytesToDecimal,
  decimalToBytes,
  deserializeValue,
  serializeValue,
  truncateLowerBound,
  truncateUpperBound,
} from '../../lib/iceberg/bounds.js';
import type { Literal, PrimitiveType } from '../../lib/iceberg/types.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('single-value serialization (spec Appendix D)', () => {
  const cases: [PrimitiveType, Literal, string][] = [
    ['boolean', true, '01'],
    ['boolean', false, '00'],
    ['int', 1, '01000000'],
    ['int', -2, 'feffffff'],
    ['date', 19723, '0b4d0000'],
    ['long', 34n, '2200000000000000'],
    ['long', -9223372036854775808n, '0000000000000080'],
    ['time', 81068000000n, '008307e012000000'],
    ['timestamp', 1510871468000001n, '01c3262d215e0500'],
    ['timestamptz', -1n, 'ffffffffffffffff'],
    ['timestamp_ns', 1510871468000001001n, 'e9bb695f98b1f714'],
    ['timestamptz_ns', 1n, '0100000000000000'],
    ['float', 1.5, '0000c03f'],
    ['double', -2.25, '00000000000002c0'],
    ['string', 'iceberg', '69636562657267'],
    ['string', 'é😀', 'c3a9f09f9880'],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09677c4bbda4793f349cb785e7'],
    ['fixed[3]', new Uint8Array([1, 2, 3]), '010203'],
    ['binary', new Uint8Array([0, 255]), '00ff'],
    ['decimal(9,2)', 1420n, '058c'],
    ['decimal(9,2)', -1n, 'ff'],
    ['decimal(38,10)', 0n, '00'],
    ['decimal(38,10)', 128n, '0080'],
    ['decimal(38,10)', -128n, '80'],
    ['decimal(38,10)', -129n, 'ff7f'],
    ['decimal(38,0)', 10n ** 37n, '0785ee10d5da46d900f436a000000000'],
  ];
  for (const [type, value, bytes] of cases) {
    it(`${type} ${String(value)} ↔ ${bytes}`, () => {
      expect(hex(serializeValue(type, value))).toBe(bytes);
      expect(deserializeValue(type, Buffer.from(bytes, 'hex'))).toEqual(value);
    });
  }

  it('rounds floats to single precision and keeps NaN/-0 distinct on read', () => {
    expect(deserializeValue('float', serializeValue('float', 0.1))).toBe(Math.fround(0.1));
    expect(Object.is(deserializeValue('double', serializeValue('double', -0)), -0)).toBe(true);
  });

  it('decimals use the fewest two-complement bytes', () => {
    for (const v of [0n, 1n, -1n, 127n, 128n, -128n, -129n, 32767n, 32768n, 2n ** 63n, -(2n ** 100n)]) {
      const bytes = decimalToBytes(v);
      expect(bytesToDecimal(bytes)).toBe(v);
      if (bytes.length > 1) expect(bytesToDecimal(bytes.slice(1))).not.toBe(v);
    }
  });

  it('reads legacy 4-byte bounds of promoted long/double columns', () => {
    expect(deserializeValue('long', new Uint8Array([5, 0, 0, 0]))).toBe(5n);
    expect(deserializeValue('double', serializeValue('float', 1.5))).toBe(1.5);
  });

  it('rejects wrong lengths, wrong values and types without a binary form', () => {
    expect(() => deserializeValue('int', new Uint8Array(3))).toThrow(BoundsError);
    expect(() => deserializeValue('uuid', new Uint8Array(15))).toThrow(/16 bytes/);
    expect(() => serializeValue('int', 'x')).toThrow(BoundsError);
    expect(() => serializeValue('fixed[4]', new Uint8Array(3))).toThrow(/3 bytes/);
    expect(() => serializeValue('variant', 1)).toThrow(/no single-value/);
    expect(() => deserializeValue('string', new Uint8Array([0xff]))).toThrow(/UTF-8/);
  });
});

describe('metrics truncation', () => {
  it('lower bound keeps the first W code points / bytes', () => {
    expect(truncateLowerBound('string', 'abcdef', 3)).toBe('abc');
    expect(truncateLowerBound('string', '😀😁😂', 2)).toBe('😀😁');
    expect(truncateLowerBound('string', 'ab', 16)).toBe('ab');
    expect(truncateLowerBound('binary', new Uint8Array([1, 2, 3]), 2)).toEqual(new Uint8Array([1, 2]));
    expect(truncateLowerBound('long', 5n, 1)).toBe(5n);
  });

  it('upper bound increments the last kept code point / byte', () => {
    expect(truncateUpperBound('string', 'abcdef', 3)).toBe('abd');
    expect(truncateUpperBound('string', 'ab', 3)).toBe('ab');
    expect(truncateUpperBound('string', 'a😀x', 2)).toBe('a😁');
    expect(truncateUpperBound('string', 'a\u{10FFFF}x', 2)).toBe('b');
    expect(truncateUpperBound('string', '\u{10FFFF}\u{10FFFF}x', 2)).toBeNull();
    // U+D7FF + 1 would be a surrogate; skip to U+E000.
    expect(truncateUpperBound('string', '\uD7FFzz', 1)).toBe('\uE000');
    expect(truncateUpperBound('binary', new Uint8Array([1, 2, 3]), 2)).toEqual(new Uint8Array([1, 3]));
    expect(truncateUpperBound('binary', new Uint8Array([1, 0xff, 3]), 2)).toEqual(new Uint8Array([2]));
    expect(truncateUpperBound('binary', new Uint8Array([0xff, 0xff, 3]), 2)).toBeNull();
  });

  it('a truncated upper bound still compares ≥ the value', () => {
    const value = 'zebra-crossing';
    const upper = truncateUpperBound('string', value, 4) as string;
    expect(upper > value).toBe(true);
  });
});
