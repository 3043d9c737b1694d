import { describe, expect, it } from 'vitest';
import { csvBlocks, csvDialect } from '../../lib/formats/csv-tokenizer.js';
import { resolveFormatOptions } from '../../lib/formats/options.js';
import { bytesOf, roundTrip, schemaOf } from './roundtrip.js';

// The column-at-a-time run loops write straight into the builders' typed arrays (capacity
// reserved once per run); every type must give what the row path gives, nulls included, and a
// value that does not fit must still reach the row path's error report.
const schema = schemaOf([
  ['id', 'long', true],
  ['ok', 'boolean'],
  ['n', 'int'],
  ['day', 'date'],
  ['at', 'timestamptz'],
  ['x', 'double'],
  ['f', 'float'],
  ['s', 'string'],
  ['req', 'int', true],
]);

function line(k: number): string {
  const empty = k % 11 === 0;
  return [
    k,
    empty ? '' : k % 2 === 0 ? 'true' : 'false',
    empty ? '' : -k * 3,
    empty ? '' : `2024-01-${String((k % 28) + 1).padStart(2, '0')}`,
    empty ? '' : `2024-02-03T04:05:${String(k % 60).padStart(2, '0')}.25Z`,
    empty ? '' : (k / 4).toFixed(2),
    empty ? '' : (k / 8).toString(),
    empty ? '' : `s${k}é`.repeat((k % 5) + (k % 13 === 0 ? 10 : 0)),
    k,
  ].join(',');
}

describe('CSV run loops', () => {
  it('parse every primitive type and null like the row path, and report values that do not fit', async () => {
    const lines = ['id,ok,n,day,at,x,f,s,req'];
    for (let k = 0; k < 700; k++) {
      if (k === 100) lines.push('100,maybe,1,2024-01-01,2024-01-01T00:00:00Z,1,1,a,1');
      else if (k === 300) lines.push('300,true,1,2024-01-01,2024-01-01T00:00:00Z,1,1e39,a,1');
      else if (k === 500) lines.push('500,true,1,2024-01-01,2024-01-01T00:00:00Z,1,1,a,');
      else if (k === 600) lines.push('600,true,1,2024-02-30,2024-01-01T00:00:00Z,1,1,a,1');
      else lines.push(line(k));
    }
    const r = await roundTrip('types.csv', `${lines.join('\n')}\n`, {
      schema,
      onError: 'continue',
      options: { batchRows: 128 },
      orderBy: 'id',
    });
    expect(r.rows).toBe(696);
    expect(r.rejected.map((x) => [x.line, x.column])).toEqual([
      [102, 'ok'],
      [302, 'f'],
      [502, 'req'],
      [602, 'day'],
    ]);
    const byId = new Map(r.read.map((row) => [Number(row.id), row]));
    const a = byId.get(7)!;
    expect(a.ok).toBe(false);
    expect(a.n).toBe(-21);
    expect((a.day as Date).toISOString().slice(0, 10)).toBe('2024-01-08');
    expect(new Date(a.at as Date).getTime()).toBe(Date.UTC(2024, 1, 3, 4, 5, 7, 250));
    expect(a.x).toBe(1.75);
    expect(a.f).toBe(0.875);
    expect(a.s).toBe('s7és7é');
    expect(byId.get(13)!.s).toBe('s13é'.repeat(13));
    const empty = byId.get(22)!;
    for (const c of ['ok', 'n', 'day', 'at', 'x', 'f', 's']) expect(empty[c]).toBeNull();
    expect(empty.req).toBe(22);
    expect([...byId.keys()].filter((k) => [100, 300, 500, 600].includes(k))).toEqual([]);
  });

  it('keeps records intact across reused block buffers (tiny chunks, carried records, quoted newlines)', async () => {
    const records: string[][] = [];
    for (let k = 0; k < 300; k++)
      records.push([`r${k}`, k % 9 === 0 ? `multi\nline ${k}, "q"` : `v${k}`, 'x'.repeat(k % 40)]);
    const text = records
      .map((r) => r.map((f) => (/[\n",]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(','))
      .join('\r\n');
    const dialect = csvDialect(resolveFormatOptions(undefined).csv, false);
    const got: string[][] = [];
    const dec = new TextDecoder();
    for await (const b of csvBlocks(bytesOf(text, 5), dialect, resolveFormatOptions(undefined).limits, 't.csv', 97)) {
      // Read the block before pulling the next: its buffer is reused afterwards.
      for (let r = 0; r < b.records; r++) {
        const rec: string[] = [];
        for (let f = b.firstField[r]!; f < b.firstField[r + 1]!; f++)
          rec.push(dec.decode(b.buf.subarray(b.starts[f]!, b.ends[f]!)));
        got.push(rec);
      }
    }
    expect(got).toEqual(records);
  });
});
