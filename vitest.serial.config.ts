import { defineConfig } from 'vitest/config';

/**
 * For tests that cannot share the machine with others (`*.serial.test.ts`): they run alone, one file at a
 * time, after the parallel suite. None needs that today: the server restart and outage tests start a
 * throw-away PostgreSQL cluster of their own (test/support/postgresCluster.ts), so they run in parallel.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.serial.test.ts'],
    fileParallelism: false,
    passWithNoTests: true,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
