import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCwd, startCli } from '../support/cliProcess.ts';
import { skipCluster, useThrowawayCluster } from '../support/postgresCluster.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A server of its own (never DATABASE_URL's): stopping a shared server would break everyone else using it.
describe.skipIf(skipCluster('scenarios run while its Postgres server goes away'))('scenarios run while its Postgres server goes away', () => {
  const cluster = useThrowawayCluster();

  it('says when the store is unreachable and when it is back, then gives up at the window and says how to resume (exit 1)', async () => {
    const config = join(cliCwd(), 'outage-config.json');
    const scenario = (name: string) => ({
      name, difficulty: 'easy', complexityMultiplier: 1, inputSize: 400, timeBudgetSeconds: 300, memoryLimitMb: 1e6, errorTolerance: 0,
      skillParams: { batchSize: 1 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'],
    });
    writeFileSync(config, JSON.stringify({ seed: 1, skill: { name: 'simulated', params: { latencyMs: 40 } }, barriers: { at: [] }, scenarios: [scenario('a')] }));
    const cli = startCli(['run', config, '--db', cluster.url, '--id', `cli-outage-${Date.now()}`], { SCENARIOS_STORE_RETRY_MS: '4000' });
    let down = false;
    try {
      await cli.waitFor(/^orchestration /m);
      await sleep(500);
      // Shorter than the window: told, and told when it is back.
      down = true;
      await cluster.stop();
      await cli.waitFor(/store unreachable since \d\d:\d\d:\d\d \(.+\), retrying \(gives up after 4 s\)…/, 1, 5_000);
      await sleep(1_000);
      await cluster.start();
      down = false;
      await cli.waitFor(/store back after \d+\.\d s/, 1, 10_000);
      await sleep(500);
      // Longer than the window: gives up when it ends, not when the server returns.
      down = true;
      await cluster.stop();
      const stopped = Date.now();
      const code = await cli.exited;
      const waited = Date.now() - stopped;
      expect(code, cli.stderr()).toBe(1);
      expect(cli.stderr()).toMatch(/\npaused: the store stayed unreachable for 4 s; resume with scenarios resume cli-outage-\d+\n$/);
      expect(cli.stderr().match(/store unreachable since/g)).toHaveLength(2);
      expect(waited).toBeLessThan(4_000 + 3_000);
    } finally {
      if (down) await cluster.start();
    }
  }, 60_000);
});
