import { describe, expect, it } from 'vitest';
import type { BatchDoneEvent } from '../../src/machines/events.ts';
import { countBatch, type ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { batchDone, batchGaveUp } from '../support/controls.ts';
import { testPlan } from '../support/plans.ts';
import { createScenarioHarness, type ScenarioHarness } from '../support/scenarioHarness.ts';

/**
 * The scenario machine's side of folded batch events (BatchFold): where it starts counting, where it stops,
 * and when it takes the runner's precounted progress. The real runner never folds past a batch that decides
 * something, so only direct events reach these branches. Everything is computed inside `it` (see
 * test/README.md, "Mutation testing").
 */

/** `first`, with the batches after it folded in, as the runner sends them. */
function folded(first: BatchDoneEvent, ...following: BatchDoneEvent[]): BatchDoneEvent {
  return { ...first, following };
}

/** 10 batches of one item, milestones at 0, 50 and 100 %, no barrier unless given. */
function tenBatches(options: { barriers?: number[]; errorTolerance?: number; memoryLimitMb?: number } = {}): ScenarioPlan {
  return testPlan({
    definition: { inputSize: 10, errorTolerance: options.errorTolerance ?? 0.5, memoryLimitMb: options.memoryLimitMb ?? 4096 },
    milestones: [0, 50, 100],
    barriers: options.barriers ?? [],
  });
}

function started(plan: ScenarioPlan): ScenarioHarness {
  const h = createScenarioHarness(plan);
  h.send({ type: 'scenario.start' });
  return h;
}

/** Sends batches from..to-1, one event each, 10 ms apart. */
function settle(h: ScenarioHarness, from: number, to: number): void {
  for (let i = from; i < to; i++) h.controls.runner().sendBack(batchDone(i, h.clock.tick(10)));
}

describe('scenario machine: folded batch events (mutation gaps)', () => {
  describe('an event that starts before the cursor (a runner restored from an older snapshot)', () => {
    it('counts from the cursor on, however far before it the event starts', () => {
      const h = started(tenBatches());
      settle(h, 0, 3);
      const t = h.clock.tick(10);
      // Batch 1 and 2 were counted already; 3 and 4 are new.
      h.controls.runner().sendBack(folded(batchDone(1, t), batchDone(2, t), batchDone(3, t), batchDone(4, t)));
      expect(h.context().cursor).toBe(5);
      expect(h.progress()).toMatchObject({ batchCount: 5, itemsProcessed: 5 });
    });

    it('counts the cursor batch when it is the last one folded in', () => {
      const h = started(tenBatches());
      settle(h, 0, 2);
      const t = h.clock.tick(10);
      h.controls.runner().sendBack(folded(batchDone(1, t), batchDone(2, t)));
      expect(h.context().cursor).toBe(3);
      expect(h.progress()).toMatchObject({ batchCount: 3, itemsProcessed: 3 });
    });

    it('ignores a replay of batches all counted already, keeping the attempt of a batch being retried', () => {
      const h = started(tenBatches());
      settle(h, 0, 1);
      // Batch 1's first attempt fails: the retry runs it as attempt 2.
      h.controls.runner().sendBack({ type: 'batch.failed', at: h.clock.tick(10), index: 1, attempt: 1, error: 'boom', durationMs: 5 });
      h.controls.fire('retry.due', h.clock.tick(10));
      expect(h.controls.runner().input).toMatchObject({ from: 1, attempt: 2 });
      // A stale event for batch 0 alone changes nothing.
      const before = h.context();
      h.controls.runner().sendBack(batchDone(0, h.clock.tick(10)));
      expect(h.context()).toEqual(before);
      // The runner stops (the store went away); after the resume the retry is still attempt 2.
      h.controls.runner().sendBack({ type: 'runner.error', at: h.clock.tick(10), error: 'store unreachable' });
      h.send({ type: 'scenario.resume' }, 10);
      expect(h.controls.runner().input).toMatchObject({ from: 1, attempt: 2 });
    });
  });

  describe('stops counting at the first batch that decides something', () => {
    it('a barrier: the batches folded after it are not counted, and the scenario waits there', () => {
      const h = started(tenBatches({ barriers: [50] }));
      const t = h.clock.tick(10);
      h.controls.runner().sendBack(folded(batchDone(0, t), ...[1, 2, 3, 4, 5, 6].map((i) => batchDone(i, t))));
      expect(h.state()).toBe('running.atBarrier');
      expect(h.context().cursor).toBe(5);
      expect(h.progress()).toMatchObject({ batchCount: 5, progressPct: 50 });
    });

    it('the error tolerance: fails at the batch that breaks it, with none after it counted', () => {
      const h = started(tenBatches({ errorTolerance: 0.1 }));
      const t = h.clock.tick(10);
      h.controls.runner().sendBack(folded(batchDone(0, t), batchGaveUp(1, t, 2), batchGaveUp(2, t, 2), batchDone(3, t), batchDone(4, t)));
      expect(h.state()).toBe('failed');
      expect(h.progress()).toMatchObject({ failureReason: 'error_tolerance_exceeded', batchCount: 3, itemsFailed: 2, itemsProcessed: 1 });
    });

    it('the error tolerance reached exactly is no decision: every batch folded in counts', () => {
      const h = started(tenBatches({ errorTolerance: 0.1 }));
      const t = h.clock.tick(10);
      h.controls.runner().sendBack(folded(batchDone(0, t), batchGaveUp(1, t, 2), batchDone(2, t), batchDone(3, t)));
      expect(h.state()).toBe('running.working.processing.active');
      expect(h.progress()).toMatchObject({ batchCount: 4, itemsFailed: 1, itemsProcessed: 3 });
    });

    it('the memory limit: fails at the batch past it, with none after it counted', () => {
      const h = started(tenBatches({ memoryLimitMb: 64 }));
      const t = h.clock.tick(10);
      h.controls.runner().sendBack(folded(batchDone(0, t), batchDone(1, t, { memoryMb: 65 }), batchDone(2, t), batchDone(3, t)));
      expect(h.state()).toBe('failed');
      expect(h.progress()).toMatchObject({ failureReason: 'memory_limit_exceeded', batchCount: 2, memoryUsedMb: 65 });
    });

    it('a batch using exactly the memory limit is no decision: every batch folded in counts', () => {
      const h = started(tenBatches({ memoryLimitMb: 64 }));
      const t = h.clock.tick(10);
      h.controls.runner().sendBack(folded(batchDone(0, t), batchDone(1, t, { memoryMb: 64 }), batchDone(2, t), batchDone(3, t)));
      expect(h.state()).toBe('running.working.processing.active');
      expect(h.progress()).toMatchObject({ batchCount: 4, memoryUsedMb: 64 });
      expect(h.progress().failureReason).toBeUndefined();
    });

    it('a skill out of memory: fails at that batch, with none after it counted', () => {
      const h = started(tenBatches({ memoryLimitMb: 64 }));
      const t = h.clock.tick(10);
      h.controls.runner().sendBack(folded(batchDone(0, t), { ...batchGaveUp(1, t, 1), memoryMb: 64, outOfMemory: true }, batchDone(2, t), batchDone(3, t)));
      expect(h.state()).toBe('failed');
      expect(h.progress()).toMatchObject({ failureReason: 'memory_limit_exceeded', batchCount: 2 });
    });
  });

  // Taking a matching precount instead of counting again changes no figure (it only saves the work), so
  // only a stale one is observable: it must not be taken.
  describe("the runner's precounted progress", () => {
    it('is not taken when counted from another progress: the machine counts from its own', () => {
      const h = started(tenBatches());
      settle(h, 0, 1);
      const mine = h.progress();
      // The runner read a progress with 5 items more than the machine holds (not the same object).
      const stale = { ...mine, itemsProcessed: mine.itemsProcessed + 5 };
      const e = batchDone(1, h.clock.tick(10));
      h.controls.runner().sendBack({ ...e, counted: { from: stale, downtimeMs: 0, resumedAt: 0, progress: [countBatch(stale, h.context().plan, e, 0, 0)] } });
      expect(h.progress()).toMatchObject({ batchCount: 2, itemsProcessed: 2 });
    });

    it('is not taken when counted with another downtime: elapsed time leaves out the downtime the machine knows of', () => {
      const h = started(tenBatches());
      const startedAt = h.clock.now;
      // Down for 1 s; the progress object is unchanged by the resume, but the runner counted before it.
      h.send({ type: 'clock.resumed', downtimeMs: 1_000 }, 1_000);
      const { resumedAt } = h.context();
      const e = batchDone(0, h.clock.tick(10));
      const from = h.progress();
      h.controls.runner().sendBack({ ...e, counted: { from, downtimeMs: 0, resumedAt, progress: [countBatch(from, h.context().plan, e, 0, resumedAt)] } });
      expect(h.progress().elapsedMs).toBe(e.at - startedAt - 1_000);
    });

    it('is not taken when counted with another resume time: a batch stamped before the resume counts at the resume', () => {
      const h = started(tenBatches());
      const startedAt = h.clock.now;
      const e = batchDone(0, h.clock.tick(10));
      // The batch finished before the crash; the process was down 1 s and resumed 1.5 s after the start.
      h.send({ type: 'clock.resumed', downtimeMs: 1_000 }, 1_490);
      const { downtimeMs, resumedAt } = h.context();
      const from = h.progress();
      h.controls.runner().sendBack({ ...e, counted: { from, downtimeMs, resumedAt: 0, progress: [countBatch(from, h.context().plan, e, downtimeMs, 0)] } });
      expect(h.progress().elapsedMs).toBe(resumedAt - startedAt - 1_000);
    });
  });
});
