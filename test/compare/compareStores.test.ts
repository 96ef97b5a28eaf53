import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Skill } from '../../src/actors/skill.ts';
import { experimentRunId } from '../../src/api/experiments.ts';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { compareStored } from '../../src/compare/compareStored.ts';
import { loadSide, requireFinished, resolveRef } from '../../src/compare/loadSide.ts';
import { renderComparison } from '../../src/compare/renderComparison.ts';
import { ComparisonSchema, type Comparison } from '../../src/compare/schema.ts';
import type { ScenarioDefinitionInput } from '../../src/config/schema.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

/** Scores each batch `base` plus a seeded draw in [0, 0.1), and reports its own `f1` metric beside it. */
function scoring(base: number): Skill {
  return {
    name: 'scoring',
    version: base.toFixed(2),
    run(_items, ctx) {
      return Promise.resolve({ qualityScore: base + ctx.random() * 0.1, metrics: { f1: base + ctx.random() * 0.05 } });
    },
  };
}

const SCENARIOS: ScenarioDefinitionInput[] = [simScenario('one', 24, { qualityMetrics: ['accuracy', 'f1'] }), simScenario('two', 12, { qualityMetrics: ['accuracy', 'coverage'] })];

async function runOnce(store: SnapshotStore, id: string, base: number, seed: number, scenarios = SCENARIOS): Promise<void> {
  const run = await createDurableOrchestration(simConfig(scenarios, { seed, barriers: { at: [], timeoutMs: 1_000 } }), { store, skill: scoring(base), id });
  run.start();
  expect((await run.outcome).kind).toBe('finished');
}

async function compare(store: SnapshotStore, a: string, b: string): Promise<Comparison> {
  const comparison = await compareStored(store, a, b);
  // What --json prints is the schema's shape.
  return ComparisonSchema.parse(comparison);
}

const figure = (c: Comparison, scenario: string, name: string) => c.scenarios.find((s) => s.scenario === scenario)?.figures.find((f) => f.figure === name);

describe.each([
  ['MemorySnapshotStore', (): Promise<SnapshotStore> => Promise.resolve(new MemorySnapshotStore())],
  ['PgliteSnapshotStore (memory://)', (): Promise<SnapshotStore> => PgliteSnapshotStore.open('memory://')],
])('compare on %s', { timeout: 60_000 }, (_name, open) => {
  let store: SnapshotStore;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('finds a 0.1 fall of quality significant, per batch, and no difference between two seeds of the same skill', async () => {
    await runOnce(store, 'good', 0.85, 1);
    await runOnce(store, 'worse', 0.75, 1);
    await runOnce(store, 'again', 0.85, 2);
    const fell = await compare(store, 'good', 'worse');
    expect(fell.a).toMatchObject({ kind: 'run', id: 'good', baseline: null, runs: ['good'], sampleUnit: 'batch', skill: { name: 'scoring', version: '0.85' } });
    expect(fell.scenarios.map((s) => s.scenario)).toEqual(['one', 'two']);
    // Figures both sides measure: the scenario's own metrics, overall quality, time and throughput.
    expect(fell.scenarios[0]?.figures.map((f) => f.figure)).toEqual(['quality', 'accuracy', 'f1', 'timePerItem', 'throughput']);
    expect(fell.scenarios[1]?.figures.map((f) => f.figure)).toEqual(['quality', 'accuracy', 'coverage', 'timePerItem', 'throughput']);
    const accuracy = figure(fell, 'one', 'accuracy');
    expect(accuracy?.a?.n).toBe(24);
    expect(accuracy?.difference?.estimate).toBeCloseTo(-0.1, 1);
    expect(accuracy?.difference?.significant).toBe(true);
    expect(accuracy?.difference?.ci95?.high).toBeLessThan(0);
    expect(figure(fell, 'one', 'f1')?.difference?.significant).toBe(true);
    expect(figure(fell, 'two', 'coverage')?.difference).toMatchObject({ estimate: 0, significant: false });

    const same = await compare(store, 'good', 'again');
    for (const scenario of ['one', 'two']) {
      const quality = figure(same, scenario, 'quality');
      expect(quality?.difference?.significant).toBe(false);
      expect(Math.abs(quality?.difference?.estimate ?? 1)).toBeLessThan(0.03);
    }
    expect(renderComparison(fell)).toMatch(/^ {2}accuracy +score +0\.9\d* \(n 24\) +0\.8\d* \(n 24\) +-0\.1\d* +-1\d(\.\d)?% +-0\.\d+ … -0\.\d+ +<0\.001 +yes$/m);
  });

  it('resolves a baseline name, says which it took when a name is both a run and a baseline, and lists scenarios on one side only', async () => {
    await runOnce(store, 'base', 0.85, 1);
    await runOnce(store, 'other', 0.85, 1, [SCENARIOS[0] as ScenarioDefinitionInput, simScenario('three', 4)]);
    expect(await store.saveBaseline({ name: 'main', kind: 'run', ref: 'base' })).toBeUndefined();
    const viaBaseline = await compare(store, 'main', 'other');
    expect(viaBaseline.a).toMatchObject({ ref: 'main', kind: 'run', id: 'base', baseline: 'main' });
    expect(viaBaseline.scenarios.map((s) => s.scenario)).toEqual(['one']);
    expect(viaBaseline.onlyIn).toEqual({ a: ['two'], b: ['three'] });
    expect(renderComparison(viaBaseline)).toContain('Only in a (not compared): two\nOnly in b (not compared): three');

    await store.saveBaseline({ name: 'other', kind: 'run', ref: 'base' });
    const ambiguous = await compare(store, 'base', 'other');
    expect(ambiguous.b).toMatchObject({ kind: 'run', id: 'other', baseline: null });
    expect(ambiguous.notes).toContain('b: "other" is a run and a baseline (of run base): taken as a run');

    await expect(resolveRef(store, 'nothing')).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('no run, experiment or baseline "nothing"') as string });
    await store.saveBaseline({ name: 'stale', kind: 'run', ref: 'gone' });
    await expect(loadSide(store, await resolveRef(store, 'stale'))).rejects.toThrow('baseline "stale" points at run "gone", which is not in');
  });

  it('compares experiments one value per repeat', async () => {
    for (const k of [1, 2, 3]) await runOnce(store, experimentRunId('exp-good', k), 0.85, k);
    for (const k of [1, 2, 3]) await runOnce(store, experimentRunId('exp-bad', k), 0.7, k);
    const comparison = await compare(store, 'exp-good', 'exp-bad');
    expect(comparison.a).toMatchObject({ kind: 'experiment', id: 'exp-good', runs: ['exp-good.r1', 'exp-good.r2', 'exp-good.r3'], sampleUnit: 'repeat' });
    const accuracy = figure(comparison, 'one', 'accuracy');
    expect(accuracy?.a?.n).toBe(3);
    expect(accuracy?.difference?.estimate).toBeCloseTo(-0.15, 1);
    expect(accuracy?.difference?.significant).toBe(true);
    // A run against an experiment: said to mix batch and run spread.
    const mixed = await compare(store, 'exp-good', 'exp-bad.r1');
    expect(mixed.notes.join('\n')).toContain("a's samples are per repeat and b's per batch");
  });

  it('refuses a run that is still running as a reference', async () => {
    const run = await createDurableOrchestration(simConfig([simScenario('slow', 2)], { barriers: { at: [], timeoutMs: 1_000 } }), {
      store,
      id: 'busy',
      skill: { name: 'never', version: '1', run: (_items, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))) },
    });
    run.start();
    try {
      await expect(requireFinished(store, await resolveRef(store, 'busy'))).rejects.toMatchObject({ code: 'usage', message: expect.stringMatching(/^run "busy" is still running/) as string });
    } finally {
      await run.interrupt();
      await run.outcome;
    }
  });
});
