import { describe, expect, it } from 'vitest';
import { foldQuality } from '../../src/machines/scenarioPlan.ts';

// Surviving mutants of foldQuality (Stryker, 2026-11-30): the subset's batches are of one item, so a
// score weighed by the wrong operation, or a weight not carried over, went unseen.
describe('quality totals (mutation gaps)', () => {
  it("weighs each batch's score and metrics by its processed items, each metric over the batches that gave it", () => {
    let q = foldQuality({ items: 0, sums: {}, weights: {} }, 0.5, { f1: 0.2 }, 4);
    q = foldQuality(q, 1, {}, 2);
    q = foldQuality(q, 0.25, { f1: 0.6 }, 2);
    expect(q).toEqual({ items: 8, sums: { accuracy: 4.5, f1: 2 }, weights: { accuracy: 8, f1: 6 } });
  });

  it('weighs what a snapshot saved before per-metric weights holds by all its scored items', () => {
    expect(foldQuality({ items: 4, sums: { accuracy: 2, f1: 1 } }, 1, { f1: 0.5 }, 2)).toEqual({ items: 6, sums: { accuracy: 4, f1: 2 }, weights: { accuracy: 6, f1: 6 } });
  });
});
