import { describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

const config = () => simConfig([simScenario('a', 10), simScenario('b', 10)], { skill: { name: 'simulated', params: { latencyMs: 5 } } });

describe('createDurableOrchestration', () => {
  it('settles an interrupt that comes before start(), saving the run as paused for a later resume', async () => {
    const store = new MemorySnapshotStore();
    const run = await createDurableOrchestration(config(), { store, id: 'early' });
    await run.interrupt();
    expect(await run.outcome).toEqual({ kind: 'interrupted' });
    expect(await store.load('early')).toMatchObject({ status: 'paused', owner: null });

    const resumed = await resumeOrchestration('early', { store });
    const outcome = await resumed.outcome;
    expect(outcome.kind).toBe('finished');
    if (outcome.kind === 'finished') expect(Object.values(outcome.report.scenarios).map((s) => s.status)).toEqual(['complete', 'complete']);
  });

  it('refuses to create a second orchestration under an id already stored', async () => {
    const store = new MemorySnapshotStore();
    await createDurableOrchestration(config(), { store, id: 'twice' });
    await expect(createDurableOrchestration(config(), { store, id: 'twice' })).rejects.toThrow('orchestration "twice" already exists');
  });

  it('refuses a config naming a skill module it was not given, instead of running the simulated skill', async () => {
    const store = new MemorySnapshotStore();
    await expect(createDurableOrchestration({ ...config(), skill: { module: './my-skill.ts' } }, { store, id: 'module' })).rejects.toThrow(
      'load it with loadSkillModule() and pass { skill }',
    );
    expect(await store.load('module')).toBeUndefined();
  });
});
