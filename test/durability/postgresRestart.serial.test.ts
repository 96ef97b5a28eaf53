import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';

const url = process.env.DATABASE_URL;
const canRestart = Boolean(url) && existsSync('/etc/postgresql') && existsSync('/usr/bin/pg_ctlcluster');

/** Asynchronous, so batches keep finishing (and their writes keep failing and retrying) while the server is down. */
function restartServer(): Promise<unknown> {
  const version = readdirSync('/etc/postgresql')[0] ?? '';
  return promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart']);
}

const slowSkill = defineSkill({
  name: 'slow',
  version: '1',
  run: async (items, ctx) => {
    await new Promise((r) => setTimeout(r, 25));
    return { qualityScore: 0.7 + ctx.random() * 0.3, processed: items.length };
  },
});

const scenario = (name: string) => oneItemScenario(name, 40);

describe.runIf(canRestart)('a Postgres server restart mid-run', () => {
  it('loses no batch: the run carries on when the server is back and every batch has its row', async () => {
    const store = await openStore(url);
    const id = `restart-${Date.now()}`;
    try {
      const run = await createDurableOrchestration({ scenarios: [scenario('a'), scenario('b'), scenario('c')] }, { store, skill: slowSkill, id });
      let restart: Promise<unknown> | undefined;
      run.subscribe((e) => {
        if (!restart && e.type === 'batch.settled' && e.progress.batchCount === 8) restart = restartServer();
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
