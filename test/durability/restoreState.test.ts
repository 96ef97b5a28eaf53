import { describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { timedSkill } from '../support/timedSkill.ts';

/** What a crash leaves behind: the stored row and journal as they are at that moment, and no process. */
async function copyAtCrash(from: MemorySnapshotStore, id: string, names: string[]): Promise<MemorySnapshotStore> {
  const row = await from.load(id);
  if (!row) throw new Error('no row');
  const to = new MemorySnapshotStore();
  await to.create({ ...row, owner: null, leaseExpiresAt: null });
  // Bring the copy to the same version, so the resumed writer's optimistic check starts where the row is.
  for (let v = 0; v < row.version; v++) await to.save(id, { snapshot: row.snapshot, status: row.status, expectedVersion: v });
  for (const name of names) for (const batch of await from.loadBatches(id, name, 0)) await to.recordBatch(batch);
  return to;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('what a restore keeps', () => {
  it('keeps a paused scenario paused, its milestones and their times, while the others finish', async () => {
    const live = new MemorySnapshotStore();
    const skill = timedSkill({ latencyMs: 10 });
    const run = await createDurableOrchestration({ barriers: { at: [] }, scenarios: [oneItemScenario('a', 40), oneItemScenario('b', 40)] }, { store: live, skill, id: 'keep' });
    run.start();
    const a = () => run.progress()[0] as ScenarioProgress;
    await until(() => a().batchCount >= 15);
    run.pause('a');
    await until(() => a().status === 'paused');
    const before = a();
    await new Promise((r) => setTimeout(r, 50)); // let the coalesced writer save the paused state
    const crashed = await copyAtCrash(live, 'keep', ['a', 'b']);
    await run.interrupt();

    const resumed = await resumeOrchestration('keep', { store: crashed, skill });
    const restoredA = resumed.progress()[0] as ScenarioProgress;
    expect(restoredA.status).toBe('paused');
    expect(restoredA.milestonesReached).toEqual(before.milestonesReached);
    expect(restoredA.milestoneElapsedMs).toEqual(before.milestoneElapsedMs);
    expect(restoredA.batchCount).toBe(before.batchCount);

    await until(() => resumed.progress()[1]?.status === 'complete');
    expect(resumed.progress()[0]?.batchCount).toBe(before.batchCount);
    resumed.resume('a');
    const outcome = await resumed.outcome;
    expect(outcome.kind).toBe('finished');
    if (outcome.kind === 'finished') {
      expect(outcome.report.scenarios.a).toMatchObject({ status: 'complete', itemsProcessed: 40, batchCount: 40 });
      expect(outcome.report.scenarios.a?.milestoneElapsedMs['30']).toBe(before.milestoneElapsedMs['30']);
      expect(outcome.report.downtimeMs).toBeGreaterThanOrEqual(0);
    }
  });
});
