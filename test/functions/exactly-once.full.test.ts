/**
 * The exactly-once fault suite at full size (500 files × 10 seeds): `npm run test:full` and CI.
 * `npm test` runs the same suite reduced (exactly-once.test.ts).
 */
process.env.FLOE_FAULT_FILES ??= '500';
process.env.FLOE_FAULT_SEEDS ??= '10';
await import('./exactly-once.test.js');
