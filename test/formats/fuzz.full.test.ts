/** Long differential fuzzing for `npm run test:full` (issue #19); the brief run is fuzz.test.ts. */
import { describe, it } from 'vitest';
import { csvProperty, garbageProperty, ndjsonProperty, numberProperty } from './fuzz-readers.js';

describe('differential fuzzing (full)', () => {
  it('parseDouble reads numerals exactly as Number() does', { timeout: 300_000 }, () => numberProperty(200_000));
  it('NDJSON reads back as JSON.parse reads it', { timeout: 600_000 }, () => ndjsonProperty(5_000));
  it('CSV reads back the values it was written from', { timeout: 600_000 }, () => csvProperty(5_000));
  it('arbitrary JSON-ish and CSV-ish bytes end in rows or a BadInputError', { timeout: 600_000 }, () =>
    garbageProperty(20_000),
  );
});
