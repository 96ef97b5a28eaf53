import { getEventListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createActor, setup, type EventObject } from 'xstate';
import { unfoldBatches } from '../../src/actors/batchFold.ts';
import { createBatchRunner, generatedItems, type BatchRunnerDeps, type ExecuteBatch } from '../../src/actors/batchRunner.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import type { BatchDoneEvent } from '../../src/machines/events.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
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

/** The batch.done events among `events`, one per batch. */
const doneOf = (events: ScenarioEvent[]) => events.filter((e): e is BatchDoneEvent => e.type === 'batch.done');

/** Waits, a turn at a time, until `ready()` holds (at most `turns` turns). */
async function settleUntil(ready: () => boolean, turns = 50) {
  for (let i = 0; i < turns && !ready(); i++) await settle();
}

describe('batch runner with one worker (mutation gaps)', () => {
  it('takes its turn under a shared maxConcurrency: three one-worker scenarios with maxConcurrency 1 never have two batches in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const skill: Skill = {
      name: 'counting',
      version: '1',
      async run(items) {
        most = Math.max(most, ++inFlight);
        await sleep(1);
        inFlight -= 1;
        return { qualityScore: 1, processed: items.length };
      },
    };
    const run = createOrchestration(simConfig(['a', 'b', 'c'].map((name) => simScenario(name, 4)), { maxConcurrency: 1, barriers: { at: [], timeoutMs: 1_000 } }), { skill });
    run.start();
    const report = await run.result;
    expect(Object.values(report.scenarios).map((s) => [s.status, s.batchCount])).toEqual([
      ['complete', 4],
      ['complete', 4],
      ['complete', 4],
    ]);
    expect(most).toBe(1);
  });

  it('goes on past a barrier batch when the scenario does not stop there, rather than leave it waiting for a batch nobody runs', async () => {
    const p = testPlan({ definition: { inputSize: 6, skillParams: { batchSize: 1 } }, barriers: [50] });
    const skill = skillOf(() => ({ qualityScore: 1 }));
    const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill });
    await settleUntil(() => doneOf(r.events).length >= 6);
    expect(doneOf(r.events).map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(skill.calls).toEqual([0, 1, 2, 3, 4, 5]);
    r.stop();
  });

  it('journals when each batch started, so a resumed run replays the busy time of a row that keeps none', async () => {
    const p = plan(3, 1);
    let clock = 1_000;
    const journal = new MemorySnapshotStore();
    const skill = skillOf(() => ({ qualityScore: 1 }));
    // Ten "ms" pass on the runner's clock from the start of each batch to its end.
    const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill, journal, now: () => (clock += 10) });
    await settleUntil(() => doneOf(r.events).length >= 3);
    const rows = await r.rows();
    expect(rows.map((row) => [row.batchIndex, row.finishedAt - row.startedAt])).toEqual([
      [0, 10],
      [1, 10],
      [2, 10],
    ]);
    // One worker's rows keep no busyMs: the replay takes each batch's busy time from the row's span.
    expect(rows.map((row) => (row.result as { busyMs?: number }).busyMs)).toEqual([undefined, undefined, undefined]);
    r.stop();

    const resumed = startRunner({ plan: p, from: 0, attempt: 1 }, { skill, journal });
    await settleUntil(() => doneOf(resumed.events).length >= 3);
    expect(doneOf(resumed.events).map((e) => [e.index, e.replayed, e.durationMs])).toEqual([
      [0, true, 10],
      [1, true, 10],
      [2, true, 10],
    ]);
    expect(skill.calls).toEqual([0, 1, 2]);
    resumed.stop();
  });
});

describe('batch runner with remote execution (mutation gaps)', () => {
  /** The local skill, which a remote batch never calls. */
  const localSkill = () =>
    skillOf(() => {
      throw new Error('a remote batch must not run here');
    });

  it("keeps the skill's own message when a remote call returns its error", async () => {
    const remoteSkill = localSkill();
    const execute: ExecuteBatch = () => Promise.resolve({ raw: undefined, error: 'the model is down', t0: 0, t1: 4, worker: 'host-a/1-aaaa' });
    // Retries left: the retry is asked for with the message. None left: the batch is counted as failed with it.
    const retried = startRunner({ plan: plan(1, 1, { maxAttempts: 2 }), from: 0, attempt: 1 }, { skill: remoteSkill, execute });
    const gaveUp = startRunner({ plan: plan(1, 1, { maxAttempts: 1 }), from: 0, attempt: 1 }, { skill: remoteSkill, execute });
    await settleUntil(() => retried.events.length > 0 && gaveUp.events.length > 0);
    expect(retried.events).toEqual([expect.objectContaining({ type: 'batch.failed', index: 0, error: 'the model is down' })]);
    expect(doneOf(gaveUp.events)).toEqual([expect.objectContaining({ index: 0, qualityScore: null, itemsFailed: 1, error: 'the model is down' })]);
    expect((await gaveUp.rows())[0]?.result).toMatchObject({ error: 'the model is down', worker: 'host-a/1-aaaa' });
    expect(remoteSkill.calls).toEqual([]);
    retried.stop();
    gaveUp.stop();
  });

  it('replays each remote batch with the busy time it added the first time, with one worker and with several', async () => {
    const remoteSkill = localSkill();
    // Each call takes 10 ms on its worker (on this process's clock). One at a time they follow each other;
    // two at a time each starts 5 ms after the one before, so each after the first adds only 5 ms of its own.
    for (const [workers, step, busy] of [
      [1, 20, [10, 10, 10]],
      [2, 5, [10, 5, 5]],
    ] as const) {
      const execute: ExecuteBatch = ({ index }) => Promise.resolve({ raw: { qualityScore: 1 }, error: undefined, t0: 500 + step * index, t1: 510 + step * index, worker: 'host-a/1-aaaa' });
      const p = plan(3, workers);
      const journal = new MemorySnapshotStore();
      const first = startRunner({ plan: p, from: 0, attempt: 1 }, { skill: remoteSkill, journal, execute });
      await settleUntil(() => doneOf(first.events).length >= 3);
      expect(doneOf(first.events).map((e) => e.durationMs), `${workers} worker(s), first run`).toEqual(busy);
      first.stop();

      const resumed = startRunner({ plan: p, from: 0, attempt: 1 }, { skill: remoteSkill, journal, execute });
      await settleUntil(() => doneOf(resumed.events).length >= 3);
      expect(doneOf(resumed.events).map((e) => [e.replayed, e.durationMs]), `${workers} worker(s), resumed`).toEqual(busy.map((ms) => [true, ms]));
      resumed.stop();
    }
    expect(remoteSkill.calls).toEqual([]);
  });
});

describe('batch runner busy time and listeners (mutation gaps)', () => {
  it("counts a batch's whole time in the skill as busy, even when an earlier batch's cache hit arrived meanwhile", async () => {
    const p = plan(2, 2, { params: { cacheEnabled: true } });
    let hit: (result: SkillResult) => void = () => undefined;
    const cache = {
      lookup: (_plan: unknown, items: readonly unknown[]) =>
        (items[0] as { id: number }).id === 0 ? new Promise<SkillResult | undefined>((resolve) => (hit = resolve)) : Promise.resolve(undefined),
      store: () => Promise.resolve(),
    };
    let finish: (result: SkillResult) => void = () => undefined;
    let calledAt = 0;
    const skill = skillOf(
      () =>
        new Promise<SkillResult>((resolve) => {
          calledAt = performance.now();
          finish = resolve;
        }),
    );
    const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill, cache });
    await settleUntil(() => skill.calls.length > 0);
    expect(skill.calls).toEqual([1]);
    // Batch 0's answer comes from the cache halfway through batch 1's call: a hit is no time in the skill.
    await sleep(25);
    hit({ qualityScore: 1 });
    await settle();
    await sleep(25);
    const finishedAt = performance.now();
    finish({ qualityScore: 1 });
    await settleUntil(() => doneOf(r.events).length >= 2);
    const [cached, fresh] = doneOf(r.events);
    expect(cached).toMatchObject({ index: 0, cached: true, durationMs: 0 });
    expect(fresh?.durationMs).toBeGreaterThanOrEqual(finishedAt - calledAt);
    r.stop();
  });

  it('adds no listener to the stretch for a signal a skill first reads after its call settled', async () => {
    const BATCHES = 20;
    const p = plan(BATCHES, 1);
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    // The stretch's controller is the first one the runner makes.
    const controllers: AbortController[] = [];
    const Real = AbortController;
    vi.spyOn(globalThis, 'AbortController').mockImplementation(function make() {
      const controller = new Real();
      controllers.push(controller);
      return controller;
    });
    const late: AbortSignal[] = [];
    const skill = skillOf((_items, ctx) => {
      setTimeout(() => late.push(ctx.signal), 0);
      return { qualityScore: 1 };
    });
    process.on('warning', onWarning);
    try {
      const r = startRunner({ plan: p, from: 0, attempt: 1 }, { skill });
      await settleUntil(() => late.length >= BATCHES);
      await settle();
      expect(doneOf(r.events)).toHaveLength(BATCHES);
      const stretch = controllers[0];
      expect(stretch && getEventListeners(stretch.signal, 'abort')).toEqual([]);
      r.stop();
      expect(late.filter((signal) => signal.aborted)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      vi.restoreAllMocks();
    }
    expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
  });
});
