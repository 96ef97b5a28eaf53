import { describe, expect, it } from 'vitest';
import { batchReaching, lastBatchOfStretch, parallelWorkers } from '../../src/actors/batchWindow.ts';
import { progressPctOf, type ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { testPlan } from '../support/plans.ts';

/** `inputSize` items in batches of `batchSize`, with the barriers given and `parallelWorkers` workers. */
const plan = (inputSize: number, batchSize: number, extra: { barriers?: number[]; workers?: number } = {}) =>
  testPlan({ definition: { inputSize, skillParams: { batchSize, parallelWorkers: extra.workers ?? 1 } }, barriers: extra.barriers ?? [] });

/** A plan whose merged params say `parallelWorkers: value`, as a skill's own params (unchecked by the config) may. */
const withWorkers = (value: unknown): ScenarioPlan => {
  const base = plan(4, 1);
  return { ...base, params: { ...base.params, parallelWorkers: value } };
};

describe('parallelWorkers', () => {
  it('takes a positive integer as it is, capped at 64', () => {
    expect(parallelWorkers(withWorkers(1))).toBe(1);
    expect(parallelWorkers(withWorkers(4))).toBe(4);
    expect(parallelWorkers(withWorkers(64))).toBe(64);
    expect(parallelWorkers(withWorkers(500))).toBe(64);
  });

  it('runs one worker for anything else a skill param may say: zero, a negative or fractional number, a string, nothing', () => {
    for (const value of [0, -3, 2.5, '4', undefined]) expect(parallelWorkers(withWorkers(value)), String(value)).toBe(1);
  });
});

describe('batchReaching', () => {
  it('gives the first batch whose settling reaches the milestone, by the machine\'s own progress formula', () => {
    const p = plan(10, 1);
    expect([0, 10, 25, 50, 100].map((m) => batchReaching(p, m))).toEqual([0, 0, 2, 4, 9]);
    // Batches of 2 over 100 items: 30 % is 30 items, settled with batch 14.
    expect(batchReaching(plan(100, 2), 30)).toBe(14);
  });

  it('steps up from the arithmetic guess when rounding leaves a fractional milestone just out of its reach', () => {
    // The double just above 11 of 19 items (1100/19 %): 11 items fall short of it, so batch 11 (12 items)
    // reaches it, while the guess (milestone * 19 / 100 rounds to exactly 11) says batch 10.
    const p = plan(19, 1);
    const milestone = 57.89473684210527;
    expect(progressPctOf(p, 11)).toBeLessThan(milestone);
    expect(batchReaching(p, milestone)).toBe(11);
  });

  it('steps down from the arithmetic guess when rounding puts a fractional milestone within an earlier batch\'s reach', () => {
    // 100/11 % is one item of 11: batch 0 reaches it, though the guess says batch 1.
    const p = plan(11, 1);
    expect(batchReaching(p, 100 / 11)).toBe(0);
    expect(batchReaching(p, 100 / 11 + 1e-9)).toBe(1);
  });
});

describe('lastBatchOfStretch', () => {
  it('ends a stretch at the batch that reaches the next barrier, and at the last batch when none is ahead', () => {
    const p = plan(10, 1, { barriers: [50], workers: 4 });
    expect(lastBatchOfStretch(p, 0)).toBe(4);
    expect(lastBatchOfStretch(p, 5)).toBe(9);
  });

  it('ends a stretch that starts at the barrier batch (a retry of it, or a resume there) at that batch', () => {
    expect(lastBatchOfStretch(plan(10, 1, { barriers: [50], workers: 4 }), 4)).toBe(4);
  });

  it('stops at the first of several barriers ahead, not the last', () => {
    const p = plan(10, 1, { barriers: [30, 70], workers: 4 });
    expect(lastBatchOfStretch(p, 0)).toBe(2);
    expect(lastBatchOfStretch(p, 3)).toBe(6);
  });

  it('counts items, not batches, when batches hold several items', () => {
    // 100 items in batches of 2: the barrier at 30 % (item 30) is reached by batch 14, not 29 or the last.
    expect(lastBatchOfStretch(plan(100, 2, { barriers: [30], workers: 4 }), 0)).toBe(14);
  });
});
