import { unfoldBatches } from '../../src/actors/batchFold.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createActor, setup, type EventObject } from 'xstate';
import type { BatchCache } from '../../src/actors/batchCache.ts';
import { createBatchRunner, type BatchRunnerDeps, type ItemSource } from '../../src/actors/batchRunner.ts';
import { lastBatchOfStretch } from '../../src/actors/batchWindow.ts';
import { createConcurrencyLimit } from '../../src/actors/concurrencyLimit.ts';
import type { InputItem } from '../../src/actors/inputData.ts';
import type { Skill, SkillContext, SkillResult } from '../../src/actors/skill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { SkillOutOfMemoryError } from '../../src/errors.ts';
import type { BatchDoneEvent, ScenarioEvent } from '../../src/machines/events.ts';
import type { BatchRunnerInput } from '../../src/machines/scenarioMachine.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { BatchRecord } from '../../src/persistence/SnapshotStore.ts';
import { manualSkill } from '../support/manualSkill.ts';
import { testPlan } from '../support/plans.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

const ok = (processed = 1): SkillResult => ({ qualityScore: 0.75, processed });
const NOW = 7_000_000;
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The real runner as the invoked child of a parent that records its events; `stop()` stops it as leaving `processing` does. */
function startRunner(input: BatchRunnerInput, deps: Partial<BatchRunnerDeps> & Pick<BatchRunnerDeps, 'skill'>) {
  const events: ScenarioEvent[] = [];
  const journal = deps.journal ?? new MemorySnapshotStore();
  const runner = createBatchRunner({ journal, now: () => NOW, ...deps });
  const parent = setup({
    types: { events: {} as EventObject },
    actors: { runner },
    // Folded batches are counted one by one, as the scenario machine counts them.
    actions: { record: ({ event }) => void events.push(...unfoldBatches(event as ScenarioEvent)) },
  }).createMachine({
    initial: 'running',
    states: { running: { invoke: { src: 'runner', input }, on: { stop: 'stopped', '*': { actions: 'record' } } }, stopped: {} },
  });
  const actor = createActor(parent).start();
  const done = () => events.filter((e): e is BatchDoneEvent => e.type === 'batch.done');
  const rows = async () => journal.loadBatches(input.plan.orchestrationId, input.plan.name, 0);
  return { events, done, rows, journal, stop: () => actor.send({ type: 'stop' }) };
}

/** `batches` one-item batches with `workers` in flight, no barrier unless given. */
const parallelPlan = (batches: number, workers: number, extra: { barriers?: number[]; maxAttempts?: number; params?: Record<string, unknown> } = {}) =>
  testPlan({ definition: { inputSize: batches, skillParams: { batchSize: 1, parallelWorkers: workers, ...extra.params } }, barriers: extra.barriers ?? [], maxAttempts: extra.maxAttempts ?? 2 });

describe('parallel batches in the runner', () => {
  it('starts up to parallelWorkers batches at once, and counts them in batch order when they finish out of order', async () => {
    const plan = parallelPlan(3, 3);
    const skill = manualSkill();
    const journal = new MemorySnapshotStore();
    const written: number[] = [];
    const recordBatch = journal.recordBatch.bind(journal);
    journal.recordBatch = (r) => {
      written.push(r.batchIndex);
      return recordBatch(r);
    };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill, journal });
    await settle();
    expect(skill.calls.map((c) => c.ctx.batchIndex)).toEqual([0, 1, 2]);

    skill.calls[2]?.resolve(ok());
    skill.calls[1]?.resolve(ok());
    await settle();
    // Batches 1 and 2 are done, but batch 0 is not: nothing may be counted yet.
    expect(runner.events).toEqual([]);
    expect(written).toEqual([]);

    skill.calls[0]?.resolve(ok());
    await settle();
    expect(runner.done().map((e) => e.index)).toEqual([0, 1, 2]);
    expect(written).toEqual([0, 1, 2]);
    // Each row keeps the busy time its batch added, so a replay adds the same (not the batch's whole span).
    expect((await runner.rows()).map((r) => typeof (r.result as { busyMs?: unknown }).busyMs)).toEqual(['number', 'number', 'number']);
    // Counted in order, so an event's time never runs backwards even though batch 2 finished first.
    const times = runner.done().map((e) => e.at);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('never has more than parallelWorkers batches of a scenario in flight, and reaches that many', async () => {
    const plan = parallelPlan(40, 4);
    let inFlight = 0;
    let most = 0;
    const skill: Skill = {
      name: 'counting',
      version: '1',
      async run(items, ctx) {
        inFlight += 1;
        most = Math.max(most, inFlight);
        // Uneven latencies, so batches finish out of order and the window slides unevenly.
        await new Promise((r) => setTimeout(r, [3, 1, 5, 2][ctx.batchIndex % 4]));
        inFlight -= 1;
        return ok(items.length);
      },
    };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill, now: Date.now });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(40), { timeout: 5_000 });
    expect(most).toBe(4);
    expect(runner.done().map((e) => e.index)).toEqual([...Array(40).keys()]);
    expect((await runner.rows()).map((r) => r.batchIndex)).toEqual([...Array(40).keys()]);
  });

  it('holds a window of parallelWorkers from the first batch not yet counted: a slow batch holds back the ones after the window', async () => {
    const plan = parallelPlan(6, 2);
    const skill = manualSkill();
    startRunner({ plan, from: 0, attempt: 1 }, { skill });
    await settle();
    skill.calls[1]?.resolve(ok());
    await settle();
    // Batch 1 is done but batch 0 is not counted: batch 2 would make three uncounted batches (more re-run after a crash).
    expect(skill.calls.map((c) => c.ctx.batchIndex)).toEqual([0, 1]);
    skill.calls[0]?.resolve(ok());
    await settle();
    expect(skill.calls.map((c) => c.ctx.batchIndex)).toEqual([0, 1, 2, 3]);
  });

  it('runs one batch at a time with one worker under a shared limit too, in order', async () => {
    const plan = parallelPlan(5, 1);
    let inFlight = 0;
    let most = 0;
    const skill: Skill = {
      name: 'counting',
      version: '1',
      async run(items) {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight -= 1;
        return ok(items.length);
      },
    };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill, limit: createConcurrencyLimit(3) });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(5));
    expect(most).toBe(1);
    expect(runner.done().map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
  });

  it('reads items in batch order, one batch after the other, however slowly the item source answers', async () => {
    const plan = parallelPlan(8, 4);
    const reads: string[] = [];
    const items: ItemSource = async (_plan, start, count) => {
      reads.push(`start ${start}`);
      await new Promise((r) => setTimeout(r, (8 - start) % 3));
      reads.push(`end ${start}`);
      return Array.from({ length: count }, (_, i) => ({ id: start + i, value: 0 }));
    };
    const skill: Skill = { name: 'echo', version: '1', run: (batch) => ok(batch.length) };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill, items });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(8));
    expect(reads).toEqual([...Array(8).keys()].flatMap((i) => [`start ${i}`, `end ${i}`]));
  });

  it('starts no batch past the next barrier: the ones before it finish and are counted, and the barrier batch is the last', async () => {
    // 10 batches, a barrier at 50 %: batch 4 reaches it.
    const plan = parallelPlan(10, 4, { barriers: [50] });
    expect(lastBatchOfStretch(plan, 0)).toBe(4);
    const skill = manualSkill();
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill });
    await settle();
    expect(skill.calls.map((c) => c.ctx.batchIndex)).toEqual([0, 1, 2, 3]);
    for (const call of [...skill.calls].reverse()) call.resolve(ok());
    await settle();
    expect(skill.calls.map((c) => c.ctx.batchIndex)).toEqual([0, 1, 2, 3, 4]);
    skill.calls[4]?.resolve(ok());
    await settle();
    expect(runner.done().map((e) => e.index)).toEqual([0, 1, 2, 3, 4]);
    expect(skill.calls).toHaveLength(5);
    // The scenario leaves `processing` once the barrier batch is counted, which stops the runner: nothing more runs.
    runner.stop();
    await settle();
    expect(skill.calls).toHaveLength(5);
    // After the release, the next stretch goes on from batch 5 to the end.
    expect(lastBatchOfStretch(plan, 5)).toBe(9);
  });

  it('goes on past a barrier batch when the scenario does not stop there, rather than leave it waiting for a batch nobody runs', async () => {
    const plan = parallelPlan(6, 2, { barriers: [50] });
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill: { name: 's', version: '1', run: (items) => ok(items.length) } });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(6));
    expect(runner.done().map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('on a failed attempt with retries left: counts the batches before it, asks for the retry, and stops its successors uncounted', async () => {
    const plan = parallelPlan(5, 4, { maxAttempts: 2 });
    const skill = manualSkill();
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill });
    await settle();
    skill.calls[2]?.resolve(ok());
    skill.calls[1]?.reject(new Error('flaky'));
    await settle();
    expect(runner.events).toEqual([]);
    skill.calls[0]?.resolve(ok());
    await settle();

    expect(runner.events.map((e) => [e.type, 'index' in e ? e.index : undefined])).toEqual([
      ['batch.done', 0],
      ['batch.failed', 1],
    ]);
    expect((await runner.rows()).map((r) => r.batchIndex)).toEqual([0]);
    // Batch 2 finished, but may not be counted before batch 1, and batch 3 is stopped: the retry's stretch runs both again.
    expect(skill.calls[3]?.ctx.signal.aborted).toBe(true);
    skill.calls[3]?.resolve(ok());
    await settle();
    expect(skill.calls).toHaveLength(4);

    // The retry's stretch: batch 1 at attempt 2, then its successors.
    const retry = startRunner({ plan, from: 1, attempt: 2 }, { skill: { name: 'ok', version: '1', run: (items) => ok(items.length) }, journal: runner.journal });
    await vi.waitFor(() => expect(retry.done()).toHaveLength(4));
    expect(retry.done().map((e) => [e.index, e.attempt])).toEqual([
      [1, 2],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect((await runner.rows()).map((r) => r.batchIndex)).toEqual([0, 1, 2, 3, 4]);
  });

  it('aborts every batch in flight when stopped, and counts none of them even if they resolve later', async () => {
    const plan = parallelPlan(8, 4);
    const skill = manualSkill();
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill });
    await settle();
    skill.calls[0]?.resolve(ok());
    await settle();
    expect(skill.calls).toHaveLength(5);
    runner.stop();
    expect(skill.calls.slice(1).map((c) => c.ctx.signal.aborted)).toEqual([true, true, true, true]);
    for (const call of skill.calls.slice(1)) call.resolve(ok());
    await settle();
    expect(runner.done().map((e) => e.index)).toEqual([0]);
    expect((await runner.rows()).map((r) => r.batchIndex)).toEqual([0]);
    expect(skill.calls).toHaveLength(5);
  });

  it('counts busy time once where batches overlap: the sum of the batches\' busy times is at most the wall time', async () => {
    const plan = parallelPlan(8, 4);
    const skill: Skill = { name: 'sleepy', version: '1', run: async (items) => (await new Promise((r) => setTimeout(r, 20)), ok(items.length)) };
    const t0 = performance.now();
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill, now: Date.now });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(8));
    const wall = performance.now() - t0;
    const busy = runner.done().reduce((sum, e) => sum + e.durationMs, 0);
    // Summed per batch it would be at least 8 × 20 ms; four at a time, the scenario was busy for about 40.
    expect(busy).toBeLessThanOrEqual(wall);
    expect(busy).toBeGreaterThan(0);
  });

  it('replays a row written by several workers with the busy time it added, not its whole span', async () => {
    const plan = parallelPlan(2, 2);
    const journal = new MemorySnapshotStore();
    const base = { orchestrationId: plan.orchestrationId, scenario: plan.name, attempt: 1, items: 1, itemsFailed: 0, qualityScore: 0.5 };
    await journal.recordBatch({ ...base, batchIndex: 0, result: { qualityScore: 0.5, busyMs: 30 }, startedAt: 1_000, finishedAt: 1_030 });
    await journal.recordBatch({ ...base, batchIndex: 1, result: { qualityScore: 0.5, busyMs: 2 }, startedAt: 1_001, finishedAt: 1_032 });
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill: manualSkill(), journal });
    await settle();
    expect(runner.done().map((e) => [e.index, e.durationMs, e.replayed])).toEqual([
      [0, 30, true],
      [1, 2, true],
    ]);
  });
});

describe('the batch cache in the runner', () => {
  /** A cache holding results by the first item's id. */
  function fakeCache(hits: Record<number, SkillResult> = {}) {
    const stored: { first: number; result: SkillResult }[] = [];
    const cache: BatchCache & { stored: typeof stored; lookups: number } = {
      stored,
      lookups: 0,
      lookup(_plan: ScenarioPlan, items: readonly unknown[]) {
        cache.lookups += 1;
        return Promise.resolve(hits[(items[0] as InputItem).id]);
      },
      store(_plan: ScenarioPlan, items: readonly unknown[], result: SkillResult) {
        stored.push({ first: (items[0] as InputItem).id, result });
        return Promise.resolve();
      },
    };
    return cache;
  }
  const cachedPlan = (batches: number, cacheEnabled: boolean) => parallelPlan(batches, 2, { params: { cacheEnabled } });

  it('takes a hit without calling the skill: batch.done cached, no busy time, the row marked cached', async () => {
    const plan = cachedPlan(2, true);
    const cache = fakeCache({ 0: { qualityScore: 0.6, processed: 1, metrics: { f1: 0.5 } } });
    const calls: number[] = [];
    const skill: Skill = { name: 's', version: '1', run: (items, ctx) => (calls.push(ctx.batchIndex), ok(items.length)) };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill, cache });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(2));

    expect(calls).toEqual([1]);
    expect(runner.done()[0]).toMatchObject({ index: 0, cached: true, durationMs: 0, qualityScore: 0.6, metrics: { f1: 0.5 }, replayed: false });
    expect(runner.done()[1]?.cached).toBeUndefined();
    const rows = await runner.rows();
    expect(rows[0]?.result).toMatchObject({ qualityScore: 0.6, cached: true });
    // The miss's fresh result is told to the cache; the hit is not stored again.
    expect(cache.stored).toEqual([{ first: 1, result: ok(1) }]);

    // Replayed after a crash, a cached row stays cached, with no busy time.
    const replay = startRunner({ plan, from: 0, attempt: 1 }, { skill, journal: runner.journal, cache });
    await settle();
    expect(replay.done().map((e) => [e.index, e.replayed, e.cached, e.durationMs])).toEqual([
      [0, true, true, 0],
      [1, true, undefined, expect.any(Number)],
    ]);
  });

  it('neither asks nor tells the cache when the scenario does not enable it', async () => {
    const plan = cachedPlan(2, false);
    const cache = fakeCache({ 0: ok(1) });
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill: { name: 's', version: '1', run: (items) => ok(items.length) }, cache });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(2));
    expect(cache.lookups).toBe(0);
    expect(cache.stored).toEqual([]);
    expect(runner.done().every((e) => e.cached === undefined)).toBe(true);
  });

  it('runs the skill when the cache cannot be asked, keeps the batch when it cannot be told, and reports both', async () => {
    const plan = cachedPlan(2, true);
    const onCacheError = vi.fn();
    const cache: BatchCache = {
      lookup: () => Promise.reject(new Error('cache table gone')),
      store: () => Promise.reject(new Error('disk full')),
    };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill: { name: 's', version: '1', run: (items) => ok(items.length) }, cache, onCacheError });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(2));
    expect(runner.done().map((e) => [e.index, e.qualityScore, e.error])).toEqual([
      [0, 0.75, undefined],
      [1, 0.75, undefined],
    ]);
    expect(onCacheError.mock.calls.map((call) => (call[0] as Error).message).sort()).toEqual(['cache table gone', 'cache table gone', 'disk full', 'disk full']);
  });

  it('does not tell the cache a failed batch', async () => {
    const plan = testPlan({ definition: { inputSize: 1, skillParams: { batchSize: 1, cacheEnabled: true } }, barriers: [], maxAttempts: 1 });
    const cache = fakeCache();
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill: { name: 's', version: '1', run: () => Promise.reject(new Error('no')) }, cache });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(1));
    expect(cache.stored).toEqual([]);
  });
});

describe('a skill that runs out of memory', () => {
  it('is not retried: the batch is journaled as failed and batch.done says outOfMemory with the limit it reached', async () => {
    const plan = testPlan({ definition: { inputSize: 3 }, barriers: [], maxAttempts: 3 });
    const calls: number[] = [];
    const skill: Skill = {
      name: 'hog',
      version: '1',
      run: (items, ctx) => {
        calls.push(ctx.batchIndex);
        if (ctx.batchIndex === 1) throw new SkillOutOfMemoryError('the skill ran out of its 64 MB heap', 64);
        return ok(items.length);
      },
    };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill });
    await vi.waitFor(() => expect(runner.done().length).toBeGreaterThanOrEqual(2));
    const failed = runner.done()[1];
    expect(failed).toMatchObject({ index: 1, attempt: 1, qualityScore: null, itemsFailed: 1, outOfMemory: true, memoryMb: 64, error: 'the skill ran out of its 64 MB heap' });
    expect(runner.events.some((e) => e.type === 'batch.failed')).toBe(false);
    expect(calls.filter((i) => i === 1)).toEqual([1]);
    const rows = await runner.rows();
    expect(rows[1]).toMatchObject({ batchIndex: 1, qualityScore: null, itemsFailed: 1, result: { error: 'the skill ran out of its 64 MB heap', outOfMemory: true, memoryMb: 64 } });

    // Replayed (a crash before the snapshot counted it), it says the same, so the scenario fails the same way.
    const replay = startRunner({ plan, from: 0, attempt: 1 }, { skill, journal: runner.journal });
    await settle();
    expect(replay.done()[1]).toMatchObject({ index: 1, outOfMemory: true, memoryMb: 64, replayed: true });
  });

  it("reports the skill's own memory figure, and 0 when it gives none (the process heap is not the scenario's)", async () => {
    const plan = testPlan({ definition: { inputSize: 2 }, barriers: [] });
    const skill: Skill = { name: 'm', version: '1', run: (items, ctx) => ({ ...ok(items.length), ...(ctx.batchIndex === 0 ? { memoryMb: 12 } : {}) }) };
    const runner = startRunner({ plan, from: 0, attempt: 1 }, { skill });
    await vi.waitFor(() => expect(runner.done()).toHaveLength(2));
    expect(runner.done().map((e) => e.memoryMb)).toEqual([12, 0]);
  });
});

describe('createConcurrencyLimit', () => {
  it('grants at most `max` slots, then serves waiters first come first served as slots are released', async () => {
    const limit = createConcurrencyLimit(2);
    const signal = new AbortController().signal;
    const a = await limit.acquire(signal);
    await limit.acquire(signal);
    const order: string[] = [];
    const c = limit.acquire(signal).then((release) => (order.push('c'), release));
    const d = limit.acquire(signal).then((release) => (order.push('d'), release));
    await settle();
    expect(order).toEqual([]);
    expect(limit.active).toBe(2);
    a();
    a(); // a second call frees nothing more
    await settle();
    expect(order).toEqual(['c']);
    (await c)();
    await d;
    expect(order).toEqual(['c', 'd']);
    expect(limit.active).toBe(2);
  });

  it('drops a waiter whose signal aborts, without giving it a slot', async () => {
    const limit = createConcurrencyLimit(1);
    const release = await limit.acquire(new AbortController().signal);
    const gone = new AbortController();
    const waiting = limit.acquire(gone.signal);
    const next = limit.acquire(new AbortController().signal);
    gone.abort(new Error('scenario stopped'));
    await expect(waiting).rejects.toThrow('scenario stopped');
    release();
    await next;
    expect(limit.active).toBe(1);
  });
});

describe('parallel batches in an orchestration', () => {
  /**
   * A skill that takes `latency(batch)` ms (stopping early when its batch is aborted) and counts its calls in
   * flight, per scenario and overall; with `flaky`, every batch 3, 10, 17, … fails its first attempt.
   */
  function countingSkill(latency: (ctx: SkillContext) => number, flaky = false) {
    const state = { inFlight: 0, most: 0, perScenario: new Map<string, number>(), mostPerScenario: new Map<string, number>(), calls: [] as string[] };
    const skill: Skill = {
      name: 'counting',
      version: '1',
      async run(items, ctx) {
        state.calls.push(`${ctx.scenario}/${ctx.batchIndex}/${ctx.attempt}`);
        state.inFlight += 1;
        state.most = Math.max(state.most, state.inFlight);
        const mine = (state.perScenario.get(ctx.scenario) ?? 0) + 1;
        state.perScenario.set(ctx.scenario, mine);
        state.mostPerScenario.set(ctx.scenario, Math.max(state.mostPerScenario.get(ctx.scenario) ?? 0, mine));
        try {
          await sleep(latency(ctx), undefined, { signal: ctx.signal });
        } finally {
          state.inFlight -= 1;
          state.perScenario.set(ctx.scenario, (state.perScenario.get(ctx.scenario) ?? 1) - 1);
        }
        if (flaky && ctx.batchIndex % 7 === 3 && ctx.attempt === 1) throw new Error(`flaky batch ${ctx.batchIndex}`);
        return { qualityScore: 0.8, processed: items.length };
      },
    };
    return { skill, state };
  }

  it('gives the same milestones, barriers and totals as one worker, with each batch counted once, retries included', async () => {
    const scenarios = (workers: number) => [
      simScenario('one', 30, { skillParams: { batchSize: 1, parallelWorkers: workers } }),
      simScenario('two', 20, { skillParams: { batchSize: 2, parallelWorkers: workers } }),
    ];
    const latency = (ctx: SkillContext) => [4, 1, 3, 0, 2][ctx.batchIndex % 5] ?? 0;
    const run = async (workers: number) => {
      const { skill, state } = countingSkill(latency, true);
      const journal = new MemorySnapshotStore();
      const orchestration = createOrchestration(simConfig(scenarios(workers), { retry: { maxAttempts: 2, backoffMs: 1 } }), { skill, journal, id: 'orch-par' });
      orchestration.start();
      const report = await orchestration.result;
      const rows: BatchRecord[] = [...(await journal.loadBatches('orch-par', 'one', 0)), ...(await journal.loadBatches('orch-par', 'two', 0))];
      return { report, state, rows };
    };
    const serial = await run(1);
    const parallel = await run(4);

    const totals = (r: typeof serial.report) =>
      Object.entries(r.scenarios).map(([name, s]) => [name, s.status, s.itemsProcessed, s.itemsFailed, s.batchCount, s.milestonesReached, s.qualityScores.accuracy, s.errors.length]);
    expect(totals(parallel.report)).toEqual(totals(serial.report));
    expect(parallel.report.barriers.map((b) => [b.milestone, b.releasedBy, b.arrived])).toEqual(serial.report.barriers.map((b) => [b.milestone, b.releasedBy, b.arrived]));
    expect(parallel.rows.map((r) => `${r.scenario}/${r.batchIndex}`)).toEqual(serial.rows.map((r) => `${r.scenario}/${r.batchIndex}`));
    expect(parallel.state.mostPerScenario.get('one')).toBe(4);
    expect(serial.state.mostPerScenario.get('one')).toBe(1);
    // Each batch ran to a result once; the flaky ones twice (their retry), however many workers.
    const ran = (calls: string[]) => [...new Set(calls)].sort();
    expect(ran(parallel.state.calls)).toEqual(ran(serial.state.calls));
  });

  it('stops at a barrier with no batch past it started, all before it counted, while another scenario is still on its way', async () => {
    const { skill, state } = countingSkill((ctx) => (ctx.scenario === 'slow' ? 30 : 1));
    const run = createOrchestration(
      simConfig([simScenario('fast', 20, { skillParams: { batchSize: 1, parallelWorkers: 4 } }), simScenario('slow', 4)], { barriers: { at: [50], timeoutMs: 30_000 }, milestones: [0, 50, 100] }),
      { skill },
    );
    const arrived = new Promise<void>((resolve) => run.subscribe((e) => e.type === 'barrier.arrived' && e.scenario === 'fast' && resolve()));
    run.start();
    await arrived;
    await new Promise((r) => setTimeout(r, 20));
    const fast = run.progress()[0];
    expect(fast?.batchCount).toBe(10);
    const started = state.calls.filter((c) => c.startsWith('fast/')).map((c) => Number(c.split('/')[1]));
    expect(Math.max(...started)).toBe(9);
    run.cancel();
    await run.result;
  });

  it('keeps at most maxConcurrency batches in flight across all scenarios, and lets every scenario through', async () => {
    const { skill, state } = countingSkill(() => 2);
    const names = ['a', 'b', 'c'];
    const run = createOrchestration(
      simConfig(names.map((n) => simScenario(n, 12, { skillParams: { batchSize: 1, parallelWorkers: 4 } })), { maxConcurrency: 2, barriers: { at: [], timeoutMs: 1_000 } }),
      { skill },
    );
    run.start();
    const report = await run.result;
    expect(state.most).toBe(2);
    expect(Object.values(report.scenarios).map((s) => s.status)).toEqual(['complete', 'complete', 'complete']);
    // First come first served, one waiting turn per scenario: the first calls take turns between the scenarios.
    const firstSix = new Set(state.calls.slice(0, 6).map((c) => c.split('/')[0]));
    expect(firstSix).toEqual(new Set(names));
  });
});
