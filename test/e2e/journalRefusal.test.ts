import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { runCli, tempWorkspace } from '../support/cliProcess.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

describe('scenarios resume over a forged journal row (CLI)', () => {
  it('fails with the refusal itself, not "store unavailable": exit 1, one line, the row saved as paused with its lease released', async () => {
    const workspace = tempWorkspace('scenarios-forged-');
    try {
      const db = join(workspace.dir, 'db');
      const config = simConfig([simScenario('a', 40, { memoryLimitMb: 1e6 }), simScenario('b', 40, { memoryLimitMb: 1e6 })], {
        skill: { name: 'simulated', params: { latencyMs: 5 } },
        barriers: { at: [], timeoutMs: 1_000 },
      });
      let store = await PgliteSnapshotStore.open(db);
      let next: number;
      try {
        const first = await createDurableOrchestration(config, { store, id: 'forged' });
        first.start();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await first.interrupt();
        expect((await first.outcome).kind).toBe('interrupted');
        next = (await store.loadBatches('forged', 'a', 0)).length;
        expect(next).toBeLessThan(40);
        // A batch of 1 claiming 999,999 items at quality 42.
        await store.recordBatch({ orchestrationId: 'forged', scenario: 'a', batchIndex: next, attempt: 1, items: 999_999, itemsFailed: 0, qualityScore: 42, result: {}, startedAt: 1, finishedAt: 2 });
      } finally {
        await store.close();
      }

      const { code, stdout, stderr } = await runCli(['resume', 'forged', '--db', db, '--json'], { NO_COLOR: '1' }, workspace.dir);

      expect(code, stderr).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).not.toMatch(STACK_LINE);
      expect(stderr).not.toContain('unavailable');
      const failed = stderr.split('\n').filter((line) => line.startsWith('failed: '));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toContain(`refusing to replay the batch journal of orchestration "forged", scenario "a", batch ${next}:`);
      expect(failed[0]).toContain('items: 999999 is not the size of batch');
      expect(failed[0]).toMatch(/; resume with scenarios resume forged once that is fixed$/);

      store = await PgliteSnapshotStore.open(db);
      try {
        const row = await store.load('forged');
        expect(row?.status).toBe('paused');
        expect(row?.owner).toBeNull();
      } finally {
        await store.close();
      }
    } finally {
      workspace.dispose();
    }
  }, 240_000);
});
