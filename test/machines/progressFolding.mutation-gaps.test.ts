import { describe, expect, it } from 'vitest';
import { applyBatch, initialProgress, type ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { batchDone, batchFailed, batchGaveUp } from '../support/controls.ts';
import { testPlan } from '../support/plans.ts';
import { createScenarioHarness } from '../support/scenarioHarness.ts';

/**
 * How a settled batch folds into a scenario's progress where the model tests never reach: more errors than
 * the plan keeps (the model's runs stay under 20), quality weighed by a batch's good items only, and a cached
 * batch with failed items. Everything is computed inside `it` (see test/README.md, "Mutation testing").
 */

/** Ten batches of one item unless `items` says otherwise, keeping at most two error messages. */
const plan = (inputSize = 10, maxAttempts = 3): ScenarioPlan => ({ ...testPlan({ definition: { inputSize, errorTolerance: 1 }, barriers: [], maxAttempts }), maxErrorsKept: 2 });

describe('progress folding (mutation gaps)', () => {
  it('keeps only the newest maxErrorsKept messages of batches that gave up, and counts every error', () => {
    const p = plan();
    let progress = initialProgress(p);
    for (let i = 0; i < 3; i++) progress = applyBatch(progress, p, batchGaveUp(i, 10 * (i + 1), 3), 0);
    expect(progress.errorCount).toBe(3);
    expect(progress.errors.map((e) => e.message)).toEqual(['batch 1 failed (attempt 3)', 'batch 2 failed (attempt 3)']);
  });

  it('weighs a batch quality score by its good items only', () => {
    const p = plan(20);
    let progress = initialProgress(p);
    progress = applyBatch(progress, p, batchDone(0, 10, { items: 10, itemsFailed: 8, qualityScore: 0 }), 0);
    progress = applyBatch(progress, p, batchDone(1, 20, { items: 10, itemsFailed: 0, qualityScore: 1 }), 0);
    // 2 good items scored 0 and 10 scored 1: 10 / 12, not 10 / 28.
    expect(progress.quality.items).toBe(12);
    expect(progress.quality.weights?.accuracy).toBe(12);
    expect((progress.quality.sums.accuracy ?? 0) / progress.quality.items).toBeCloseTo(10 / 12, 12);
  });

  it("counts a cached batch's good items as cached, not its failed ones", () => {
    const p = plan(10);
    const progress = applyBatch(initialProgress(p), p, batchDone(0, 10, { items: 5, itemsFailed: 2, cached: true }), 0);
    expect(progress).toMatchObject({ cachedBatches: 1, cachedItems: 3, itemsProcessed: 3, itemsFailed: 2 });
  });

  it('keeps only the newest maxErrorsKept messages when an attempt fails and is retried', () => {
    const h = createScenarioHarness(plan());
    h.send({ type: 'scenario.start' });
    for (let i = 0; i < 2; i++) h.controls.runner().sendBack(batchGaveUp(i, h.clock.tick(10), 3));
    h.controls.runner().sendBack(batchFailed(2, h.clock.tick(10), 1));
    expect(h.progress().errorCount).toBe(3);
    expect(h.progress().errors.map((e) => e.message)).toEqual(['batch 1 failed (attempt 3)', 'batch 2 failed (attempt 1)']);
  });

  it('keeps only the newest maxErrorsKept messages when the runner stops with an error', () => {
    const h = createScenarioHarness(plan());
    h.send({ type: 'scenario.start' });
    for (let i = 0; i < 2; i++) h.controls.runner().sendBack(batchGaveUp(i, h.clock.tick(10), 3));
    h.controls.runner().sendBack({ type: 'runner.error', at: h.clock.tick(10), error: 'the journal stayed unreachable' });
    expect(h.progress().errorCount).toBe(3);
    expect(h.progress().errors.map((e) => e.message)).toEqual(['batch 1 failed (attempt 3)', 'the journal stayed unreachable']);
  });
});
