import { describe, expect, it } from 'vitest';
import { createActor, setup, type EventObject } from 'xstate';
import { unfoldBatches } from '../../src/actors/batchFold.ts';
import { createBatchRunner, generatedItems, type BatchRunnerDeps } from '../../src/actors/batchRunner.ts';
import { randomFor } from '../../src/actors/seededRandom.ts';
import type { Skill, SkillContext, SkillResult } from '../../src/actors/skill.ts';
import type { ScenarioEvent } from '../../src/machines/events.ts';
import type { BatchRunnerInput } from '../../src/machines/scenarioMachine.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { testPlan } from '../support/plans.ts';

/**
 * Surviving mutants of src/actors/batchRunner.ts (Stryker, 2026-11-30) that a user would notice: an item
 * source failing with several workers, the row of a batch that gave up, the seeded stream a skill draws
 * from, a cache answer arriving after the stretch stopped, a file dataset with no reader. Everything is
 * computed inside `it` (see test/README.md, "Mutation testing").
 */

const NOW = 9_000_000;
const settle = () => new Promise((resolve) => setImmediate(resolve));

function startRunner(input: BatchRunnerInput, deps: Partial<BatchRunnerDeps> & Pick<BatchRunnerDeps, 'skill'>) {
  const events: ScenarioEvent[] = [];
  const journal = deps.journal ?? new MemorySnapshotStore();
  const parent = setup({
    types: { events: {} as EventObject },
    actors: { runner: createBatchRunner({ journal, now: () => NOW, ...deps }) },
    actions: { record: ({ event }) => void events.push(...unfoldBatches(event as ScenarioEvent)) },
  }).createMachine({
    initial: 'running',
    states: { running: { invoke: { src: 'runner', input }, on: { stop: 'stopped', '*': { actions: 'record' } } }, stopped: {} },
  });
  const actor = createActor(parent).start();
  const rows = () => journal.loadBatches(input.plan.orchestrationId, input.plan.name, 0);
  return { events, rows, stop: () => actor.send({ type: 'stop' }) };
}

function skillOf(run: (items: unknown[], ctx: SkillContext) => unknown): Skill & { calls: number[] } {
  const calls: number[] = [];
  return {
    name: 'gaps',
    version: '1',
    calls,
    run(items, ctx) {
      calls.push(ctx.batchIndex);
      return run(items, ctx) as ReturnType<Skill['run']>;
    },
  };
}

const plan = (batches: number, workers: number, extra: { maxAttempts?: number; params?: Record<string, unknown> } = {}) =>
  testPlan({ definition: { inputSize: batches, skillParams: { batchSize: 1, parallelWorkers: workers, ...extra.params } }, barriers: [], maxAttempts: extra.maxAttempts ?? 2 });

describe('batch runner (mutation gaps)', () => {
  it('stops with runner.error when the item source fails with several workers, after counting the batches before it', async () => {
    const p = plan(6, 3);
    const skill = skillOf(() => ({ qualityScore: 1 }));
    const items = (_plan: unknown, start: number, count: number) => {
      if (start === 3) throw new Error('dataset line 4 is not JSON');
      return Array.from({ length: count }, (_, i) => start + i);
    };
    const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill, items });
    for (let i = 0; i < 20 && !r.events.some((e) => e.type === 'runner.error'); i++) await settle();
    expect(r.events.map((e) => (e.type === 'batch.done' ? `done ${e.index}` : e.type))).toEqual(['done 0', 'done 1', 'done 2', 'runner.error']);
    expect(r.events.at(-1)).toMatchObject({ error: 'dataset line 4 is not JSON' });
    expect(skill.calls).toEqual([0, 1, 2]);
  });

  it('journals a batch that gave up as failed, not out of memory: replayed, it fails no memory limit', async () => {
    for (const workers of [1, 2]) {
      const p = plan(2, workers, { maxAttempts: 1 });
      const skill = skillOf((_items, ctx) => {
        if (ctx.batchIndex === 0) throw new Error('boom');
        return { qualityScore: 1 };
      });
      const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill });
      for (let i = 0; i < 20 && (await r.rows()).length < 2; i++) await settle();
      const [row] = await r.rows();
      expect(row?.result).not.toHaveProperty('outOfMemory');
      expect(row?.result).toMatchObject({ error: 'boom' });
      // With several workers the row keeps the busy time it added, so a replay adds the same, not its span.
      if (workers > 1) expect(row?.result).toHaveProperty('busyMs');
      else expect(row?.result).not.toHaveProperty('busyMs');
      r.stop();
    }
  });

  it("gives a skill the seeded stream of (seed, scenario, 'batch', index, attempt) as ctx.random", async () => {
    const p = plan(2, 1);
    const draws: number[][] = [];
    const skill = skillOf((_items, ctx) => {
      draws.push([ctx.random(), ctx.random()]);
      return { qualityScore: 1 };
    });
    const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill });
    for (let i = 0; i < 20 && draws.length < 2; i++) await settle();
    r.stop();
    for (const index of [0, 1]) {
      const expected = randomFor(p.seed, p.name, 'batch', index, 1);
      expect(draws[index]).toEqual([expected(), expected()]);
    }
  });

  it('calls no skill for a batch whose cache answer came after the stretch stopped', async () => {
    const p = plan(2, 1, { params: { cacheEnabled: true } });
    const skill = skillOf(() => ({ qualityScore: 1 }));
    let answer: (result: SkillResult | undefined) => void = () => undefined;
    const cache = { lookup: () => new Promise<SkillResult | undefined>((resolve) => (answer = resolve)), store: () => Promise.resolve() };
    const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill, cache });
    await settle();
    r.stop();
    answer(undefined);
    for (let i = 0; i < 5; i++) await settle();
    expect(skill.calls).toEqual([]);
    expect(await r.rows()).toEqual([]);
  });

  it('names the file a scenario reads when no reader was opened for it', () => {
    const p = { ...plan(1, 1), dataset: { file: 'data/rows.jsonl' } } as ReturnType<typeof plan>;
    expect(() => generatedItems(p, 0, 1)).toThrow('scenario "alpha" reads data/rows.jsonl, but no reader was opened for it (see openDatasets)');
  });

  it('refuses a journal row naming each problem once, separated by "; "', async () => {
    const p = plan(2, 1);
    const journal = new MemorySnapshotStore();
    const forged = { orchestrationId: p.orchestrationId, scenario: p.name, batchIndex: 0, attempt: 1, items: 'one', itemsFailed: 0, qualityScore: 2, result: {}, startedAt: 1, finishedAt: 2 };
    journal.loadBatches = () => Promise.resolve([forged as never]);
    const errors: Error[] = [];
    const skill = skillOf(() => ({ qualityScore: 1 }));
    startRunner({ plan: p, from: 0, attempt: 1 }, { skill, journal, onRunnerError: (e) => errors.push(e) });
    for (let i = 0; i < 20 && errors.length === 0; i++) await settle();
    expect(errors.map((e) => e.message)).toEqual([
      'refusing to replay the batch journal of orchestration "orch-test", scenario "alpha", batch 0: items: Invalid input: expected number, received string; qualityScore: must be between 0 and 1',
    ]);
    expect(skill.calls).toEqual([]);
  });

  it('stops quietly when a journal write refused after the stretch was stopped (a pause): the run goes on', async () => {
    const p = plan(2, 1);
    const journal = new MemorySnapshotStore();
    let refuse: (error: Error) => void = () => undefined;
    journal.recordBatch = () => new Promise<void>((_resolve, reject) => (refuse = reject));
    const errors: Error[] = [];
    const skill = skillOf(() => ({ qualityScore: 1 }));
    const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill, journal, onRunnerError: (e) => errors.push(e) });
    for (let i = 0; i < 20 && skill.calls.length === 0; i++) await settle();
    await settle();
    r.stop();
    refuse(new Error('store_unavailable: the server went away'));
    for (let i = 0; i < 5; i++) await settle();
    expect(skill.calls).toEqual([0]);
    expect(errors).toEqual([]);
    expect(r.events.filter((e) => e.type === 'runner.error')).toEqual([]);
  });
});
