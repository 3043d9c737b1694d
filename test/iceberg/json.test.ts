import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../lib/iceberg/json.js';

describe('parseJson', () => {
  it('keeps unsafe integers exact as bigint and safe ones as number', () => {
    const value = parseJson<Record<string, unknown>>(
      '{"a": 3051729675574597004, "b": -9223372036854775808, "c": 9007199254740991, "d": [1, 9223372036854775807]}',
    );
    expect(value.a).toBe(3051729675574597004n);
    expect(value.b).toBe(-9223372036854775808n);
    expect(value.c).toBe(9007199254740991);
    expect(value.d).toEqual([1, 9223372036854775807n]);
  });

  it('leaves digits inside strings, escaped quotes and non-integer numbers alone', () => {
    const text =
      '{"path":"snap-3051729675574597004-1.avro","q":"say \\"12345678901234567890\\" \\\\","k\\"1234567890123456789":1,' +
      '"f":12345678901234567.5,"e":1234567890123456789e2,"n":[12345678901234567890,"x"]}';
    const value = parseJson<Record<string, unknown>>(text);
    expect(value.path).toBe('snap-3051729675574597004-1.avro');
    expect(value.q).toBe('say "12345678901234567890" \\');
    expect(value['k"1234567890123456789']).toBe(1);
    expect(value.f).toBe(Number('12345678901234567.5')); // a double, as JSON.parse reads it
    expect(value.e).toBe(Number('1234567890123456789e2'));
    expect(value.n).toEqual([12345678901234567890n, 'x']);
  });

  it('keeps a `__proto__` key as an own property', () => {
    const value = parseJson<Record<string, unknown>>('{"__proto__": 9223372036854775807}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toBe(9223372036854775807n);
  });

  it('round-trips through stringifyJson and rejects malformed text', () => {
    const text = '{"id":3051729675574597004,"ids":[-1,9223372036854775807],"s":"9223372036854775807"}';
    expect(stringifyJson(parseJson(text))).toBe(text);
    expect(() => parseJson('{"a": 12345678901234567890')).toThrow(SyntaxError);
    expect(() => parseJson('{"a": "unterminated')).toThrow(SyntaxError);
  });
});
