import { describe, expect, it } from 'vitest';
import { fitScaling, type ScalingPoint } from '../../src/report/scaling.ts';

/** Points from (batches, items, busy ms) triples; the batch size is not what these tests look at. */
function points(...triples: [number, number, number][]): ScalingPoint[] {
  return triples.map(([batches, items, busyMs], i) => ({ name: `s${i}`, batches, items, busyMs, batchSize: 10 }));
}

const NEGATIVE_TERM = 'The split into per-batch and per-item cost has a negative term, so a fixed cost per batch plus a cost per item does not describe this data well.';

// The negative-term note had no test (its mutants survived). Least-squares estimates below are from
// numpy.linalg.lstsq on the same triples, not from this code.
describe('fitScaling: the two-term split with a negative term', () => {
  it('says so when the per-batch cost comes out negative (−2.936 ms per batch, 1.997 ms per item)', () => {
    const scaling = fitScaling(points([1, 10, 17], [2, 10, 14.2], [1, 20, 37.1], [3, 30, 51], [2, 40, 74]));
    expect(scaling.perBatchMs).toBe(-2.936);
    expect(scaling.perItemMs).toBe(1.997);
    expect(scaling.notes).toContain(NEGATIVE_TERM);
    expect(scaling.notes.join(' ')).not.toContain('driven by batch count');
  });

  it('says so when the per-item cost comes out negative (51.114 ms per batch, −0.137 ms per item)', () => {
    const scaling = fitScaling(points([1, 10, 50], [2, 10, 101], [1, 20, 48], [3, 30, 149], [2, 40, 97]));
    expect(scaling.perBatchMs).toBe(51.114);
    expect(scaling.perItemMs).toBe(-0.137);
    expect(scaling.notes).toContain(NEGATIVE_TERM);
    expect(scaling.notes.join(' ')).not.toContain('driven by batch count');
  });

  it('says nothing of the kind when both terms are positive and batches account for a fifth of the time', () => {
    const scaling = fitScaling(points([1, 10, 12], [2, 10, 15], [1, 30, 31], [3, 20, 29], [2, 40, 47]));
    expect(scaling.perBatchMs).toBe(2.931);
    expect(scaling.perItemMs).toBe(0.992);
    expect(scaling.notes).not.toContain(NEGATIVE_TERM);
    expect(scaling.notes.join(' ')).not.toContain('driven by batch count');
  });
});

describe('fitScaling: the batch-count note at its edge', () => {
  it('stays silent when batches account for exactly half the busy time (busy = 1 ms per batch + 1 ms per item, fitted exactly)', () => {
    const scaling = fitScaling(points([1, 1, 2], [2, 1, 3], [1, 2, 3], [2, 2, 4]));
    expect([scaling.perBatchMs, scaling.perItemMs]).toEqual([1, 1]);
    expect(scaling.notes.join(' ')).not.toContain('driven by batch count');
  });
});

describe('fitScaling: too little to fit', () => {
  it('leaves out a scenario that processed items in no busy time (its log would be −∞)', () => {
    const scaling = fitScaling([...points([1, 10, 12], [2, 20, 25], [3, 40, 47]), { name: 'instant', batches: 1, items: 10, busyMs: 0, batchSize: 10 }]);
    expect(scaling.points).toBe(3);
    expect(scaling.exponent).not.toBeNull();
    expect(scaling.notes).toContain('Left out for lack of items or busy time: instant.');
  });

  it('does not say every batch came from the cache when the skill ran one that processed nothing', () => {
    const partly: ScalingPoint = { name: 'partly', batches: 1, items: 0, busyMs: 3, batchSize: 10, cachedBatches: 2 };
    const scaling = fitScaling([...points([1, 10, 12], [2, 20, 25], [3, 40, 47]), partly]);
    expect(scaling.notes).toContain('Left out for lack of items or busy time: partly.');
    expect(scaling.notes.join(' ')).not.toContain('every batch came from the cache');
  });

  it('says an exponent needs two item counts when every scenario processed the same number', () => {
    const scaling = fitScaling(points([1, 10, 12], [2, 10, 15], [3, 10, 19]));
    expect(scaling.exponent).toBeNull();
    expect(scaling.verdict).toBe('inconclusive');
    expect(scaling.notes).toContain('An exponent needs at least two completed scenarios with different item counts.');
  });
});
