/**
 * CSV/TSV → Arrow record batches of a target schema. Field bytes from the tokenizer go straight
 * into the column builders; only string columns keep bytes (validated as UTF-8 per batch), other
 * columns are parsed from the bytes without making strings.
 */
import type * as arrow from 'apache-arrow';
import type { Schema } from '../iceberg/types.js';
import { BadInputError } from './bad-input-error.js';
import { BatchAssembler, mapColumns } from './batch-assembler.js';
import { checkColumnCount } from './caps.js';
import { finalColumnNames } from './column-names.js';
import { type CsvBlock, csvBlocks, csvDialect } from './csv-tokenizer.js';
import type { FormatOptions } from './options.js';
import type { RowErrorSink } from './row-errors.js';

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** Reads the header record's names (UTF-8, fatal on invalid bytes). */
export function headerNames(block: CsvBlock, record: number, fileName: string): string[] {
  const names: string[] = [];
  for (let f = block.firstField[record]!; f < block.firstField[record + 1]!; f++) {
    try {
      names.push(fatalUtf8.decode(block.buf.subarray(block.starts[f]!, block.ends[f]!)));
    } catch (e) {
      throw new BadInputError(
        'invalid UTF-8 in the header',
        { file: fileName, line: block.lines[record] },
        { cause: e },
      );
    }
  }
  return names;
}

/** The raw text of a record, for the rejected-rows file. */
export function rawRecord(block: CsvBlock, record: number): string {
  return lenientUtf8.decode(block.buf.subarray(block.recStart[record]!, block.recEnd[record]!)).replace(/\r?\n$/, '');
}

export interface ReaderContext {
  fileName: string;
  target: Schema;
  options: FormatOptions;
  rowErrors: RowErrorSink;
  hiveColumns?: Record<string, string>;
}

/** Streams a (decompressed) CSV or TSV file as record batches of `ctx.target`. */
export async function* readCsv(
  source: AsyncIterable<Uint8Array>,
  ctx: ReaderContext,
  tsv: boolean,
): AsyncGenerator<arrow.RecordBatch> {
  const { options, fileName, target, rowErrors } = ctx;
  const csv = options.csv;
  const dialect = csvDialect(csv, tsv);
  const asm = new BatchAssembler(
    target,
    fileName,
    options.caseInsensitive,
    options.numbers === 'double',
    rowErrors.zoneAdjusted,
  );
  const builders = asm.builders;
  const isString = target.fields.map((f) => f.type === 'string' || f.type === 'binary');
  const markers = csv.nullMarkers.map((m) => new TextEncoder().encode(m));
  const emptyIsNull = markers.some((m) => m.length === 0);
  const otherMarkers = markers.filter((m) => m.length > 0);
  const encoder = new TextEncoder();

  let columns = -1;
  let fileToTarget: Int32Array = new Int32Array(0);
  let absent: { index: number; constant?: Uint8Array }[] = [];
  let sawHeader = false;
  let dataRows = 0;
  const batchRows = options.batchRows;

  const setColumns = (names: string[], line: number | undefined) => {
    const mapping = mapColumns(target, names, fileName, {
      caseInsensitive: options.caseInsensitive,
      hiveColumns: ctx.hiveColumns,
    });
    void line;
    columns = names.length;
    fileToTarget = mapping.fileToTarget;
    absent = mapping.absent.map((a) => ({
      index: a.index,
      constant: a.constant === undefined ? undefined : encoder.encode(a.constant),
    }));
  };

  for await (const block of csvBlocks(source, dialect, options.limits, fileName)) {
    const { buf, starts, ends, flags, firstField, lines } = block;
    let r = 0;
    if (columns < 0) {
      if (csv.header) {
        const names = finalColumnNames(headerNames(block, 0, fileName), fileName, {
          normalize: options.normalizeColumnNames,
          caseInsensitive: options.caseInsensitive,
          line: lines[0],
          maxColumns: options.limits.maxColumns,
        });
        setColumns(names, lines[0]);
        sawHeader = true;
        r = 1;
      } else {
        // No header: columns map by position onto the target's fields.
        const n = firstField[1]! - firstField[0]!;
        checkColumnCount(n, options.limits.maxColumns, { file: fileName, line: lines[0] });
        setColumns(
          target.fields.slice(0, n).map((f) => f.name),
          undefined,
        );
        columns = n;
        fileToTarget = new Int32Array(n).map((_, i) => (i < target.fields.length ? i : -1));
      }
    }
    // Column at a time over runs of well-formed records (one monomorphic loop per builder);
    // a ragged record or a value that does not fit sends its run through the row path below.
    const columnwise = otherMarkers.length === 0 && absent.length === 0;
    let rowPathUntil = r;
    rows: for (; r < block.records; r++) {
      if (columnwise && r >= rowPathUntil) {
        let r1 = Math.min(block.records, r + (batchRows - asm.rows));
        for (let k = r; k < r1; k++) {
          if (firstField[k + 1]! - firstField[k]! !== columns) {
            r1 = k;
            break;
          }
        }
        if (r1 > r) {
          let failed = false;
          for (let c = 0; c < columns && !failed; c++) {
            const t = fileToTarget[c]!;
            if (t < 0) continue;
            const run = {
              buf,
              starts,
              ends,
              flags,
              firstField,
              r0: r,
              r1,
              c,
              emptyIsNull,
              keepQuotedEmpty: isString[t]!,
            };
            failed = builders[t]!.appendCsvColumn(run) >= 0;
          }
          if (!failed) {
            asm.endRows(lines, r, r1);
            dataRows += r1 - r;
            r = r1 - 1;
            if (asm.rows >= batchRows) yield asm.flush();
            continue;
          }
          asm.rollback();
          rowPathUntil = r1;
        } else rowPathUntil = r + 1;
      }
      const f0 = firstField[r]!;
      const n = firstField[r + 1]! - f0;
      const line = lines[r]!;
      if (n !== columns) {
        rowErrors.reject({
          file: fileName,
          line,
          column: String(Math.min(n, columns) + 1),
          value: '',
          reason: `expected ${columns} fields, found ${n}`,
          raw: rawRecord(block, r),
        });
        continue;
      }
      for (let c = 0; c < n; c++) {
        const t = fileToTarget[c]!;
        if (t < 0) continue;
        const b = builders[t]!;
        const f = f0 + c;
        const s = starts[f]!;
        const e = ends[f]!;
        let err: string | null;
        if (s === e) {
          err = emptyIsNull && (flags[f] === 0 || !isString[t]) ? b.appendNull() : b.appendBytes(buf, s, e);
        } else if (otherMarkers.length > 0 && flags[f] === 0 && isMarker(buf, s, e, otherMarkers)) {
          err = b.appendNull();
        } else err = b.appendBytes(buf, s, e);
        if (err !== null) {
          asm.rollback();
          rowErrors.reject({
            file: fileName,
            line,
            column: target.fields[t]!.name,
            value: lenientUtf8.decode(buf.subarray(s, e)),
            reason: err,
            raw: rawRecord(block, r),
          });
          continue rows;
        }
      }
      for (const a of absent) {
        const b = builders[a.index]!;
        const err = a.constant === undefined ? b.appendNull() : b.appendBytes(a.constant, 0, a.constant.length);
        if (err !== null) {
          asm.rollback();
          throw new BadInputError(`column "${target.fields[a.index]!.name}": ${err}`, {
            file: fileName,
            line,
            column: target.fields[a.index]!.name,
          });
        }
      }
      asm.endRow(line);
      dataRows++;
      if (asm.rows >= batchRows) yield asm.flush();
    }
  }
  if (columns < 0) throw new BadInputError('empty file: no records', { file: fileName });
  if (dataRows === 0 && sawHeader) {
    // Rows rejected under on_error=continue are not "no data"; a file that is only a header is.
    if (asm.rows === 0 && !(rowErrors as { rows?: unknown[] }).rows?.length) {
      throw new BadInputError('no data rows: the file has a header only', { file: fileName, line: 2 });
    }
  }
  if (asm.rows > 0) yield asm.flush();
}

function isMarker(buf: Uint8Array, s: number, e: number, markers: Uint8Array[]): boolean {
  outer: for (const m of markers) {
    if (m.length !== e - s) continue;
    for (let k = 0; k < m.length; k++) if (buf[s + k] !== m[k]) continue outer;
    return true;
  }
  return false;
}
