/**
 * The backfill suite at full size (2,000 files, as issue 8 asks): `npm run test:full` and CI.
 * `npm test` runs the same suite with 200 files (backfill.test.ts).
 */
process.env.FLOE_BACKFILL_TEST_FILES ??= '2000';
await import('./backfill.test.js');
