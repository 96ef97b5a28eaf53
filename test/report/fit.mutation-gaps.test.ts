import { describe, expect, it } from 'vitest';
import { fitTwoTerm, type FitPoint } from '../../src/report/fit.ts';

// StrykerJS switches a mutant on in a beforeAll, after the test files are collected, so a fit computed in a
// describe body (as scalingFit.test.ts does) always sees the unmutated code: these tests fit inside `it`.
describe('fitTwoTerm (reference values from numpy.linalg.lstsq, not from this code)', () => {
  it('gives each coefficient its own standard error when batches and items differ in scale', () => {
    // (batches, items, busy ms); lstsq gives a = 2.93121693, b = 0.99153439, and sqrt(diag(s² (XᵀX)⁻¹)) with
    // s² = SSE / 3 gives 0.59407097 and 0.04650871; R² = 1 − SSE/SST = 0.99181665.
    const points: FitPoint[] = [
      { batches: 1, items: 10, busyMs: 12 },
      { batches: 2, items: 10, busyMs: 15 },
      { batches: 1, items: 30, busyMs: 31 },
      { batches: 3, items: 20, busyMs: 29 },
      { batches: 2, items: 40, busyMs: 47 },
    ];
    const fit = fitTwoTerm(points);
    expect(fit?.degreesOfFreedom).toBe(3);
    expect(fit?.perBatchMs.estimate).toBeCloseTo(2.93121693, 7);
    expect(fit?.perItemMs.estimate).toBeCloseTo(0.99153439, 7);
    expect(fit?.perBatchMs.standardError).toBeCloseTo(0.59407097, 7);
    expect(fit?.perItemMs.standardError).toBeCloseTo(0.04650871, 7);
    expect(fit?.rSquared).toBeCloseTo(0.99181665, 7);
  });

  it('gives no split when batches are nearly proportional to items (sin² of their angle 2.5e-8)', () => {
    // One batch size of about 100 everywhere: the per-batch and per-item costs cannot be told apart.
    const nearlyProportional: FitPoint[] = [
      { batches: 10, items: 1_000, busyMs: 5 },
      { batches: 20, items: 2_000, busyMs: 9 },
      { batches: 30, items: 3_001, busyMs: 14 },
    ];
    expect(fitTwoTerm(nearlyProportional)).toBeUndefined();
  });

  it('splits the cost once the columns are independent enough (sin² 2.5e-6, above the 1e-6 threshold)', () => {
    const independentEnough: FitPoint[] = [
      { batches: 1, items: 100, busyMs: 5 },
      { batches: 2, items: 200, busyMs: 9 },
      { batches: 3, items: 301, busyMs: 14 },
    ];
    expect(fitTwoTerm(independentEnough)).toBeDefined();
  });
});
