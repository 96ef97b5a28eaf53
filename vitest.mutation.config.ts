import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant (stryker.config.json, `npm run test:mutation`): fast,
 * in-process unit and model tests of src/machines, src/actors, src/persistence and src/report. Left
 * out: anything that spawns a process, needs Chromium, a Postgres server or a free port, or restarts
 * things (e2e, cli, inspect, the crash and serial durability tests, the Postgres store, crash
 * takeover, lease clock, refused-port and PGlite busy-time tests), which would make a run on 2 cores
 * take hours and flake on a shared machine. A new fast in-process test of those folders belongs here.
 * workerSkill.test.ts is left out too: Stryker's vitest runner forces `pool: 'threads'`, so its check
 * that a scenario which is not isolated runs in the main thread fails there, and a failing test stops
 * the whole run before any mutant is tested.
 */
export default defineConfig({
  test: {
    include: [
      'test/machines/**/*.test.ts',
      'test/actors/**/*.test.ts',
      'test/report/**/*.test.ts',
      'test/persistence/memoryStore.test.ts',
      'test/persistence/pgliteStore.test.ts',
      'test/persistence/leaseKeeper.test.ts',
      'test/persistence/persistedSnapshotSchema.test.ts',
      'test/persistence/snapshotWriter.test.ts',
      'test/persistence/snapshotWriterOutage.test.ts',
      'test/persistence/durableWrites.test.ts',
      'test/persistence/persistence.mutation-gaps.test.ts',
      'test/persistence/snapshotWriter.mutation-gaps.test.ts',
      'test/api/createOrchestration.test.ts',
      'test/api/durableOrchestration.test.ts',
      'test/durability/restoreState.test.ts',
      'test/durability/restoreDeadlines.test.ts',
      'test/durability/snapshotSize.test.ts',
    ],
    exclude: ['test/**/*.serial.test.ts', 'test/**/*.browser.test.ts', 'test/actors/workerSkill.test.ts', 'test/actors/commandSkill.test.ts', 'test/actors/loadSkill.test.ts', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
