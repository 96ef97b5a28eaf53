import { describe, expect, it } from 'vitest';
import { fitScaling, type ScalingPoint } from '../../src/report/scaling.ts';

function point(name: string, items: number, batchSize: number, busyMs: (items: number, batches: number) => number): ScalingPoint {
  const batches = Math.ceil(items / batchSize);
  return { name, items, batches, batchSize, busyMs: busyMs(items, batches) };
}

describe('fitScaling', () => {
  it('calls busy time proportional to items linear, with exponent ~1', () => {
    const scaling = fitScaling([100, 300, 800].map((n, i) => point(`s${i}`, n, 50, (items) => 2 * items)));
    expect(scaling.exponent).toBeCloseTo(1, 3);
    expect(scaling.verdict).toBe('linear');
  });

  it('calls busy time growing with items squared superlinear', () => {
    const scaling = fitScaling([100, 300, 800].map((n, i) => point(`s${i}`, n, 50, (items) => 0.01 * items ** 2)));
    expect(scaling.exponent).toBeCloseTo(2, 3);
    expect(scaling.verdict).toBe('superlinear');
  });

  it('calls a constant cost per batch with growing batch sizes sublinear, and says batch sizes differ', () => {
    const perBatch = (_items: number, batches: number) => 20 * batches + 0.1 * _items;
    const scaling = fitScaling([point('simple', 100, 10, perBatch), point('medium', 300, 50, perBatch), point('complex', 800, 100, perBatch)]);
    expect(scaling.verdict).toBe('sublinear');
    expect(scaling.perBatchMs).toBeCloseTo(20, 3);
    expect(scaling.perItemMs).toBeCloseTo(0.1, 3);
    expect(scaling.notes).toContain(
      'Batch sizes differ (simple 10, medium 50, complex 100), so part of the per-item difference comes from per-batch ' +
        'overhead being spread over more items, not from load.',
    );
    expect(scaling.notes.join(' ')).toMatch(/Time is driven by batch count \(~20 ms per batch/);
  });

  it('does not claim batch-count-driven time when the per-item cost dominates', () => {
    const cost = (items: number, batches: number) => 1 * batches + 5 * items;
    const scaling = fitScaling([point('a', 100, 10, cost), point('b', 300, 50, cost), point('c', 800, 100, cost)]);
    expect(scaling.perItemMs).toBeCloseTo(5, 3);
    expect(scaling.notes.join(' ')).not.toContain('driven by batch count');
  });

  it('leaves the cost split null when batch count is proportional to items', () => {
    const scaling = fitScaling([100, 300, 800].map((n, i) => point(`s${i}`, n, 50, (items) => 2 * items)));
    expect(scaling.perBatchMs).toBeNull();
    expect(scaling.perItemMs).toBeNull();
    expect(scaling.notes.join(' ')).toContain('cannot be separated');
    expect(scaling.notes.join(' ')).not.toContain('Batch sizes differ');
  });

  it('fits an exponent but no cost split from two scenarios', () => {
    const scaling = fitScaling([point('a', 100, 10, (i) => i), point('b', 200, 50, (i) => 2 * i)]);
    expect(scaling.exponent).toBe(2);
    expect(scaling.perBatchMs).toBeNull();
  });

  it('reports insufficient data from a single scenario', () => {
    const scaling = fitScaling([point('only', 100, 10, (items) => items)]);
    expect(scaling).toMatchObject({ exponent: null, verdict: 'insufficient-data', perBatchMs: null, perItemMs: null });
    expect(scaling.basis).toContain('across 1 completed scenario.');
  });

  it('reports insufficient data when every scenario processed the same number of items', () => {
    const scaling = fitScaling([point('a', 100, 10, () => 50), point('b', 100, 10, () => 70)]);
    expect(scaling.verdict).toBe('insufficient-data');
  });

  it('leaves out scenarios without items or busy time and says so', () => {
    const scaling = fitScaling([point('a', 100, 10, (i) => i), point('b', 200, 10, (i) => i), { name: 'idle', items: 0, batches: 0, batchSize: 10, busyMs: 0 }]);
    expect(scaling.verdict).toBe('linear');
    expect(scaling.basis).toContain('across 2 completed scenarios');
    expect(scaling.notes).toContain('Left out for lack of items or busy time: idle.');
  });

  it('says what it compares: busy time against items processed', () => {
    const scaling = fitScaling([point('a', 100, 10, (i) => i), point('b', 200, 10, (i) => i)]);
    expect(scaling.basis).toBe(
      'Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed across 2 completed scenarios.',
    );
  });
});
