import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Skill } from '../../src/actors/skill.ts';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { experimentRunId } from '../../src/api/experiments.ts';
import { compareStored } from '../../src/compare/compareStored.ts';
import { compareSides, type LoadedSide } from '../../src/compare/compareSides.ts';
import type { Comparison } from '../../src/compare/schema.ts';
import type { ScenarioDefinitionInput } from '../../src/config/schema.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

/** Each batch sleeps `ms` and scores 0.8. */
function sleeping(ms: number): Skill {
  return { name: 'sleeping', version: String(ms), run: async (_items, ctx) => (await sleep(ms, undefined, { signal: ctx.signal }), { qualityScore: 0.8 }) };
}

async function runOnce(store: SnapshotStore, id: string, skill: Skill, scenario: ScenarioDefinitionInput): Promise<void> {
  const run = await createDurableOrchestration(simConfig([scenario], { barriers: { at: [], timeoutMs: 1_000 } }), { store, skill, id });
  run.start();
  expect((await run.outcome).kind).toBe('finished');
}

const figure = (c: Comparison, name: string) => c.scenarios[0]?.figures.find((f) => f.figure === name);

describe('compare: what a user reads for a parallel scenario and for quality', { timeout: 60_000 }, () => {
  it('reads a run of parallel batches five times as slow as slower in time per item AND in throughput, from the same n', async () => {
    const store = new MemorySnapshotStore();
    const parallel = simScenario('par', 16, { skillParams: { batchSize: 1, parallelWorkers: 4 } });
    await runOnce(store, 'fast', sleeping(50), parallel);
    await runOnce(store, 'slow', sleeping(250), parallel);
    const comparison = await compareStored(store, 'fast', 'slow');
    const time = figure(comparison, 'timePerItem');
    const throughput = figure(comparison, 'throughput');
    // 16 batches, 4 in flight: 4 samples of 4 batches each, on both figures.
    expect([time?.a?.n, time?.b?.n, throughput?.a?.n, throughput?.b?.n]).toEqual([4, 4, 4, 4]);
    // +400% and -80% on a quiet machine; a loaded one's stalls (tens of ms) cannot turn either round.
    expect(time?.difference?.relative).toBeGreaterThan(1);
    expect(throughput?.difference?.relative).toBeLessThan(-0.5);
    // The report's own figure: busy ms per item, at least 50 / 4 with four batches in flight.
    expect(time?.a?.mean).toBeGreaterThan(11);
  });

  it('gives a run and an experiment of the same skill and seed the same quality: the report\'s overall, latency included', async () => {
    const store = new MemorySnapshotStore();
    const scenario = simScenario('lat', 6, { qualityMetrics: ['accuracy', 'coverage', 'latency'], latencyTargetMsPerItem: 1_000 });
    await runOnce(store, 'run', sleeping(1), scenario);
    for (const k of [1, 2]) await runOnce(store, experimentRunId('exp', k), sleeping(1), scenario);
    const comparison = await compareStored(store, 'run', 'exp');
    const quality = figure(comparison, 'quality');
    // accuracy 0.8, coverage 1, latency 1 (1 ms per item against a 1 s target): overall (0.8 + 1 + 1) / 3.
    expect(quality?.a?.mean).toBeCloseTo(2.8 / 3, 4);
    expect(quality?.b?.mean).toBeCloseTo(2.8 / 3, 4);
    expect(quality?.difference?.estimate).toBeCloseTo(0, 4);
    expect(figure(comparison, 'latency')?.a?.mean).toBe(1);
  });

  it('rounds the JSON figures as the report does (scores 4 decimals, times 3), after the statistics', () => {
    const side = (id: string, quality: number[], time: number[]): LoadedSide => ({
      side: { ref: id, kind: 'run', id, baseline: null, runs: [id], skill: { name: 's', version: '1' }, sampleUnit: 'batch' },
      notes: [],
      scenarios: new Map([['one', { status: 'complete', notes: [], figures: new Map([['quality', quality], ['timePerItem', time], ['throughput', time.map((t) => 1000 / t)]]) }]]),
    });
    const comparison = compareSides(side('a', [0.1, 0.2, 0.3], [1.1, 2.2, 3.3]), side('b', [0.91, 0.92, 0.97], [3, 7, 9]));
    const quality = figure(comparison, 'quality');
    // Unrounded these are 0.20000000000000004 and 0.9333333333333332.
    expect(quality?.a?.mean).toBe(0.2);
    expect(quality?.b?.mean).toBe(0.9333);
    expect(quality?.difference?.estimate).toBe(0.7333);
    expect(figure(comparison, 'timePerItem')?.a?.mean).toBe(2.2);
    expect(figure(comparison, 'timePerItem')?.difference?.relative).toBe(1.8788);
    const decimals = (n: number) => (String(n).split('.')[1] ?? '').length;
    const numbers = JSON.stringify(comparison).match(/-?\d+\.\d+/g) ?? [];
    expect(Math.max(...numbers.map((n) => decimals(Number(n))))).toBeLessThanOrEqual(4);
  });
});
