/**
 * JSON values as floe's JSON reader produces them: numbers keep their source text
 * (`JsonNumber`), so a long beyond 2^53 or a decimal like `0.10` is never rounded through a
 * double (invariant 3); objects are `Map`s, so a key like `__proto__` is just a key.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** True when the text is an integer (no fraction, no exponent). */
  get isInteger(): boolean {
    return /^-?\d+$/.test(this.text);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
export type JsonObject = Map<string, JsonValue>;

/** Serializes a parsed JSON value back to JSON text (numbers keep their source text). */
export function toJsonText(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  const parts: string[] = [];
  for (const [k, v] of value) parts.push(`${JSON.stringify(k)}:${toJsonText(v)}`);
  return `{${parts.join(',')}}`;
}
