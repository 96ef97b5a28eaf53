import { describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { PostgresSnapshotStore } from '../../src/persistence/PostgresSnapshotStore.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { skipCluster, useThrowawayCluster } from '../support/postgresCluster.ts';
import { timedSkill } from '../support/timedSkill.ts';

const skill = timedSkill({ latencyMs: 20 });
const scenario = (name: string) => oneItemScenario(name, 60);

// A server of its own (never DATABASE_URL's): stopping a shared server would break everyone else using it.
describe.skipIf(skipCluster('the Postgres server gone for longer than the retry window'))('the Postgres server gone for longer than the retry window', () => {
  const cluster = useThrowawayCluster();

  it('pauses the run with store-failed after the bounded wait, and a resume once it is back finishes with every batch', async () => {
    const url = cluster.url;
    const id = `down-${Date.now()}`;
    const store = await PostgresSnapshotStore.open({ connectionString: url, retryForMs: 1500 });
    let stopped = false;
    try {
      const run = await createDurableOrchestration({ barriers: { at: [] }, scenarios: [scenario('a'), scenario('b')] }, { store, skill, id, leaseMs: 500 });
      let stopping: Promise<unknown> | undefined;
      run.subscribe((e) => {
        if (!stopping && e.type === 'batch.settled' && e.progress.batchCount === 10) stopping = cluster.stop();
      });
      run.start();
      const t0 = Date.now();
      const outcome = await run.outcome;
      await stopping;
      stopped = true;
      expect(outcome.kind).toBe('store-failed');
      if (outcome.kind === 'store-failed') expect(outcome.error.message).toMatch(/unavailable/);
      expect(Date.now() - t0).toBeLessThan(20_000);
    } finally {
      if (stopped) await cluster.start();
      await store.close();
    }

    for (let i = 0; i < 50; i++) {
      try {
        const probe = await PostgresSnapshotStore.open({ connectionString: url, retryForMs: 200 });
        await probe.close();
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await new Promise((r) => setTimeout(r, 600)); // the dead run's lease lapses
    const again = await PostgresSnapshotStore.open({ connectionString: url });
    try {
      const resumed = await resumeOrchestration(id, { store: again, skill, leaseMs: 500 });
      const outcome = await resumed.outcome;
      expect(outcome.kind).toBe('finished');
      if (outcome.kind === 'finished') {
        expect(outcome.report.scenarios.a).toMatchObject({ status: 'complete', itemsProcessed: 60, batchCount: 60 });
        expect(outcome.report.scenarios.b).toMatchObject({ status: 'complete', itemsProcessed: 60, batchCount: 60 });
      }
    } finally {
      await again.close();
    }
  });
});
