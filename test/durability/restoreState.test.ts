import { describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { copyAtCrash } from '../support/crashCopy.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { timedSkill } from '../support/timedSkill.ts';

const until = async (check: () => boolean) => {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
};

describe('what a restore keeps', () => {
  it('keeps a paused scenario paused, its milestones and their times, while the others finish', async () => {
    const live = new MemorySnapshotStore();
    const skill = timedSkill({ latencyMs: 10 });
    const wallStart = Date.now();
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
    const DOWN_MS = 300;
    await new Promise((r) => setTimeout(r, DOWN_MS)); // the process is down

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
      // The time down is reported, and a's elapsed time leaves it out (it would be within a few ms of the wall time otherwise).
      expect(outcome.report.downtimeMs).toBeGreaterThanOrEqual(DOWN_MS);
      expect(outcome.report.downtimeMs).toBeLessThan(DOWN_MS + 5_000);
      expect(outcome.report.scenarios.a?.elapsedMs).toBeLessThanOrEqual(Date.now() - wallStart - DOWN_MS);
    }
  });
});
