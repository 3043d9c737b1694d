import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: forks keep parquet-wasm and DuckDB instances isolated per file.
    pool: 'forks',
    maxWorkers: 2,
  },
});
