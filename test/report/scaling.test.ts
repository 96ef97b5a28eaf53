import { describe, expect, it } from 'vitest';
import { describeScaling } from '../../src/report/phrases.ts';
import { fitScaling, scalingVerdict, type ScalingPoint } from '../../src/report/scaling.ts';

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
    // Ten batches everywhere, so busy time is 200 ms plus 0.1 ms per item: it grows far slower than items.
    const perBatch = (_items: number, batches: number) => 20 * batches + 0.1 * _items;
    const sizes = [
      ['a', 100, 10],
      ['b', 300, 30],
      ['c', 500, 50],
      ['d', 800, 80],
      ['e', 1000, 100],
    ] as const;
    const scaling = fitScaling(sizes.map(([name, items, batchSize]) => point(name, items, batchSize, perBatch)));
    expect(scaling.verdict).toBe('sublinear');
    expect(scaling.exponentCi95?.high).toBeLessThan(0.9);
    expect(scaling.exponentCi95?.low).toBeGreaterThan(0);
    expect(scaling.perBatchMs).toBeCloseTo(20, 3);
    expect(scaling.perItemMs).toBeCloseTo(0.1, 3);
    expect(scaling.notes).toContain(
      'Batch sizes differ (a 10, b 30, c 50, d 80, e 100), so part of the per-item difference comes from per-batch ' +
        'overhead being spread over more items, not from load.',
    );
    expect(scaling.notes.join(' ')).toMatch(/Time is driven by batch count \(about 20 ms per batch/);
  });

  it('calls three noisy points with batch-driven time inconclusive: the CI reaches from negative to superlinear', () => {
    const perBatch = (_items: number, batches: number) => 20 * batches + 0.1 * _items;
    // 10, 6 and 8 batches: busy 210, 150 and 240 ms for 100, 300 and 800 items.
    const scaling = fitScaling([point('simple', 100, 10, perBatch), point('medium', 300, 50, perBatch), point('complex', 800, 100, perBatch)]);
    expect(scaling.verdict).toBe('inconclusive');
    expect(scaling.exponentCi95?.low).toBeLessThan(0);
    expect(scaling.exponentCi95?.high).toBeGreaterThan(1.1);
    expect(scaling.notes.join(' ')).toMatch(/^The exponent's 95% CI \(-\d+\.\d+ to \d+\.\d+\) reaches from negative to superlinear/);
    // The two-term model still fits these points exactly.
    expect(scaling.twoTerm).toMatchObject({ perBatchMs: { estimate: 20, standardError: 0 }, perItemMs: { estimate: 0.1, standardError: 0 }, rSquared: 1 });
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

  it('fits an exponent but gives no verdict and no cost split from two scenarios', () => {
    const scaling = fitScaling([point('a', 100, 10, (i) => i), point('b', 200, 50, (i) => 2 * i)]);
    expect(scaling.exponent).toBe(2);
    expect(scaling.verdict).toBe('inconclusive');
    expect(scaling.perBatchMs).toBeNull();
    expect(scaling.notes).toContain(
      'A verdict needs at least three completed scenarios with different item counts; with 2, the exponent is only the slope between them.',
    );
    expect(describeScaling(scaling)).toMatch(/^exponent 2 \(inconclusive\)\./);
  });

  it('calls two perfectly linear scenarios inconclusive, not linear', () => {
    const scaling = fitScaling([point('a', 100, 10, (i) => i), point('b', 200, 10, (i) => i)]);
    expect(scaling.exponent).toBe(1);
    expect(scaling.verdict).toBe('inconclusive');
  });

  it('reports an inconclusive fit from a single scenario', () => {
    const scaling = fitScaling([point('only', 100, 10, (items) => items)]);
    expect(scaling).toMatchObject({ exponent: null, verdict: 'inconclusive', perBatchMs: null, perItemMs: null });
    expect(scaling.basis).toContain('across 1 completed scenario.');
    expect(describeScaling(scaling)).toMatch(/^no exponent \(inconclusive\)\./);
  });

  it('reports an inconclusive fit when every scenario processed the same number of items', () => {
    const scaling = fitScaling([point('a', 100, 10, () => 50), point('b', 100, 10, () => 70), point('c', 100, 10, () => 60)]);
    expect(scaling).toMatchObject({ exponent: null, verdict: 'inconclusive' });
  });

  it('needs three different item counts for a verdict, not just three scenarios', () => {
    const scaling = fitScaling([point('a', 100, 10, (i) => i), point('b', 100, 10, (i) => i), point('c', 300, 10, (i) => i)]);
    expect(scaling.exponent).toBe(1);
    expect(scaling.verdict).toBe('inconclusive');
  });

  it('calls busy time that fell as items grew negative, never sublinear', () => {
    // busy = 9000 / sqrt(items): 900, about 520 and about 318 ms.
    const scaling = fitScaling([100, 300, 800].map((n, i) => point(`s${i}`, n, 50, (items) => 9000 / Math.sqrt(items))));
    expect(scaling.exponent).toBe(-0.5);
    expect(scaling.exponentCi95).toMatchObject({ low: -0.5, high: -0.5 });
    expect(scaling.verdict).toBe('negative');
    expect(describeScaling(scaling)).toMatch(/^exponent -0\.\d+ \(negative: busy time fell as items grew\)\./);
    expect(scaling.notes.join(' ')).toContain('Busy time fell as items grew');
  });

  it('calls a falling slope whose CI reaches into sublinear inconclusive, not negative and not sublinear', () => {
    const scaling = fitScaling([point('a', 100, 50, () => 900), point('b', 300, 50, () => 600), point('c', 800, 50, () => 300)]);
    expect(scaling.exponent).toBe(-0.525);
    expect(scaling.verdict).toBe('inconclusive');
    expect(scaling.notes.join(' ')).toContain('reaches from negative to sublinear');
  });

  it('leaves out scenarios without items or busy time and says so', () => {
    const scaling = fitScaling([
      point('a', 100, 10, (i) => i),
      point('b', 200, 10, (i) => i),
      point('c', 400, 10, (i) => i),
      { name: 'idle', items: 0, batches: 0, batchSize: 10, busyMs: 0 },
    ]);
    expect(scaling.verdict).toBe('linear');
    expect(scaling.basis).toContain('across 3 completed scenarios');
    expect(scaling.notes).toContain('Left out for lack of items or busy time: idle.');
  });

  it('says what it compares: busy time against items processed', () => {
    const scaling = fitScaling([point('a', 100, 10, (i) => i), point('b', 200, 10, (i) => i)]);
    expect(scaling.basis).toBe(
      'Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed across 2 completed scenarios.',
    );
  });
});

/** Three completed scenarios whose busy time grows as items^exponent, so the fitted slope is that exponent. */
function powerLaw(exponent: number): ScalingPoint[] {
  return [100, 300, 800].map((n, i) => point(`s${i}`, n, 50, (items) => items ** exponent));
}

describe('scaling verdict bands (README: below 0.9 sublinear, up to 1.1 linear, above superlinear)', () => {
  it.each([
    [0.8, 'sublinear'],
    [0.8999, 'sublinear'],
    [0.9, 'linear'],
    [0.9001, 'linear'],
    [1, 'linear'],
    [1.0999, 'linear'],
    [1.1, 'linear'],
    [1.1001, 'superlinear'],
    [1.5, 'superlinear'],
    [0, 'sublinear'],
    [-0.0001, 'negative'],
  ] as const)('calls exponent %s %s', (exponent, verdict) => {
    expect(scalingVerdict(exponent)).toBe(verdict);
  });

  it.each([
    [0.85, 'sublinear'],
    [0.899, 'sublinear'],
    [0.9, 'linear'],
    [0.901, 'linear'],
    [1.099, 'linear'],
    [1.1, 'linear'],
    [1.101, 'superlinear'],
    [1.3, 'superlinear'],
  ] as const)('fits busy time growing as items^%s and calls it %s', (exponent, verdict) => {
    const scaling = fitScaling(powerLaw(exponent));
    expect(scaling.exponent).toBe(exponent);
    expect(scaling.verdict).toBe(verdict);
  });

  it('judges the exponent as shown: a slope that rounds to 0.9 is linear, one that rounds to 1.1 is linear', () => {
    expect(fitScaling(powerLaw(0.8999)).exponent).toBe(0.9);
    expect(fitScaling(powerLaw(0.8999)).verdict).toBe('linear');
    expect(fitScaling(powerLaw(1.1004)).exponent).toBe(1.1);
    expect(fitScaling(powerLaw(1.1004)).verdict).toBe('linear');
  });
});
