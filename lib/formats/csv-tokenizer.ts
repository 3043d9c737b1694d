/**
 * A byte-level CSV/TSV tokenizer (RFC 4180 plus the usual dialect options). It finds field
 * boundaries in a block of bytes and records them in typed arrays, one block at a time: no
 * strings, no per-row objects, no splitting of lines. Quoted fields with escapes are unescaped
 * in place once their record is known to be complete.
 *
 * Records never straddle blocks: an incomplete record at the end of a block is carried into the
 * next, and the carry is only rescanned once the input behind it has doubled, so a long
 * (multi-line) record costs linear time. The carry is capped by `maxLineBytes`.
 */
import { BadInputError } from './bad-input-error.js';
import { LimitExceededError } from './caps.js';
import type { CsvOptions, FormatLimits } from './options.js';
import { recordBlocks } from './record-blocks.js';

/** The records of one block; fields index into `buf`. */
export interface CsvBlock {
  buf: Uint8Array;
  records: number;
  /** Per record: index of its first field in `starts`/`ends`/`flags`, and one more at the end. */
  firstField: Int32Array;
  /** Per record: 1-based line where it starts. */
  lines: Int32Array;
  /** Per record: byte range of the raw record (for rejected-row reports). */
  recStart: Int32Array;
  recEnd: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  /** Per field: bit 0 quoted, bit 1 unescaped in place (content changed). */
  flags: Uint8Array;
}

const LF = 0x0a;
const CR = 0x0d;

export interface CsvDialect {
  delimiter: number;
  quote: number;
  escape: number;
  /** -1 when there is no comment character. */
  comment: number;
  skipLines: number;
}

/** Resolves the dialect bytes; TSV defaults the delimiter to a tab. */
export function csvDialect(csv: CsvOptions, tsv: boolean): CsvDialect {
  const code = (s: string) => {
    const c = s.charCodeAt(0);
    if (c > 127) throw new Error(`CSV dialect characters must be ASCII, got ${JSON.stringify(s)}`);
    return c;
  };
  // TSV has no quoting unless a quote is configured (-1 matches no byte).
  const quote = csv.quote === undefined ? (tsv ? -1 : 0x22) : code(csv.quote);
  return {
    delimiter: code(csv.delimiter ?? (tsv ? '\t' : ',')),
    quote,
    escape: csv.escape === undefined ? quote : code(csv.escape),
    comment: csv.comment === undefined ? -1 : code(csv.comment),
    skipLines: csv.skipLines,
  };
}

function growI32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
function growU8(a: Uint8Array<ArrayBuffer>, need: number): Uint8Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** Streams `source` as blocks of complete CSV records. */
export async function* csvBlocks(
  source: AsyncIterable<Uint8Array>,
  dialect: CsvDialect,
  limits: FormatLimits,
  fileName: string,
  blockBytes = 1 << 20,
): AsyncGenerator<CsvBlock> {
  const t = new CsvTokenizer(dialect, limits, fileName);
  // A block is fully consumed before the next is drained, so its buffer can be reused.
  yield* recordBlocks(source, (buf, start, final) => t.tokenize(buf, start, final), { blockBytes, reuseBuffers: true });
}

/** The tokenizer state that survives between blocks (line numbers, lines still to skip). */
export class CsvTokenizer {
  line = 1;
  private skip: number;
  private firstField = new Int32Array(4096);
  private lines = new Int32Array(4096);
  private recStart = new Int32Array(4096);
  private recEnd = new Int32Array(4096);
  private starts = new Int32Array(65536);
  private ends = new Int32Array(65536);
  private flags = new Uint8Array(65536);

  constructor(
    private readonly d: CsvDialect,
    private readonly limits: FormatLimits,
    private readonly fileName: string,
  ) {
    this.skip = d.skipLines;
  }

  private tooLong(line: number): never {
    throw new LimitExceededError(
      `line longer than the ${this.limits.maxLineBytes}-byte limit (limits.maxLineBytes)`,
      'limits.maxLineBytes',
      { file: this.fileName, line },
    );
  }

  /** Tokenizes complete records of `buf[start..]`; `consumed` says where the carry begins. */
  tokenize(buf: Uint8Array, start: number, final: boolean): CsvBlock & { consumed: number } {
    const { delimiter, quote, escape: escapeChar, comment } = this.d;
    const maxStop = Math.max(delimiter, LF, CR);
    const end = buf.length;
    const maxLine = this.limits.maxLineBytes;
    let pos = start;
    let records = 0;
    let nf = 0;
    let line = this.line;
    // Title lines before the header.
    while (this.skip > 0 && pos < end) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0) {
        if (!final) {
          if (end - pos > maxLine) this.tooLong(line);
          this.line = line;
          return this.result(buf, 0, pos);
        }
        pos = end;
        break;
      }
      pos = lf + 1;
      line++;
      this.skip--;
    }
    let firstField = this.firstField;
    let starts = this.starts;
    let ends = this.ends;
    let flags = this.flags;
    let lines = this.lines;
    let recStarts = this.recStart;
    let recEnds = this.recEnd;
    outer: while (pos < end) {
      const recStart = pos;
      const recNf = nf;
      let newlines = 0;
      let escaped = false;
      if (buf[pos] === comment) {
        const lf = buf.indexOf(LF, pos);
        if (lf < 0 && !final) break;
        pos = lf < 0 ? end : lf + 1;
        line++;
        continue;
      }
      let p = pos;
      for (;;) {
        if (nf + 1 >= starts.length) {
          starts = this.starts = growI32(starts, nf + 2);
          ends = this.ends = growI32(ends, nf + 2);
          flags = this.flags = growU8(flags, nf + 2);
        }
        if (p < end && buf[p] === quote) {
          const s = p + 1;
          let q = s;
          let esc = 0;
          for (;;) {
            if (q >= end) {
              if (!final) {
                if (end - recStart > maxLine) this.tooLong(line);
                nf = recNf;
                break outer;
              }
              throw new BadInputError('unterminated quoted field', {
                file: this.fileName,
                line,
                column: nf - recNf + 1,
              });
            }
            const c = buf[q]!;
            if (c === quote) {
              if (escapeChar === quote) {
                if (q + 1 >= end && !final) {
                  nf = recNf;
                  break outer;
                }
                if (buf[q + 1] === quote) {
                  esc = 2;
                  q += 2;
                  continue;
                }
              }
              break;
            }
            if (c === escapeChar) {
              esc = 2;
              q += 2;
              continue;
            }
            if (c === LF) newlines++;
            q++;
          }
          starts[nf] = s;
          ends[nf] = q;
          flags[nf] = 1 | esc;
          if (esc !== 0) escaped = true;
          nf++;
          p = q + 1;
          if (p < end) {
            const c = buf[p];
            if (c !== delimiter && c !== LF && c !== CR) {
              throw new BadInputError('unexpected character after a closing quote', {
                file: this.fileName,
                line: line + newlines,
                column: nf - recNf,
              });
            }
          }
        } else {
          const s = p;
          while (p < end) {
            const c = buf[p]!;
            // Most bytes of a field (digits, letters, '-', '.', ':') sort above every stop byte.
            if (c > maxStop) {
              p++;
              continue;
            }
            if (c === delimiter || c === LF || c === CR) break;
            p++;
          }
          starts[nf] = s;
          ends[nf] = p;
          flags[nf] = 0;
          nf++;
        }
        // p is at a delimiter, a line end, or the end of the buffer.
        if (p >= end) {
          if (!final) {
            if (end - recStart > maxLine) this.tooLong(line);
            nf = recNf;
            break outer;
          }
          pos = end;
          break;
        }
        const c = buf[p];
        if (c === delimiter) {
          p++;
          continue;
        }
        if (c === CR) {
          if (p + 1 >= end && !final) {
            nf = recNf;
            break outer;
          }
          pos = buf[p + 1] === LF ? p + 2 : p + 1;
        } else pos = p + 1;
        break;
      }
      const recLen = pos - recStart;
      if (recLen > maxLine) this.tooLong(line);
      // A blank line (one empty unquoted field) is not a record.
      if (nf - recNf === 1 && starts[recNf] === ends[recNf] && flags[recNf] === 0) {
        nf = recNf;
        line += 1 + newlines;
        continue;
      }
      if (records + 2 > firstField.length) {
        firstField = this.firstField = growI32(firstField, records + 2);
        lines = this.lines = growI32(lines, records + 2);
        recStarts = this.recStart = growI32(recStarts, records + 2);
        recEnds = this.recEnd = growI32(recEnds, records + 2);
      }
      firstField[records] = recNf;
      lines[records] = line;
      recStarts[records] = recStart;
      recEnds[records] = pos;
      records++;
      line += 1 + newlines;
      // Unescape now that the record is complete (never before: an incomplete record is rescanned).
      if (escaped) {
        for (let k = recNf; k < nf; k++) if (flags[k]! & 2) ends[k] = this.unescape(buf, starts[k]!, ends[k]!);
      }
    }
    firstField[records] = nf;
    this.line = line;
    // Whatever path stopped at an incomplete record (a block ending inside `""` pairs, a CR),
    // the carried tail never outgrows the line cap (issue #19: a 1 GiB field of `""`).
    if (!final && end - pos > maxLine) this.tooLong(line);
    return this.result(buf, records, pos);
  }

  private result(buf: Uint8Array, records: number, consumed: number): CsvBlock & { consumed: number } {
    return {
      buf,
      records,
      consumed,
      firstField: this.firstField,
      lines: this.lines,
      recStart: this.recStart,
      recEnd: this.recEnd,
      starts: this.starts,
      ends: this.ends,
      flags: this.flags,
    };
  }

  /** Removes escape characters in place; returns the new end. */
  private unescape(buf: Uint8Array, s: number, e: number): number {
    const { quote, escape: escapeChar } = this.d;
    let w = s;
    for (let r = s; r < e; r++) {
      const c = buf[r]!;
      if ((c === escapeChar || (escapeChar === quote && c === quote)) && r + 1 < e) {
        buf[w++] = buf[++r]!;
      } else buf[w++] = c;
    }
    return w;
  }
}
