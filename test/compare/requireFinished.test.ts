import { describe, expect, it } from 'vitest';
import type { Skill } from '../../src/actors/skill.ts';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { experimentRunId } from '../../src/api/experiments.ts';
import { requireFinished, resolveRef } from '../../src/compare/loadSide.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

const quick: Skill = { name: 'quick', version: '1', run: () => Promise.resolve({ qualityScore: 0.9 }) };
/** Never settles until aborted: a run of it can only be interrupted (paused). */
const stuck: Skill = { name: 'quick', version: '1', run: (_items, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))) };

const config = (experiment?: { id: string; index: number }): OrchestrationConfigInput =>
  simConfig([simScenario('one', 3)], {
    barriers: { at: [], timeoutMs: 1_000 },
    ...(experiment ? { repeat: 3, experiment: { id: experiment.id, index: experiment.index, of: 3, seed: 1 } } : {}),
  });

async function finish(store: MemorySnapshotStore, id: string, input: OrchestrationConfigInput): Promise<void> {
  const run = await createDurableOrchestration(input, { store, skill: quick, id });
  run.start();
  expect((await run.outcome).kind).toBe('finished');
}

async function pause(store: MemorySnapshotStore, id: string, input: OrchestrationConfigInput): Promise<void> {
  const run = await createDurableOrchestration(input, { store, skill: stuck, id });
  run.start();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await run.interrupt();
  await run.outcome;
  expect((await store.load(id))?.status).toBe('paused');
}

describe('a baseline or a gate reference must be finished (baseline save, --against)', { timeout: 30_000 }, () => {
  it('refuses a paused run, saying to resume it first', async () => {
    const store = new MemorySnapshotStore();
    await pause(store, 'half', config());
    await expect(requireFinished(store, await resolveRef(store, 'half'))).rejects.toMatchObject({
      code: 'usage',
      message: 'run "half" is paused, not finished: resume it first (scenarios resume half), then use it',
    });
    await finish(store, 'whole', config());
    await expect(requireFinished(store, await resolveRef(store, 'whole'))).resolves.toHaveLength(1);
  });

  it('refuses an experiment with a paused repeat and one not run yet, naming both', async () => {
    const store = new MemorySnapshotStore();
    await finish(store, experimentRunId('exp', 1), config({ id: 'exp', index: 1 }));
    await pause(store, experimentRunId('exp', 2), config({ id: 'exp', index: 2 }));
    await expect(requireFinished(store, await resolveRef(store, 'exp'))).rejects.toMatchObject({
      code: 'usage',
      message: 'experiment "exp" is not finished: 2 of its 3 repeats did not run to the end (exp.r2 (paused) and exp.r3 (not run yet)): resume it first (scenarios resume exp), then use it',
    });
  });
});
