/**
 * Differential fuzz targets for the CSV and NDJSON readers and the number parser (issue #19):
 * floe's answer is compared with an outside parser's (`Number()`, `JSON.parse`) or with the
 * values a record was written from. `npm test` runs a few hundred cases per property
 * (fuzz.test.ts); `npm run test:full` runs many more (fuzz.full.test.ts).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { readBatches } from '../../lib/formats/read-batches.js';
import { RowErrorCollector } from '../../lib/formats/row-errors.js';
import { parseDouble } from '../../lib/formats/scalar-parse.js';
import { bytesOf, schemaOf } from './roundtrip.js';

const encoder = new TextEncoder();

/** Decimal numerals as `Number()` reads them: sign, digits, point, exponent, leading zeros. */
export const numericText = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.stringMatching(/^\d{0,25}$/),
    // Zero runs then digits: tiny values with few significant digits (the fast path's edge).
    fc.option(
      fc.tuple(fc.integer({ min: 0, max: 40 }), fc.stringMatching(/^\d{0,20}$/)).map(([z, d]) => '0'.repeat(z) + d),
      { nil: undefined },
    ),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 400 })), {
      nil: undefined,
    }),
  )
  .map(([sign, int, frac, exp]) => {
    let t = sign + int;
    if (frac !== undefined) t += `.${frac}`;
    if (exp !== undefined) t += `${exp[0]}${exp[1]}${exp[2]}`;
    return t;
  })
  .filter((t) => /\d/.test(t.replace(/[eE].*$/, '')));

/** parseDouble agrees with `Number()` on every numeral whose value is finite. */
export function numberProperty(numRuns: number): void {
  fc.assert(
    fc.property(numericText, (text) => {
      const expected = Number(text);
      if (!Number.isFinite(expected)) return;
      const bytes = encoder.encode(text);
      expect(Object.is(parseDouble(bytes, 0, bytes.length), expected), text).toBe(true);
    }),
    { numRuns },
  );
}

/** Text with what breaks tokenizers: quotes, delimiters, line ends, backslashes, non-ASCII. */
const nastyString = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', ',', '\n', '\r', '\t', '\\', ' ', '{', '}', '[', ']', ':', 'é', '€', '😀', '\u2028'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 30,
});
const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });

interface Row {
  s: string | null;
  n: number | null;
  i: number | null;
  b: boolean | null;
}
const rows = fc.array(
  fc.record({
    s: fc.option(nastyString, { nil: null }),
    n: fc.option(finiteDouble, { nil: null }),
    i: fc.option(fc.integer(), { nil: null }),
    b: fc.option(fc.boolean(), { nil: null }),
  }),
  { minLength: 1, maxLength: 30 },
);
const schema = schemaOf([
  ['s', 'string'],
  ['n', 'double'],
  ['i', 'long'],
  ['b', 'boolean'],
]);

async function readAll(bytes: Uint8Array, name: string, chunk: number): Promise<Row[]> {
  const out: Row[] = [];
  for await (const batch of readBatches(bytesOf(bytes, chunk), name, schema, {}, new RowErrorCollector('abort'))) {
    for (const r of batch.toArray()) {
      const v = r.toJSON() as { s: string | null; n: number | null; i: bigint | null; b: boolean | null };
      out.push({ s: v.s, n: v.n, i: v.i === null ? null : Number(v.i), b: v.b });
    }
  }
  return out;
}

/** NDJSON: every record reads back as `JSON.parse` reads its line (key order shuffled). */
export async function ndjsonProperty(numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(rows, fc.integer({ min: 1, max: 64 }), fc.boolean(), async (records, chunk, reverse) => {
      const lines = records.map((r) => {
        const entries = Object.entries(r).filter(([, v]) => v !== null || reverse);
        return JSON.stringify(Object.fromEntries(reverse ? entries.reverse() : entries));
      });
      const expected = lines.map((l) => {
        const o = JSON.parse(l) as Partial<Row>;
        return { s: o.s ?? null, n: o.n ?? null, i: o.i ?? null, b: o.b ?? null };
      });
      const got = await readAll(encoder.encode(`${lines.join('\n')}\n`), 'fuzz.ndjson', chunk);
      expect(got.map(normalize)).toEqual(expected.map(normalize));
    }),
    { numRuns },
  );
}

/** CSV (RFC 4180, every string quoted): every record reads back as the values it was written from. */
export async function csvProperty(numRuns: number): Promise<void> {
  const cell = (v: unknown) => (v === null ? '' : typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : String(v));
  await fc.assert(
    fc.asyncProperty(
      rows,
      fc.integer({ min: 1, max: 64 }),
      fc.constantFrom('\n', '\r\n'),
      async (records, chunk, eol) => {
        const text = `s,n,i,b${eol}${records.map((r) => [r.s, r.n, r.i, r.b].map(cell).join(',')).join(eol)}${eol}`;
        const got = await readAll(encoder.encode(text), 'fuzz.csv', chunk);
        // The outside parser for numbers: Number() of the text written.
        const expected = records.map((r) => ({ ...r, n: r.n === null ? null : Number(String(r.n)) }));
        expect(got.map(normalize)).toEqual(expected.map(normalize));
      },
    ),
    { numRuns },
  );
}

/** -0 and 0 compare equal in the value check (JSON.stringify(-0) is "0"). */
function normalize(r: Row): Row {
  return { ...r, n: r.n === 0 ? 0 : r.n };
}

/**
 * Arbitrary JSON-ish or CSV-ish bytes: inference and reading end (no hang) with rows or a
 * `BadInputError`, never another error (the stray-`}` hang of issue #19 was such an input).
 */
export async function garbageProperty(numRuns: number): Promise<void> {
  const { inferSchema } = await import('../../lib/formats/infer.js');
  const { BadInputError } = await import('../../lib/formats/bad-input-error.js');
  const garbage = fc.string({
    unit: fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', 'a', '1', '-', '.', 'e', ' ', '\n', '\r', 'é', 'u'),
    maxLength: 60,
  });
  await fc.assert(
    fc.asyncProperty(
      garbage,
      fc.constantFrom('g.ndjson', 'g.csv'),
      fc.integer({ min: 1, max: 16 }),
      async (text, name, chunk) => {
        const bytes = encoder.encode(text);
        try {
          const target = await inferSchema(() => bytesOf(bytes, chunk), name);
          for await (const _ of readBatches(bytesOf(bytes, chunk), name, target, {}, new RowErrorCollector('continue')))
            void _;
        } catch (e) {
          if (!(e instanceof BadInputError)) throw e;
        }
      },
    ),
    { numRuns },
  );
}
