import { configDefaults, defineConfig } from 'vitest/config';

// `npm test` is the daily loop (under 5 minutes on two cores); full-size suites live in
// `*.full.test.ts` files and run with `npm run test:full` (FLOE_TEST_FULL=1), which CI also runs.
const full = process.env.FLOE_TEST_FULL === '1';

export default defineConfig({
  test: {
    include: full ? ['test/**/*.full.test.ts'] : ['test/**/*.test.ts'],
    exclude: full ? configDefaults.exclude : [...configDefaults.exclude, 'test/**/*.full.test.ts'],
    testTimeout: full ? 1_800_000 : 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: forks keep parquet-wasm and DuckDB instances isolated per file.
    pool: 'forks',
    maxWorkers: 2,
  },
});
