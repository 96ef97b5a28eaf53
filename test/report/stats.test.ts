import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/actors/seededRandom.ts';
import { meanCi95, medianCi95, pairedDifference, summarize, tukeyOutliers, welchDifference } from '../../src/report/stats.ts';

// Student's sleep data (R's `sleep`): extra hours of sleep under two drugs, the same ten patients.
const drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

/** Standard normal draws by Box–Muller from the project's seeded generator. */
function normals(seed: number, n: number, mu: number, sigma: number): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => mu + sigma * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
}

describe('meanCi95', () => {
  it('is the t interval worked by hand: 1..5 gives 3 ± 2.7764 × 0.7071', () => {
    const ci = meanCi95([1, 2, 3, 4, 5]);
    expect(ci?.method).toBe('student-t');
    expect(ci?.degreesOfFreedom).toBe(4);
    expect(ci?.low).toBeCloseTo(3 - 1.963243, 5);
    expect(ci?.high).toBeCloseTo(3 + 1.963243, 5);
  });

  it('has no interval for one value, and refuses none or non-finite values', () => {
    expect(meanCi95([7])).toBeNull();
    expect(() => meanCi95([])).toThrow(/at least one value/);
    expect(() => meanCi95([1, Number.NaN])).toThrow(/finite/);
  });

  it('covers the true mean about 95 % of the time for samples of five', () => {
    let covered = 0;
    const trials = 2_000;
    for (let seed = 1; seed <= trials; seed++) {
      const ci = meanCi95(normals(seed, 5, 10, 2));
      if (ci !== null && ci.low <= 10 && 10 <= ci.high) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.97);
  });
});

describe('medianCi95', () => {
  it('is seeded: the same data and seed give the same interval, and it holds the median', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
    const first = medianCi95(values, 7);
    expect(medianCi95(values, 7)).toEqual(first);
    expect(first?.method).toBe('bootstrap-percentile');
    expect(first?.low).toBeLessThanOrEqual(3.5);
    expect(first?.high).toBeGreaterThanOrEqual(3.5);
    expect(first?.low).toBeGreaterThanOrEqual(1);
    expect(first?.high).toBeLessThanOrEqual(9);
  });

  it('collapses to the value when every value is the same', () => {
    expect(medianCi95([4, 4, 4, 4])).toMatchObject({ low: 4, high: 4 });
  });
});

describe('tukeyOutliers', () => {
  it('flags a value far beyond the quartiles, and nothing below four values', () => {
    expect(tukeyOutliers([10, 11, 10.5, 10.2, 30])).toEqual([4]);
    expect(tukeyOutliers([10, 11, 10.5, 10.2, 10.8])).toEqual([]);
    expect(tukeyOutliers([1, 100, 1])).toEqual([]);
  });
});

describe('summarize', () => {
  it('gives mean, median, spread and both intervals', () => {
    const summary = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(summary).toMatchObject({ n: 8, mean: 5, median: 4.5 });
    expect(summary.standardDeviation).toBeCloseTo(2.13809, 4);
    expect(summary.meanCi95?.method).toBe('student-t');
    expect(summary.medianCi95?.method).toBe('bootstrap-percentile');
  });

  it('of one value has no spread and no interval', () => {
    expect(summarize([3])).toMatchObject({ n: 1, mean: 3, median: 3, standardDeviation: null, meanCi95: null, medianCi95: null, outliers: [] });
  });
});

describe('pairedDifference', () => {
  // R: t.test(extra ~ group, data = sleep, paired = TRUE): t = -4.0621, df = 9, p = 0.002833, CI -2.4598858 -0.7001142
  it("matches R's paired t-test on the sleep data", () => {
    const difference = pairedDifference(drug2, drug1);
    expect(difference.estimate).toBeCloseTo(-1.58, 10);
    expect(difference.ci95?.method).toBe('paired-t');
    expect(difference.ci95?.low).toBeCloseTo(-2.4598858, 6);
    expect(difference.ci95?.high).toBeCloseTo(-0.7001142, 6);
    expect(difference.pValue).toBeCloseTo(0.002833, 5);
    expect(difference.significant).toBe(true);
    expect(difference.relative).toBeCloseTo(-1.58 / 2.33, 10);
  });

  it('finds no difference between identical samples, and refuses samples of two lengths', () => {
    expect(pairedDifference(drug1, drug1)).toMatchObject({ estimate: 0, pValue: 1, significant: false });
    expect(() => pairedDifference([1, 2], [1])).toThrow(/one length/);
  });

  it('is certain of a constant non-zero shift', () => {
    expect(pairedDifference([1, 2, 3], [2, 3, 4])).toMatchObject({ estimate: 1, pValue: 0, significant: true });
  });
});

describe('welchDifference', () => {
  // R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p = 0.07939, CI -3.3654832 0.2054832
  it("matches R's Welch t-test on the sleep data", () => {
    const difference = welchDifference(drug2, drug1);
    expect(difference.estimate).toBeCloseTo(-1.58, 10);
    expect(difference.ci95?.method).toBe('welch-t');
    expect(difference.ci95?.degreesOfFreedom).toBeCloseTo(17.776, 3);
    expect(difference.ci95?.low).toBeCloseTo(-3.3654832, 6);
    expect(difference.ci95?.high).toBeCloseTo(0.2054832, 6);
    expect(difference.pValue).toBeCloseTo(0.07939, 5);
    expect(difference.significant).toBe(false);
  });

  it('cannot tell with one value on a side, and has no relative difference from a zero mean', () => {
    expect(welchDifference([1], [2, 3])).toMatchObject({ estimate: 1.5, ci95: null, pValue: null, significant: false });
    expect(welchDifference([0, 0], [1, 1]).relative).toBeNull();
  });

  it('holds its 5 % false-positive rate between samples of one distribution', () => {
    let significant = 0;
    const trials = 1_000;
    for (let seed = 1; seed <= trials; seed++) {
      if (welchDifference(normals(seed, 8, 5, 1), normals(seed + 100_000, 8, 5, 1)).significant) significant++;
    }
    expect(significant / trials).toBeGreaterThan(0.03);
    expect(significant / trials).toBeLessThan(0.07);
  });
});
