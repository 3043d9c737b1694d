/**
 * The lossless JSON parser shared by the catalog client and server (lib/iceberg/json.ts): strings
 * that look like its internal bigint marker stay strings (issue 12: `"\u0000n:7"` became 7 when
 * the body also held a large integer), and any JSON value round-trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../lib/iceberg/json.js';

const BIG = 3051729675574597004n;

describe('lossless JSON', () => {
  it('keeps a marker-like string a string next to a large integer', () => {
    const text = `{"s":"\\u0000n:7","id":${BIG}}`;
    expect(parseJson(text)).toEqual({ s: '\u0000n:7', id: BIG });
    expect(parseJson(`["\\u0000n:7","\\uE000n:8",${BIG}]`)).toEqual(['\u0000n:7', '\ue000n:8', BIG]);
    expect(stringifyJson({ s: '\u0000n:7', id: BIG })).toBe(`{"s":"\\u0000n:7","id":${BIG}}`);
  });

  it('round-trips any value with strings and unsafe integers (property)', () => {
    const markerish = fc.constantFrom('\u0000n:7', '\u0000n:-12', '\ue000n:3', '\u0000n:', 'n:5');
    const leaf = fc.oneof(
      fc.string(),
      markerish,
      fc.integer(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).filter((b) => b > 2n ** 53n || b < -(2n ** 53n)),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        const text = stringifyJson(v);
        expect(parseJson(text)).toEqual(v);
        expect(stringifyJson(parseJson(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
