import { describe, expect, it } from 'vitest';
import { experimentLines, experimentRunId, findExperimentRuns, newExperimentId, parseExperimentRunId, repeatConfig, repeatSeed } from '../../src/api/experiments.ts';
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

  it('lists each experiment among stored runs with its repeats by status', () => {
    const lines = experimentLines([{ id: 'E.r2', status: 'paused' }, { id: 'orch-1', status: 'complete' }, { id: 'E.r1', status: 'complete' }, { id: 'F.r1', status: 'failed' }]);
    expect(lines).toEqual(['experiment E: 2 stored repeats (1 paused, 1 complete); scenarios report E', 'experiment F: 1 stored repeat (1 failed); scenarios report F']);
  });
});
