import { unfoldBatches } from '../../src/actors/batchFold.ts';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createActor, setup, type EventObject } from 'xstate';
import { createBatchRunner, idempotencyKey, type BatchRunnerDeps } from '../../src/actors/batchRunner.ts';
import type { Skill, SkillContext } from '../../src/actors/skill.ts';
import type { ScenarioEvent } from '../../src/machines/events.ts';
import type { BatchRunnerInput } from '../../src/machines/scenarioMachine.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { BatchRecord } from '../../src/persistence/SnapshotStore.ts';
import { manualSkill } from '../support/manualSkill.ts';
import { testPlan } from '../support/plans.ts';

/** A skill that answers at once with `answer(ctx)`. */
function instantSkill(answer: (ctx: SkillContext, items: number) => unknown = (_ctx, items) => ({ qualityScore: 0.9, processed: items })): Skill & { calls: SkillContext[] } {
  const calls: SkillContext[] = [];
  return {
    name: 'instant',
    version: '1',
    calls,
    run(items, ctx) {
      calls.push(ctx);
      return answer(ctx, items.length) as ReturnType<Skill['run']>;
    },
  };
}

const NOW = 5_000_000;

/**
 * Runs the real batch runner as the invoked child of a tiny parent (a callback actor's sendBack goes to its
 * parent), records every event it sends, and stops it (aborting the stretch) on `stop()`.
 */
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
    states: {
      running: { invoke: { src: 'runner', input }, on: { stop: 'stopped', '*': { actions: 'record' } } },
      stopped: {},
    },
  });
  const actor = createActor(parent).start();
  return { events, journal, stop: () => actor.send({ type: 'stop' }) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function record(plan: ScenarioPlan, batchIndex: number, overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    orchestrationId: plan.orchestrationId,
    scenario: plan.name,
    batchIndex,
    attempt: 1,
    items: plan.batchSize,
    itemsFailed: 0,
    qualityScore: 0.5,
    result: { qualityScore: 0.5, processed: plan.batchSize, metrics: { latency: 0.25 }, memoryMb: 3 },
    startedAt: 1_000 + batchIndex * 100,
    finishedAt: 1_040 + batchIndex * 100,
    ...overrides,
  };
}

async function journalWith(records: BatchRecord[]) {
  const journal = new MemorySnapshotStore();
  for (const r of records) await journal.recordBatch(r);
  return journal;
}

/** A journal that hands back exactly these rows, as a tampered or corrupt database would. */
function forgedJournal(records: BatchRecord[]) {
  const journal = new MemorySnapshotStore();
  journal.loadBatches = (_orchestrationId, _scenario, fromIndex) => Promise.resolve(records.filter((r) => r.batchIndex >= fromIndex));
  return journal;
}

describe('createBatchRunner', () => {
  describe('running batches', () => {
    it('should run every batch from `from` in order, with its items, attempt and idempotency key, and send one batch.done each', async () => {
      const plan = testPlan({ definition: { inputSize: 5, skillParams: { batchSize: 2 } }, barriers: [] });
      const skill = instantSkill();
      const { events, journal } = startRunner({ plan, from: 1, attempt: 2 }, { skill });
      await settle();

      expect(skill.calls.map((c) => [c.batchIndex, c.attempt, c.idempotencyKey])).toEqual([
        [1, 2, idempotencyKey(plan, 1)],
        [2, 1, 'orch-test/alpha/batch/2'],
      ]);
      expect(events).toMatchObject([
        { type: 'batch.done', index: 1, attempt: 2, items: 2, itemsFailed: 0, qualityScore: 0.9, at: NOW, memoryMb: 0, replayed: false },
        { type: 'batch.done', index: 2, attempt: 1, items: 1, itemsFailed: 0, qualityScore: 0.9, at: NOW, replayed: false },
      ]);
      expect((await journal.loadBatches(plan.orchestrationId, plan.name, 0)).map((r) => [r.batchIndex, r.items, r.startedAt, r.finishedAt])).toEqual([
        [1, 2, NOW, NOW],
        [2, 1, NOW, NOW],
      ]);
    });

    it('should write a batch to the journal before the event that counts it', async () => {
      const plan = testPlan({ definition: { inputSize: 3 }, barriers: [] });
      const journal = new MemorySnapshotStore();
      const recordBatch = journal.recordBatch.bind(journal);
      // For each row: how many events the runner had sent when the row was written.
      const eventsBeforeRow: number[] = [];
      journal.recordBatch = async (r) => {
        await recordBatch(r);
        eventsBeforeRow[r.batchIndex] = harness.events.length;
      };
      const harness = startRunner({ plan, from: 0, attempt: 1 }, { skill: instantSkill(), journal });
      await settle();
      expect(harness.events.map((e) => e.type === 'batch.done' && e.index)).toEqual([0, 1, 2]);
      expect(eventsBeforeRow).toEqual([0, 1, 2]);
    });

    it('should send no event for a batch whose journal row was not written, and report why', async () => {
      const plan = testPlan({ definition: { inputSize: 3 } });
      const journal = new MemorySnapshotStore();
      journal.recordBatch = () => Promise.reject(new Error('store is down'));
      const onRunnerError = vi.fn();
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill: instantSkill(), journal, onRunnerError });
      await settle();
      expect(events).toEqual([{ type: 'runner.error', at: NOW, error: 'store is down' }]);
      expect(onRunnerError).toHaveBeenCalledWith(expect.objectContaining({ message: 'store is down' }));
    });
  });

  describe('replaying the journal', () => {
    it('should replay recorded batches instead of re-running them, keeping their recorded times', async () => {
      const plan = testPlan({ definition: { inputSize: 4 } });
      const journal = await journalWith([record(plan, 0), record(plan, 1, { itemsFailed: 1, qualityScore: null, result: { error: 'boom' } })]);
      const skill = instantSkill();
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill, journal });
      await settle();

      expect(skill.calls.map((c) => c.batchIndex)).toEqual([2, 3]);
      expect(events[0]).toEqual({
        type: 'batch.done', at: 1_040, index: 0, attempt: 1, items: 1, itemsFailed: 0, qualityScore: 0.5,
        metrics: { latency: 0.25 }, durationMs: 40, memoryMb: 3, replayed: true,
      });
      expect(events[1]).toEqual({
        type: 'batch.done', at: 1_140, index: 1, attempt: 1, items: 1, itemsFailed: 1, qualityScore: null,
        metrics: {}, durationMs: 40, memoryMb: 0, error: 'boom', replayed: true,
      });
      expect(events.slice(2)).toMatchObject([{ index: 2, at: NOW, replayed: false }, { index: 3, at: NOW, replayed: false }]);
    });

    it('should replay only from `from`, and start the next batch at attempt 1 whatever attempt it was given', async () => {
      const plan = testPlan({ definition: { inputSize: 4 } });
      const journal = await journalWith([record(plan, 0), record(plan, 1), record(plan, 2)]);
      const skill = instantSkill();
      const { events } = startRunner({ plan, from: 1, attempt: 2 }, { skill, journal });
      await settle();
      expect(events.map((e) => [e.type === 'batch.done' && e.index, e.type === 'batch.done' && e.replayed])).toEqual([
        [1, true],
        [2, true],
        [3, false],
      ]);
      expect(skill.calls.map((c) => [c.batchIndex, c.attempt])).toEqual([[3, 1]]);
    });

    it('should stop replaying at a gap in the indices and run the missing batch', async () => {
      const plan = testPlan({ definition: { inputSize: 4 } });
      const journal = await journalWith([record(plan, 0), record(plan, 1), record(plan, 3)]);
      const skill = manualSkill();
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill, journal });
      await settle();
      expect(events.map((e) => e.type === 'batch.done' && e.index)).toEqual([0, 1]);
      expect(skill.calls.map((c) => [c.ctx.batchIndex, c.ctx.attempt])).toEqual([[2, 1]]);
    });

    it('should replay nothing and run from `from` when the journal is empty', async () => {
      const plan = testPlan({ definition: { inputSize: 2 }, barriers: [] });
      const skill = instantSkill();
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill });
      await settle();
      expect(skill.calls.map((c) => c.batchIndex)).toEqual([0, 1]);
      expect(events.every((e) => e.type === 'batch.done' && !e.replayed)).toBe(true);
    });
  });

  describe('refusing a journal row it could not have written', () => {
    const refusals: [string, (plan: ScenarioPlan) => Partial<BatchRecord>, RegExp][] = [
      ['more items than the batch holds', () => ({ items: 999_999 }), /items: 999999 is not the size of batch 1 \(1/],
      ['a quality score outside 0..1', () => ({ qualityScore: 42 }), /qualityScore: must be between 0 and 1/],
      ['more failed items than items', () => ({ itemsFailed: 3 }), /itemsFailed: 3 is more than the batch's 1 items/],
      ['a negative failed count', () => ({ itemsFailed: -3 }), /itemsFailed: must be 0 or more/],
      ['a failed batch that counts items as processed', () => ({ qualityScore: null, itemsFailed: 0 }), /a failed batch \(qualityScore null\)/],
      ['another scenario\'s row', () => ({ scenario: 'beta' }), /belongs to orchestration "orch-test", scenario "beta"/],
      ['a finish before its start', () => ({ startedAt: 2_000, finishedAt: 1_000 }), /finishedAt: 1000 is before startedAt 2000/],
      ['a non-numeric memory figure', () => ({ result: { qualityScore: 0.5, memoryMb: 'lots' } }), /result\.memoryMb/],
    ];

    it.each(refusals)('should stop with a message naming the row when it has %s, replaying none of the batches', async (_what, forge, why) => {
      const plan = testPlan({ definition: { inputSize: 4 } });
      const journal = forgedJournal([record(plan, 0), { ...record(plan, 1), ...forge(plan) }]);
      const skill = instantSkill();
      const onRunnerError = vi.fn();
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill, journal, onRunnerError });
      await settle();

      expect(skill.calls).toEqual([]);
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event).toMatchObject({ type: 'runner.error', at: NOW });
      const message = event?.type === 'runner.error' ? event.error : '';
      expect(message).toContain('orchestration "orch-test", scenario "alpha", batch 1:');
      expect(message).toMatch(why);
      expect(onRunnerError).toHaveBeenCalledWith(expect.objectContaining({ message, code: 'snapshot_invalid' }));
    });

    it('should refuse a row whose index lies outside the scenario', async () => {
      const plan = testPlan({ definition: { inputSize: 2 } });
      const journal = forgedJournal([record(plan, 0), record(plan, 1), record(plan, 2)]);
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill: instantSkill(), journal });
      await settle();
      expect(events).toMatchObject([{ type: 'runner.error', error: expect.stringMatching(/scenario "alpha", batch 2: batchIndex: must be an integer in 0\.\.1/) as string }]);
    });

    it('should accept the short last batch and a failed batch that counts all its items as failed', async () => {
      const plan = testPlan({ definition: { inputSize: 5, skillParams: { batchSize: 2 } } });
      const journal = await journalWith([
        record(plan, 0),
        record(plan, 1, { itemsFailed: 2, qualityScore: null, result: { error: 'x' } }),
        record(plan, 2, { items: 1 }),
      ]);
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill: instantSkill(), journal });
      await settle();
      expect(events.map((e) => e.type === 'batch.done' && [e.index, e.items, e.replayed])).toEqual([
        [0, 2, true],
        [1, 2, true],
        [2, 1, true],
      ]);
    });
  });

  describe('validating what the skill returns', () => {
    const invalid: [string, (items: number) => unknown, RegExp][] = [
      ['a quality score above 1', () => ({ qualityScore: 2 }), /skill returned an invalid result \(.*must be between 0 and 1.*qualityScore/],
      ['nothing', () => undefined, /skill returned an invalid result/],
      ['an unknown key', () => ({ qualityScore: 0.5, score: 1 }), /skill returned an invalid result \(.*score/],
      ['more items processed than the batch has', (items) => ({ qualityScore: 0.5, processed: items + 1 }), /skill reported processed=3 for a batch of 2 items/],
    ];

    it.each(invalid)('should fail the batch on its last attempt when the skill returns %s, counting every item as failed', async (_what, answer, why) => {
      const plan = testPlan({ definition: { inputSize: 2, skillParams: { batchSize: 2 } }, maxAttempts: 1 });
      const { events, journal } = startRunner({ plan, from: 0, attempt: 1 }, { skill: instantSkill((_ctx, items) => answer(items)) });
      await settle();
      expect(events).toMatchObject([{ type: 'batch.done', index: 0, items: 2, itemsFailed: 2, qualityScore: null, error: expect.stringMatching(why) as string }]);
      expect(await journal.loadBatches(plan.orchestrationId, plan.name, 0)).toMatchObject([{ itemsFailed: 2, qualityScore: null, result: { error: expect.stringMatching(why) as string } }]);
    });

    it('should ask for a retry (batch.failed, nothing journaled) when an invalid result comes before the last attempt', async () => {
      const plan = testPlan({ definition: { inputSize: 2 }, maxAttempts: 2 });
      const { events, journal } = startRunner({ plan, from: 0, attempt: 1 }, { skill: instantSkill(() => ({ qualityScore: -1 })) });
      await settle();
      expect(events).toMatchObject([{ type: 'batch.failed', index: 0, attempt: 1, error: expect.stringMatching(/invalid result/) as string }]);
      expect(await journal.loadBatches(plan.orchestrationId, plan.name, 0)).toEqual([]);
    });

    it('should count unprocessed items as failed and keep the skill\'s metrics and memory', async () => {
      const plan = testPlan({ definition: { inputSize: 3, skillParams: { batchSize: 3 } } });
      const { events } = startRunner({ plan, from: 0, attempt: 1 }, { skill: instantSkill(() => ({ qualityScore: 0.8, processed: 1, metrics: { f1: 0.5 }, memoryMb: 99 })) });
      await settle();
      expect(events).toMatchObject([{ type: 'batch.done', items: 3, itemsFailed: 2, qualityScore: 0.8, metrics: { f1: 0.5 }, memoryMb: 99 }]);
    });
  });

  describe('aborting', () => {
    it('should abort the skill in flight when stopped, and neither journal nor report that batch even if it resolves later', async () => {
      const plan = testPlan({ definition: { inputSize: 3 } });
      const skill = manualSkill();
      const { events, journal, stop } = startRunner({ plan, from: 0, attempt: 1 }, { skill });
      await settle();
      skill.calls[0]?.resolve({ qualityScore: 1 });
      await settle();
      const inFlight = skill.calls[1];
      expect(inFlight?.ctx.batchIndex).toBe(1);
      expect(inFlight?.ctx.signal.aborted).toBe(false);

      stop();
      expect(inFlight?.ctx.signal.aborted).toBe(true);
      inFlight?.resolve({ qualityScore: 1 });
      await settle();

      expect(events.map((e) => e.type === 'batch.done' && e.index)).toEqual([0]);
      expect((await journal.loadBatches(plan.orchestrationId, plan.name, 0)).map((r) => r.batchIndex)).toEqual([0]);
      expect(skill.calls).toHaveLength(2);
    });

    it('should send nothing when the aborted skill rejects', async () => {
      const plan = testPlan({ definition: { inputSize: 2 } });
      const skill = manualSkill();
      const { events, stop } = startRunner({ plan, from: 0, attempt: 1 }, { skill });
      await settle();
      stop();
      skill.calls[0]?.reject(new Error('aborted'));
      await settle();
      expect(events).toEqual([]);
    });
  });

  describe('abort signals', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('should give each batch its own signal, so a skill adding an abort listener per batch leaves none on the stretch', async () => {
      const BATCHES = 300;
      const plan = testPlan({ definition: { inputSize: BATCHES }, barriers: [] });
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
      process.on('warning', onWarning);
      // The stretch's controller is the first one the runner creates; watch every one it makes.
      const controllers: AbortController[] = [];
      const Real = AbortController;
      vi.spyOn(globalThis, 'AbortController').mockImplementation(function make() {
        const controller = new Real();
        controllers.push(controller);
        return controller;
      });
      let mostOnAnySignal = 0;
      const skill = instantSkill((ctx, items) => {
        // A careless skill: one listener per batch, never removed.
        ctx.signal.addEventListener('abort', () => undefined);
        for (const c of controllers) mostOnAnySignal = Math.max(mostOnAnySignal, getEventListeners(c.signal, 'abort').length);
        return { qualityScore: 1, processed: items };
      });
      try {
        const { events, stop } = startRunner({ plan, from: 0, attempt: 1 }, { skill });
        await vi.waitFor(() => expect(events).toHaveLength(BATCHES), { interval: 1 });
        await settle();
        stop();
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.filter((w) => w.includes('MaxListenersExceeded'))).toEqual([]);
      expect(controllers.length).toBeGreaterThan(0);
      const stretch = controllers[0];
      expect(stretch && getEventListeners(stretch.signal, 'abort').length).toBe(0);
      expect(mostOnAnySignal).toBeLessThanOrEqual(2);
    });
  });
});
