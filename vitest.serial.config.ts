import { defineConfig } from 'vitest/config';

/** Tests that disturb shared services (they restart the Postgres server) run alone, after the rest. */
export default defineConfig({
  test: {
    include: ['test/**/*.serial.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
