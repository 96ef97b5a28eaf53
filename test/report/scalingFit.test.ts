import { describe, expect, it } from 'vitest';
import { createRandom } from '../../src/actors/seededRandom.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { describeScaling } from '../../src/report/phrases.ts';
import { fitScaling, type ScalingPoint } from '../../src/report/scaling.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import { ScalingSchema } from '../../src/report/schema.ts';
import { config, outcome, progress } from './fixtures.ts';

/** A point whose log(items) and log(busy ms) are the given numbers. */
function logPoint(name: string, logItems: number, logBusy: number): ScalingPoint {
  return { name, items: Math.exp(logItems), batches: 1, batchSize: 1, busyMs: Math.exp(logBusy) };
}

/** Standard normal draws from a seeded uniform generator (Box-Muller). */
function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('log-log fit with uncertainty (values worked out by hand)', () => {
  // x = 0, 1, 2, 3 and y = 1, 3, 2, 5: mean x 1.5, mean y 2.75, Sxx 5, Sxy 5.5, so slope 1.1 and intercept 1.1;
  // residuals -0.1, 0.8, -1.3, 0.6, SSE 2.7, s² 1.35, SE sqrt(1.35 / 5) = 0.5196; SST 8.75, R² 1 - 2.7 / 8.75;
  // t(0.975, 2 df) = 4.302653 (table value), so the CI is 1.1 ± 2.2357.
  const scaling = fitScaling([logPoint('a', 0, 1), logPoint('b', 1, 3), logPoint('c', 2, 2), logPoint('d', 3, 5)]);

  it('gives the exponent, its standard error, R² and the t-based 95% CI', () => {
    expect(scaling.points).toBe(4);
    expect(scaling.exponent).toBe(1.1);
    expect(scaling.exponentStandardError).toBe(0.5196);
    expect(scaling.rSquared).toBe(0.6914);
    expect(scaling.exponentCi95).toEqual({ low: -1.136, high: 3.336, method: 'student-t', degreesOfFreedom: 2 });
  });

  it('calls it inconclusive because the CI reaches from negative to superlinear', () => {
    expect(scaling.verdict).toBe('inconclusive');
    expect(scaling.notes[0]).toBe(
      "The exponent's 95% CI (-1.136 to 3.336) reaches from negative to superlinear, so the points cannot tell which it is; " +
        'more input sizes (or repeats) narrow it.',
    );
  });

  it('prints the exponent with its CI and R²', () => {
    expect(describeScaling(scaling)).toMatch(
      /^exponent 1\.1 \(inconclusive\)\. 95% CI -1\.136 to 3\.336 \(Student's t, 2 degrees of freedom\), R² 0\.691, from 4 points\. Compares busy time/,
    );
  });

  it('is what the report schema accepts', () => {
    expect(ScalingSchema.parse(scaling)).toEqual(scaling);
  });
});

describe('two-term fit busy = a × batches + b × items (values worked out by hand)', () => {
  // (batches, items, busy) = (1,1,3), (1,2,4), (2,1,6), (2,2,6): Σbb 10, Σbi 9, Σii 10, Σby 31, Σiy 29, det 19,
  // so a = 49/19 and b = 11/19; residuals -3, 5, 5, -6 over 19, SSE 5/19, s² 5/38, and both standard errors
  // sqrt(s² × 10 / 19) = 5/19; SST 6.75 around the mean 4.75, R² 1 - (5/19) / 6.75.
  const points: ScalingPoint[] = [
    { name: 'a', batches: 1, items: 1, busyMs: 3, batchSize: 1 },
    { name: 'b', batches: 1, items: 2, busyMs: 4, batchSize: 2 },
    { name: 'c', batches: 2, items: 1, busyMs: 6, batchSize: 1 },
    { name: 'd', batches: 2, items: 2, busyMs: 6, batchSize: 1 },
  ];
  const scaling = fitScaling(points);

  it('gives both coefficients with standard errors and R²', () => {
    expect(scaling.twoTerm).toEqual({
      perBatchMs: { estimate: 2.579, standardError: 0.2632 },
      perItemMs: { estimate: 0.579, standardError: 0.2632 },
      rSquared: 0.961,
      degreesOfFreedom: 2,
    });
    expect(scaling.perBatchMs).toBe(2.579);
    expect(scaling.perItemMs).toBe(0.579);
  });

  it('prints them', () => {
    expect(describeScaling(scaling)).toMatch(/Fitted cost: about 2\.579 ms per batch \(SE 0\.263\) \+ about 0\.579 ms per item \(SE 0\.263\), R² 0\.961\.$/);
  });
});

describe('CI on noisy data', () => {
  /** Busy time = 3 × items^exponent × lognormal noise (σ 0.2 on the log scale), one point per item count. */
  function noisy(exponent: number, itemCounts: readonly number[], seed: number): ScalingPoint[] {
    const z = normal(createRandom(seed));
    return itemCounts.map((items, i) => ({ name: `s${i}`, items, batches: Math.ceil(items / 10), batchSize: 10, busyMs: 3 * items ** exponent * Math.exp(0.2 * z()) }));
  }

  it('contains the true exponent on a seeded noisy sample, and the verdict follows it when the CI stays in one band', () => {
    const counts = Array.from({ length: 12 }, (_, i) => 50 * 2 ** (i / 2));
    const scaling = fitScaling(noisy(1.6, counts, 12));
    const ci = scaling.exponentCi95;
    expect(ci?.low).toBeLessThan(1.6);
    expect(ci?.high).toBeGreaterThan(1.6);
    expect(ci?.low).toBeGreaterThan(1.1);
    expect(scaling.verdict).toBe('superlinear');
    expect(scaling.rSquared).toBeGreaterThan(0.9);
  });

  it('covers the true exponent about 95% of the time with 5 points', () => {
    const trials = 400;
    let covered = 0;
    for (let seed = 1; seed <= trials; seed++) {
      const ci = fitScaling(noisy(1, [100, 200, 400, 800, 1600], seed)).exponentCi95;
      if (ci !== null && ci.low <= 1 && 1 <= ci.high) covered++;
    }
    // Binomial(400, 0.95) lies in this range with probability above 99.9%; the seeds fix the outcome. An interval
    // of ±1.96 standard errors (normal instead of t with 3 degrees of freedom) covers 353 of these 400.
    expect(covered / trials).toBeGreaterThan(0.915);
    expect(covered / trials).toBeLessThan(0.985);
  });
});

describe('too few points', () => {
  it('gives a slope but no standard error, CI, R², verdict or two-term fit from two points', () => {
    const scaling = fitScaling([
      { name: 'a', items: 100, batches: 10, batchSize: 10, busyMs: 100 },
      { name: 'b', items: 400, batches: 8, batchSize: 50, busyMs: 300 },
    ]);
    expect(scaling).toMatchObject({ points: 2, exponentStandardError: null, exponentCi95: null, rSquared: null, twoTerm: null, perBatchMs: null, verdict: 'inconclusive' });
    expect(scaling.exponent).toBe(0.792);
    expect(describeScaling(scaling)).toMatch(/^exponent 0\.792 \(inconclusive\)\. Compares busy time/);
  });

  it('reports no fit at all from no points', () => {
    expect(fitScaling([])).toMatchObject({ points: 0, exponent: null, exponentStandardError: null, exponentCi95: null, rSquared: null, twoTerm: null, verdict: 'inconclusive' });
  });
});

describe('text and markdown reports', () => {
  // 100, 300 and 800 items (the fixture's scenarios) in busy time growing as items²: an exact fit.
  const report = buildReport(
    outcome([progress('simple', { busyMs: 100 }), progress('medium', { busyMs: 900 }), progress('complex', { busyMs: 6_400 })]),
    config,
  );
  const line = "exponent 2 (superlinear). 95% CI 2 to 2 (Student's t, 1 degree of freedom), R² 1, from 3 points. Compares busy time";

  it('print the exponent with its CI and R²', () => {
    expect(renderText(report)).toContain(`Scaling: ${line}`);
    expect(renderMarkdown(report)).toContain(line);
  });
});
