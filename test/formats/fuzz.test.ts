/** Brief differential fuzzing in `npm test` (issue #19); the long run is fuzz.full.test.ts. */
import { describe, it } from 'vitest';
import { csvProperty, garbageProperty, ndjsonProperty, numberProperty } from './fuzz-readers.js';

describe('differential fuzzing (brief)', () => {
  it('parseDouble reads numerals exactly as Number() does', () => numberProperty(2000));
  it('NDJSON reads back as JSON.parse reads it', { timeout: 30_000 }, () => ndjsonProperty(100));
  it('CSV reads back the values it was written from', { timeout: 30_000 }, () => csvProperty(100));
  it('arbitrary JSON-ish and CSV-ish bytes end in rows or a BadInputError', { timeout: 30_000 }, () =>
    garbageProperty(300),
  );
});
