/**
 * JSON records from a byte stream: NDJSON (one object per line), concatenated or pretty-printed
 * objects, and a top-level array of objects, told apart by the first non-blank byte. A
 * structural scan (strings and nesting only) finds each record's byte range; records never
 * straddle blocks, nesting deeper than `maxDepth` and records longer than `maxLineBytes` reject
 * the file. `parseJsonValue` then parses one value from bytes, keeping numbers as text.
 */
import { BadInputError } from './bad-input-error.js';
import { LimitExceededError } from './caps.js';
import { JsonNumber, type JsonObject, type JsonValue } from './json-value.js';
import { recordBlocks } from './record-blocks.js';

export interface JsonBlock {
  buf: Uint8Array;
  records: number;
  starts: Int32Array;
  ends: Int32Array;
  lines: Int32Array;
}

const LF = 0x0a;
const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Splits a stream into blocks of complete top-level JSON records. */
export async function* jsonBlocks(
  source: AsyncIterable<Uint8Array>,
  fileName: string,
  limits: { maxLineBytes: number },
  maxDepth: number,
  blockBytes = 1 << 20,
): AsyncGenerator<JsonBlock> {
  const s = new JsonSplitter(fileName, limits.maxLineBytes, maxDepth);
  yield* recordBlocks(source, (buf, start, final) => s.split(buf, start, final), { blockBytes });
  s.finish();
}

class JsonSplitter {
  line = 1;
  /** undefined until the first value: then whether the file is one top-level array. */
  private array: boolean | undefined;
  private arrayClosed = false;
  private starts = new Int32Array(4096);
  private ends = new Int32Array(4096);
  private lines = new Int32Array(4096);

  constructor(
    private readonly fileName: string,
    private readonly maxLine: number,
    private readonly maxDepth: number,
  ) {}

  finish(): void {
    if (this.array === true && !this.arrayClosed)
      throw new BadInputError('unterminated JSON array', { file: this.fileName, line: this.line });
  }

  private overCap(reason: string, limit: string, line: number): never {
    throw new LimitExceededError(reason, limit, { file: this.fileName, line });
  }

  private error(reason: string, line: number): never {
    throw new BadInputError(reason, { file: this.fileName, line });
  }

  split(buf: Uint8Array, start: number, final: boolean): JsonBlock & { consumed: number } {
    const end = buf.length;
    let pos = start;
    let line = this.line;
    let records = 0;
    const done = () => {
      // Whatever path left the tail incomplete, the carry never outgrows the record cap.
      if (!final && end - pos > this.maxLine)
        this.overCap(
          `record longer than the ${this.maxLine}-byte limit (limits.maxLineBytes)`,
          'limits.maxLineBytes',
          line,
        );
      this.line = line;
      return { buf, records, starts: this.starts, ends: this.ends, lines: this.lines, consumed: pos };
    };
    for (;;) {
      // Skip blanks (and array punctuation) up to the next record.
      let p = pos;
      let l = line;
      while (p < end) {
        const c = buf[p]!;
        if (c === LF) l++;
        else if (!isWs(c)) {
          if (this.array === undefined) {
            this.array = c === 0x5b;
            if (this.array) {
              p++;
              continue;
            }
          }
          if (this.array && (c === 0x2c || c === 0x5d)) {
            if (c === 0x5d) this.arrayClosed = true;
            p++;
            continue;
          }
          break;
        }
        p++;
      }
      pos = p;
      line = l;
      if (p >= end) return done();
      if (this.arrayClosed) this.error('unexpected data after the closing "]" of the top-level array', line);
      // Scan one value.
      const s = p;
      let depth = 0;
      let nl = 0;
      let complete = false;
      while (p < end) {
        const c = buf[p]!;
        if (c === 0x22) {
          // String: find the closing quote not preceded by an odd number of backslashes.
          let q = p + 1;
          for (;;) {
            q = buf.indexOf(0x22, q);
            if (q < 0) break;
            let b = q - 1;
            while (buf[b] === 0x5c) b--;
            if ((q - 1 - b) % 2 === 0) break;
            q++;
          }
          if (q < 0) {
            p = end;
            break;
          }
          for (let k = p; k < q; k++) if (buf[k] === LF) nl++;
          p = q + 1;
          if (depth === 0) {
            complete = true;
            break;
          }
          continue;
        }
        if (c === 0x7b || c === 0x5b) {
          if (++depth > this.maxDepth)
            this.overCap(`JSON nested deeper than ${this.maxDepth} levels (json.maxDepth)`, 'json.maxDepth', line + nl);
        } else if (c === 0x7d || c === 0x5d) {
          if (depth === 0) {
            // End of the enclosing array for a scalar element, or stray.
            complete = true;
            break;
          }
          if (--depth === 0) {
            p++;
            complete = true;
            break;
          }
        } else if (depth === 0 && (isWs(c) || c === 0x2c)) {
          complete = true;
          break;
        } else if (c === LF) nl++;
        p++;
      }
      if (p === s) {
        // A stray `}`, `]` or `,` where a record should start: framing, not a record. (Left as a
        // zero-length record it was never consumed, and the splitter looped forever: issue #19.)
        this.error(`unexpected ${JSON.stringify(String.fromCharCode(buf[s]!))} where a JSON record should start`, line);
      }
      if (!complete) {
        if (!final) {
          if (end - s > this.maxLine)
            this.overCap(
              `record longer than the ${this.maxLine}-byte limit (limits.maxLineBytes)`,
              'limits.maxLineBytes',
              line,
            );
          pos = s;
          return done();
        }
        if (depth > 0) this.error('unexpected end of JSON input (unterminated object, array or string)', line);
      }
      if (p - s > this.maxLine)
        this.overCap(
          `record longer than the ${this.maxLine}-byte limit (limits.maxLineBytes)`,
          'limits.maxLineBytes',
          line,
        );
      if (records + 1 >= this.starts.length) {
        const grow = (a: Int32Array) => {
          const b = new Int32Array(a.length * 2);
          b.set(a);
          return b;
        };
        this.starts = grow(this.starts);
        this.ends = grow(this.ends);
        this.lines = grow(this.lines);
      }
      this.starts[records] = s;
      this.ends[records] = p;
      this.lines[records] = line;
      records++;
      line += nl;
      pos = p;
    }
  }
}

/** A JSON syntax error inside one record. */
export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** With the `u` flag a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /[\ud800-\udfff]/u;
const NUMBER_RE = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A cursor over one record's bytes. */
export class JsonCursor {
  /** Whether the string last scanned by `stringEnd` had escapes. */
  escaped = false;

  constructor(
    public buf: Uint8Array,
    public pos: number,
    public end: number,
  ) {}

  /** Points the cursor at another record (one cursor serves a whole file: no allocation per record). */
  reset(buf: Uint8Array, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  ws(): void {
    const b = this.buf;
    while (this.pos < this.end && isWs(b[this.pos]!)) this.pos++;
  }

  fail(msg: string): never {
    throw new JsonSyntaxError(msg, this.pos);
  }

  /** The end (exclusive) of the string starting at `pos` (a quote); whether it has escapes goes to `escaped`. */
  stringEnd(): number {
    const b = this.buf;
    let q = this.pos + 1;
    let escaped = false;
    for (;;) {
      if (q >= this.end) this.fail('unterminated string');
      const c = b[q]!;
      if (c === 0x22) {
        this.escaped = escaped;
        return q + 1;
      }
      if (c === 0x5c) {
        escaped = true;
        q += 2;
        continue;
      }
      if (c < 0x20) this.fail('control character in string');
      q++;
    }
  }

  readString(): string {
    const end = this.stringEnd();
    const escaped = this.escaped;
    const s = this.pos;
    this.pos = end;
    let text: string;
    try {
      text = utf8.decode(this.buf.subarray(escaped ? s : s + 1, escaped ? end : end - 1));
    } catch {
      this.pos = s;
      this.fail('invalid UTF-8 in string');
    }
    if (!escaped) return text;
    let value: string;
    try {
      value = JSON.parse(text) as string;
    } catch {
      this.pos = s;
      return this.fail('invalid escape in string');
    }
    // `\ud800` without its pair is valid JSON but no Unicode text: UTF-8 would store U+FFFD
    // silently (issue #19), so it is rejected like invalid UTF-8.
    if (LONE_SURROGATE.test(value)) {
      this.pos = s;
      this.fail('lone surrogate escape in string (not valid Unicode)');
    }
    return value;
  }

  /** End (exclusive) of a scalar token (number, true, false, null) at `pos`. */
  tokenEnd(): number {
    const b = this.buf;
    let q = this.pos;
    while (q < this.end) {
      const c = b[q]!;
      if (c === 0x2c || c === 0x7d || c === 0x5d || isWs(c)) break;
      q++;
    }
    return q;
  }

  /** Skips one value and returns its end. */
  skipValue(): number {
    const c = this.buf[this.pos];
    if (c === 0x22) {
      this.pos = this.stringEnd();
    } else if (c === 0x7b || c === 0x5b) {
      this.value(0); // nested: parse fully (validates)
    } else this.pos = this.tokenEnd();
    return this.pos;
  }

  /** Parses one value at `pos`. */
  value(depth: number): JsonValue {
    this.ws();
    if (this.pos >= this.end) this.fail('unexpected end of record');
    const b = this.buf;
    const c = b[this.pos]!;
    if (c === 0x22) return this.readString();
    if (c === 0x7b) {
      this.pos++;
      const obj: JsonObject = new Map();
      this.ws();
      if (b[this.pos] === 0x7d) {
        this.pos++;
        return obj;
      }
      for (;;) {
        this.ws();
        if (b[this.pos] !== 0x22) this.fail('expected a string key');
        const key = this.readString();
        this.ws();
        if (b[this.pos] !== 0x3a) this.fail('expected ":"');
        this.pos++;
        obj.set(key, this.value(depth + 1));
        this.ws();
        const d = b[this.pos];
        this.pos++;
        if (d === 0x2c) continue;
        if (d === 0x7d) return obj;
        this.pos--;
        this.fail('expected "," or "}"');
      }
    }
    if (c === 0x5b) {
      this.pos++;
      const arr: JsonValue[] = [];
      this.ws();
      if (b[this.pos] === 0x5d) {
        this.pos++;
        return arr;
      }
      for (;;) {
        arr.push(this.value(depth + 1));
        this.ws();
        const d = b[this.pos];
        this.pos++;
        if (d === 0x2c) continue;
        if (d === 0x5d) return arr;
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
    const e = this.tokenEnd();
    const text = String.fromCharCode(...b.subarray(this.pos, Math.min(e, this.pos + 400)));
    if (text === 'true' || text === 'false' || text === 'null') {
      this.pos = e;
      return text === 'null' ? null : text === 'true';
    }
    if (!NUMBER_RE.test(text)) this.fail(`unexpected token ${JSON.stringify(text.slice(0, 40))}`);
    this.pos = e;
    return new JsonNumber(text);
  }
}

/** Parses one complete JSON value from `buf[start, end)`. */
export function parseJsonValue(buf: Uint8Array, start: number, end: number): JsonValue {
  const c = new JsonCursor(buf, start, end);
  const v = c.value(0);
  c.ws();
  if (c.pos !== end) c.fail('unexpected data after the value');
  return v;
}

/** Parses JSON text (a CSV cell holding a struct or list). */
export function parseJsonText(text: string): JsonValue {
  const bytes = new TextEncoder().encode(text);
  return parseJsonValue(bytes, 0, bytes.length);
}
