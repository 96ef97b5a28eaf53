import { describe, expect, it } from 'vitest';
import { loadAbSkill } from '../../src/ab/loadAbSkill.ts';
import { simulatedSkill } from '../../src/actors/simulatedSkill.ts';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

const skills = [
  { name: 'simulated', params: { latencyMs: 1 } },
  { name: 'simulated', params: { latencyMs: 2 } },
];

describe('resuming an A/B run', () => {
  it('refuses one skill in place of the pair, and resumes both versions from the stored config', async () => {
    const store = new MemorySnapshotStore();
    const config = { ...simConfig([simScenario('a', 40)]), skills };
    const loaded = await loadAbSkill(skills);
    const run = await createDurableOrchestration(config, { store, id: 'ab-resume', skill: loaded.skill });
    await run.interrupt();
    expect(await run.outcome).toEqual({ kind: 'interrupted' });

    await expect(resumeOrchestration('ab-resume', { store, skill: simulatedSkill })).rejects.toThrow(
      'orchestration "ab-resume" is an A/B run (A/B: simulated@1.0.0 {"latencyMs":1} vs simulated@1.0.0 {"latencyMs":2}): it resumes both versions from its stored config',
    );
    expect(await store.load('ab-resume')).toMatchObject({ status: 'paused', owner: null });

    const resumed = await resumeOrchestration('ab-resume', { store });
    const outcome = await resumed.outcome;
    expect(outcome.kind).toBe('finished');
    if (outcome.kind === 'finished') expect(outcome.report.ab?.scenarios.a?.pairedBatches).toBe(40);
  });
});
