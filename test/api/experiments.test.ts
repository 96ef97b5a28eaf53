import { describe, expect, it } from 'vitest';
import { experimentLines, experimentRunId, experimentStatus, findExperimentRuns, listExperiments, newExperimentId, parseExperimentRunId, repeatConfig, repeatSeed } from '../../src/api/experiments.ts';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';

async function storeWith(ids: readonly string[]): Promise<MemorySnapshotStore> {
  const store = new MemorySnapshotStore();
  for (const id of ids) {
    await store.create({ id, config: {}, skill: { name: 'simulated', version: '1' }, status: 'complete', snapshot: null, machineVersion: '1', xstateVersion: '5', owner: null, leaseExpiresAt: null });
  }
  return store;
}

describe('experiments', () => {
  it('names repeat k of experiment E as E.rk and reads that id back', () => {
    expect(experimentRunId('exp-1a2b3c4d', 3)).toBe('exp-1a2b3c4d.r3');
    expect(parseExperimentRunId('exp-1a2b3c4d.r3')).toEqual({ experimentId: 'exp-1a2b3c4d', index: 3 });
    expect(parseExperimentRunId('nightly.r1.r12')).toEqual({ experimentId: 'nightly.r1', index: 12 });
    expect(parseExperimentRunId('orch-1a2b3c4d')).toBeUndefined();
    expect(parseExperimentRunId('E.r0')).toBeUndefined();
    expect(() => experimentRunId('E', 0)).toThrow('positive integer');
  });

  it('makes experiment ids of exp- and 8 hex digits', () => {
    expect(newExperimentId()).toMatch(/^exp-[0-9a-f]{8}$/);
    expect(newExperimentId()).not.toBe(newExperimentId());
  });

  it("finds an experiment's runs in repeat order, and only its own", async () => {
    const store = await storeWith(['E.r10', 'E.r2', 'orch-x', 'E.r1', 'E.r1.r1', 'EE.r1', 'E.rx', 'F.r1']);
    expect(await findExperimentRuns(store, 'E')).toEqual(['E.r1', 'E.r2', 'E.r10']);
    expect(await findExperimentRuns(store, 'E.r1')).toEqual(['E.r1.r1']);
    expect(await findExperimentRuns(store, 'nothing')).toEqual([]);
  });

  it('gives each repeat its own seed, the same every time, or the one seed with sameData', () => {
    const seeds = Array.from({ length: 100 }, (_, i) => repeatSeed(42, i + 1, false));
    expect(new Set(seeds).size).toBe(100);
    expect(seeds).not.toContain(42);
    expect(seeds.every((s) => Number.isSafeInteger(s) && s >= 0)).toBe(true);
    expect(repeatSeed(42, 3, false)).toBe(seeds[2]);
    expect(repeatSeed(43, 3, false)).not.toBe(seeds[2]);
    expect([1, 2, 3].map((k) => repeatSeed(42, k, true))).toEqual([42, 42, 42]);
  });

  it("makes repeat k's config: its seed, the scenarios rotated by k − 1, and where it belongs, which the config schema accepts", () => {
    const base = parseConfig(defaultConfig);
    const experiment = { id: 'E', repeats: 5, seed: 42, sameData: false };
    const third = repeatConfig(base, experiment, 3);
    expect(third.seed).toBe(repeatSeed(42, 3, false));
    expect(third.scenarios.map((s) => s.name)).toEqual(['complex', 'simple', 'medium']);
    expect(third.experiment).toEqual({ id: 'E', index: 3, of: 5, seed: 42 });
    // Stored with the run and parsed again on resume: the strict schema must take it as it is.
    expect(parseConfig(third)).toEqual(third);
    expect(repeatConfig(base, { ...experiment, sameData: true }, 3).seed).toBe(42);
  });

  it('lists each experiment among stored runs: its status, how many of its planned repeats are stored, and how they stand', async () => {
    const store = new MemorySnapshotStore();
    const row = (id: string, status: 'paused' | 'complete' | 'failed', config: object) =>
      store.create({ id, config, skill: { name: 'simulated', version: '1' }, status, snapshot: null, machineVersion: '1', xstateVersion: '5', owner: null, leaseExpiresAt: null });
    const membership = (index: number) => ({ experiment: { id: 'E', index, of: 3, seed: 42 } });
    await row('E.r2', 'paused', membership(2));
    await row('orch-1', 'complete', {});
    await row('E.r1', 'complete', membership(1));
    await row('F.r1', 'failed', { experiment: { id: 'F', index: 1, of: 1, seed: 1 } });
    const experiments = await listExperiments(store, await store.list());
    expect(experiments.find((e) => e.id === 'E')).toEqual({ kind: 'experiment', id: 'E', status: 'paused', repeats: 3, stored: 2, repeatStatuses: { complete: 1, paused: 1 }, runs: ['E.r1', 'E.r2'] });
    expect(experimentLines(experiments).sort()).toEqual([
      'experiment E: paused, 2 of 3 repeats stored (1 complete, 1 paused); scenarios resume E runs the rest',
      'experiment F: failed, 1 of 1 repeat stored (1 failed); scenarios report F',
    ]);
  });

  it("says an experiment stopped between repeats is paused, and one whose repeats all finished is complete or failed", () => {
    expect(experimentStatus(['complete', 'missing'])).toBe('paused');
    expect(experimentStatus(['complete', 'running', 'missing'])).toBe('running');
    expect(experimentStatus(['complete', 'failed'])).toBe('failed');
    expect(experimentStatus(['complete', 'complete'])).toBe('complete');
  });
});
