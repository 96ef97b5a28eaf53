import { defineConfig } from 'vitest/config';

/**
 * The Postgres server's store tests, run only when DATABASE_URL names a server (as in CI): they are the
 * only tests that reach PostgresSnapshotStore, openStore's server path and the store errors, and on a
 * server each takes milliseconds, where PGlite's take seconds. Without a server they would skip, and
 * their mutants would be reported as having no coverage.
 */
const serverTests = process.env.DATABASE_URL ? ['test/persistence/postgresStore.test.ts', 'test/persistence/postgresSilent.test.ts'] : [];

/**
 * The tests StrykerJS runs against each mutant (stryker.config.json, `npm run test:mutation`): fast,
 * in-process unit and model tests of src/machines, src/actors, src/persistence and src/report, plus the
 * skill loaders' tests (they start a worker thread or a short child process per test: seconds, not
 * minutes). Left out: the e2e, CLI, inspector and browser tests, the crash and serial durability tests,
 * crash takeover, the lease clock, the refused port and PGlite busy-time tests, which spawn the CLI,
 * restart things or wait real time, and would make a run on 2 cores take many hours and flake on a
 * shared machine. A new fast test of those folders belongs here.
 */
export default defineConfig({
  test: {
    include: [
      'test/machines/**/*.test.ts',
      'test/actors/**/*.test.ts',
      'test/report/**/*.test.ts',
      'test/persistence/memoryStore.test.ts',
      'test/persistence/pgliteStore.test.ts',
      'test/persistence/pgliteThread.test.ts',
      'test/persistence/batchCache.test.ts',
      'test/persistence/leaseKeeper.test.ts',
      'test/persistence/persistedSnapshotSchema.test.ts',
      'test/persistence/migrations.test.ts',
      'test/persistence/snapshotWriter.test.ts',
      'test/persistence/snapshotWriterOutage.test.ts',
      'test/persistence/durableWrites.test.ts',
      'test/persistence/*.mutation-gaps.test.ts',
      ...serverTests,
      'test/api/createOrchestration.test.ts',
      'test/api/durableOrchestration.test.ts',
      // The only tests of remote batches' rows (worker, workerBusyMs) and their replay: 280 ms.
      'test/api/remoteWorkerNames.test.ts',
      'test/durability/restoreState.test.ts',
      'test/durability/restoreDeadlines.test.ts',
      'test/durability/snapshotSize.test.ts',
    ],
    exclude: ['test/**/*.serial.test.ts', 'test/**/*.browser.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
