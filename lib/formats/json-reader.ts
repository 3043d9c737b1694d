/**
 * JSON (NDJSON, concatenated objects, or a top-level array) → Arrow record batches of a target
 * schema. Top-level keys are matched to columns on their bytes (the common same-order case costs
 * one byte comparison per key); scalar values go to the builders as bytes, nested values are
 * parsed into `JsonValue`s for struct/list/map columns (or kept as JSON text for string columns).
 */
import type * as arrow from 'apache-arrow';
import { BadInputError } from './bad-input-error.js';
import { BatchAssembler, mapColumns } from './batch-assembler.js';
import type { ReaderContext } from './csv-reader.js';
import { JsonCursor, JsonSyntaxError, jsonBlocks } from './json-tokenizer.js';

const lenient = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** Streams a (decompressed) JSON file as record batches of `ctx.target`. */
export async function* readJson(
  source: AsyncIterable<Uint8Array>,
  ctx: ReaderContext,
): AsyncGenerator<arrow.RecordBatch> {
  const { options, fileName, target, rowErrors } = ctx;
  const asm = new BatchAssembler(
    target,
    fileName,
    options.caseInsensitive,
    options.numbers === 'double',
    rowErrors.zoneAdjusted,
  );
  const builders = asm.builders;
  const ci = options.caseInsensitive;
  const rawColumn = options.json.rawColumn;
  const rawIndex = rawColumn === undefined ? -1 : target.fields.findIndex((f) => f.name === rawColumn);
  // Every target column is "in the file" (JSON has no header); absent keys are null per row.
  const names = target.fields.map((f) => f.name);
  const mapping = mapColumns(
    target,
    names.filter((n) => !(ctx.hiveColumns && n in ctx.hiveColumns)),
    fileName,
    { caseInsensitive: ci, hiveColumns: ctx.hiveColumns },
  );
  const constants = new Map<number, Uint8Array>();
  for (const a of mapping.absent) if (a.constant !== undefined) constants.set(a.index, encoder.encode(a.constant));
  const keyBytes = target.fields.map((f) => encoder.encode(ci ? f.name.toLowerCase() : f.name));
  const byName = new Map<string, number>(target.fields.map((f, i) => [ci ? f.name.toLowerCase() : f.name, i]));
  const isString = target.fields.map((f) => f.type === 'string');
  const isNested = target.fields.map((f) => typeof f.type !== 'string');
  const seen = new Int32Array(target.fields.length).fill(-1);
  let rowNo = 0;
  let records = 0;

  // One cursor and one reject function for the file: nothing is allocated per record.
  const cur = new JsonCursor(new Uint8Array(0), 0, 0);
  let buf: Uint8Array = cur.buf;
  let line = 0;
  let s = 0;
  let e = 0;
  const reject = (column: string, value: string, reason: string) => {
    asm.rollback();
    rowErrors.reject({ file: fileName, line, column, value, reason, raw: lenient.decode(buf.subarray(s, e)) });
  };

  for await (const block of jsonBlocks(source, fileName, options.limits, options.json.maxDepth)) {
    buf = block.buf;
    rows: for (let r = 0; r < block.records; r++) {
      s = block.starts[r]!;
      e = block.ends[r]!;
      line = block.lines[r]!;
      records++;
      rowNo++;
      cur.reset(buf, s, e);
      if (buf[s] !== 0x7b) {
        reject('', lenient.decode(buf.subarray(s, Math.min(e, s + 200))), 'record is not a JSON object');
        continue;
      }
      let expect = 0;
      try {
        cur.pos++;
        cur.ws();
        if (buf[cur.pos] === 0x7d) cur.pos++;
        else
          for (;;) {
            cur.ws();
            if (buf[cur.pos] !== 0x22) cur.fail('expected a string key');
            const kEnd = cur.stringEnd();
            const escaped = cur.escaped;
            const k0 = cur.pos + 1;
            const k1 = kEnd - 1;
            let col = -1;
            // Fast path: keys in the same order as the columns, compared as bytes.
            if (!escaped && !ci && expect < keyBytes.length && sameBytes(buf, k0, k1, keyBytes[expect]!)) col = expect;
            else {
              const key = cur.readString();
              cur.pos = k0 - 1;
              col = byName.get(ci ? key.toLowerCase() : key) ?? -1;
            }
            cur.pos = kEnd;
            cur.ws();
            if (buf[cur.pos] !== 0x3a) cur.fail('expected ":"');
            cur.pos++;
            cur.ws();
            if (col < 0 || col === rawIndex || constants.has(col)) cur.skipValue();
            else {
              expect = col + 1;
              if (seen[col] === rowNo) {
                reject(target.fields[col]!.name, '', 'duplicate key in object');
                continue rows;
              }
              seen[col] = rowNo;
              const err = appendJsonValue(cur, col);
              if (err !== null) {
                reject(target.fields[col]!.name, err.value, err.reason);
                continue rows;
              }
            }
            cur.ws();
            const d = buf[cur.pos];
            cur.pos++;
            if (d === 0x2c) continue;
            if (d === 0x7d) break;
            cur.pos--;
            cur.fail('expected "," or "}"');
          }
        cur.ws();
        if (cur.pos !== e) cur.fail('unexpected data after the object');
      } catch (err) {
        if (err instanceof JsonSyntaxError) {
          reject(
            '',
            lenient.decode(buf.subarray(err.offset, Math.min(e, err.offset + 40))),
            `invalid JSON: ${err.message}`,
          );
          continue;
        }
        throw err;
      }
      for (let c = 0; c < builders.length; c++) {
        if (seen[c] === rowNo) continue;
        const b = builders[c]!;
        const constant = constants.get(c);
        const err =
          c === rawIndex
            ? b.appendBytes(buf, s, e)
            : constant !== undefined
              ? b.appendBytes(constant, 0, constant.length)
              : b.appendNull();
        if (err !== null) {
          reject(target.fields[c]!.name, '', err);
          continue rows;
        }
      }
      asm.endRow(line);
      if (asm.rows >= options.batchRows) yield asm.flush();
    }
  }
  if (records === 0) throw new BadInputError('empty file: no JSON records', { file: fileName });
  if (asm.rows > 0) yield asm.flush();

  function appendJsonValue(cur: JsonCursor, col: number): { value: string; reason: string } | null {
    const b = builders[col]!;
    const c = buf0(cur);
    const start = cur.pos;
    let err: string | null;
    if (c === 0x22) {
      const end = cur.stringEnd();
      if (!cur.escaped) {
        cur.pos = end;
        err = b.appendBytes(cur.buf, start + 1, end - 1);
      } else {
        // An escape that is no text (a lone surrogate) is this column's error, not the record's.
        let value: string | undefined;
        try {
          value = cur.readString();
        } catch (e) {
          if (!(e instanceof JsonSyntaxError)) throw e;
          cur.pos = end;
          return { value: lenient.decode(cur.buf.subarray(start, Math.min(end, start + 200))), reason: e.message };
        }
        err = b.appendString(value);
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (isString[col]) {
        cur.skipValue();
        err = b.appendBytes(cur.buf, start, cur.pos); // keep the JSON text as it was
      } else err = b.appendValue(cur.value(1));
    } else {
      const e = cur.tokenEnd();
      cur.pos = e;
      const n = e - start;
      const b0 = cur.buf[start];
      if (n === 4 && b0 === 0x6e) err = b.appendNull();
      else if ((n === 4 && b0 === 0x74) || (n === 5 && b0 === 0x66)) err = b.appendValue(b0 === 0x74);
      else if (isNested[col]) {
        cur.pos = start;
        err = b.appendValue(cur.value(1));
      } else err = b.appendBytes(cur.buf, start, e);
    }
    if (err === null) return null;
    return { value: lenient.decode(cur.buf.subarray(start, Math.min(cur.pos, start + 200))), reason: err };
  }
}

function buf0(cur: JsonCursor): number {
  return cur.buf[cur.pos]!;
}

function sameBytes(buf: Uint8Array, s: number, e: number, key: Uint8Array): boolean {
  if (e - s !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (buf[s + k] !== key[k]) return false;
  return true;
}
