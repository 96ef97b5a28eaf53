import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { skipCluster, useThrowawayCluster } from '../support/postgresCluster.ts';
import { timedSkill } from '../support/timedSkill.ts';

const slowSkill = timedSkill({ latencyMs: 25 });

const scenario = (name: string) => oneItemScenario(name, 40);

// A server of its own (never DATABASE_URL's): restarting a shared server would break everyone else using it.
describe.skipIf(skipCluster('a Postgres server restart mid-run'))('a Postgres server restart mid-run', () => {
  const cluster = useThrowawayCluster();

  it('loses no batch: the run carries on when the server is back and every batch has its row', async () => {
    const url = cluster.url;
    const store = await openStore(url);
    const id = `restart-${Date.now()}`;
    try {
      const run = await createDurableOrchestration({ scenarios: [scenario('a'), scenario('b'), scenario('c')] }, { store, skill: slowSkill, id });
      let restart: Promise<unknown> | undefined;
      run.subscribe((e) => {
        if (!restart && e.type === 'batch.settled' && e.progress.batchCount === 8) restart = cluster.restart();
      });
      run.start();
      const outcome = await run.outcome;
      expect(restart).toBeDefined();
      await restart;
      expect(outcome.kind).toBe('finished');
      if (outcome.kind !== 'finished') return;
      for (const name of ['a', 'b', 'c']) expect(outcome.report.scenarios[name]).toMatchObject({ status: 'complete', itemsProcessed: 40, batchCount: 40 });

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ scenario: string; n: string }>(
          'SELECT scenario, count(DISTINCT batch_index) AS n FROM batch_results WHERE orchestration_id = $1 GROUP BY scenario ORDER BY scenario',
          [id],
        );
        expect(rows.map((r) => [r.scenario, Number(r.n)])).toEqual([['a', 40], ['b', 40], ['c', 40]]);
        const saved = await client.query<{ status: string }>('SELECT status FROM orchestrations WHERE id = $1', [id]);
        expect(saved.rows[0]?.status).toBe('complete');
      } finally {
        await client.end();
      }
    } finally {
      await store.close();
    }
  });
});
