import { describe, expect, it } from 'vitest';
import { roundTrip, schemaOf } from './roundtrip.js';

// The CSV reader appends runs of well-formed records column by column and falls back to the row
// path for a run holding a ragged record or a value that does not fit: the result must be exactly
// what the row path alone gives (same rows, same nulls, same rejected rows with their lines).
const schema = schemaOf([
  ['id', 'long', true],
  ['name', 'string'],
  ['qty', 'int'],
]);

function csv(rows: number, bad: Map<number, string>): string {
  const lines = ['id,name,qty'];
  for (let k = 0; k < rows; k++)
    lines.push(bad.get(k) ?? `${k},${k % 5 === 0 ? '""' : k % 7 === 0 ? '' : `n${k}`},${k % 3 === 0 ? '' : k}`);
  return `${lines.join('\n')}\n`;
}

describe('CSV column-at-a-time runs', () => {
  it('keeps good rows around a bad value and a ragged row, and reports both with their lines', async () => {
    const bad = new Map([
      [150, '150,n150,not-a-number'],
      [400, '400,too,many,fields'],
    ]);
    const r = await roundTrip('runs.csv', csv(1000, bad), {
      schema,
      onError: 'continue',
      options: { batchRows: 256 },
      orderBy: 'id',
    });
    expect(r.rows).toBe(998);
    expect(r.rejected.map((x) => [x.line, x.column])).toEqual([
      [152, 'qty'],
      [402, '4'],
    ]);
    const ids = r.read.map((row) => Number(row.id));
    expect(ids).not.toContain(150);
    expect(ids).not.toContain(400);
    expect(ids[149]).toBe(149);
    expect(ids[150]).toBe(151);
    const byId = new Map(r.read.map((row) => [Number(row.id), row]));
    // A quoted "" stays an empty string; an unquoted empty field is null; empty int is null.
    expect(byId.get(5)?.name).toBe('');
    expect(byId.get(7)?.name).toBeNull();
    expect(byId.get(8)?.name).toBe('n8');
    expect(byId.get(3)?.qty).toBeNull();
    expect(byId.get(151)?.qty).toBe(151);
  });

  it('rejects the file at the first bad value under abort, naming its line', async () => {
    await expect(
      roundTrip('runs.csv', csv(600, new Map([[300, '300,x,1.5']])), { schema, options: { batchRows: 256 } }),
    ).rejects.toMatchObject({
      name: 'BadInputError',
      file: 'runs.csv',
      line: 302,
      column: 'qty',
    });
  });
});
