import jstat from 'jstat';
import { mean, median, quantileSorted, sampleStandardDeviation } from 'simple-statistics';
import { z } from 'zod';
import { createRandom } from '../actors/seededRandom.ts';

/**
 * The statistics every comparison in the report shares: intervals of a sample's mean and median, and the
 * difference of two samples, independent or paired. simple-statistics gives the moments and quantiles;
 * jstat gives Student's t (simple-statistics has no t distribution).
 */

export const ConfidenceIntervalSchema = z.object({
  low: z.number(),
  high: z.number(),
  level: z.literal(0.95),
  /** student-t: of a mean; welch-t / paired-t: of a difference of means; bootstrap-percentile: of a median. */
  method: z.enum(['student-t', 'welch-t', 'paired-t', 'bootstrap-percentile']),
  degreesOfFreedom: z.number().positive().optional(),
  resamples: z.int().positive().optional(),
});

export const SampleSummarySchema = z.object({
  n: z.int().positive(),
  mean: z.number(),
  median: z.number(),
  /** null with one value. */
  standardDeviation: z.number().nullable(),
  /** Of the mean, from Student's t; null with one value. */
  meanCi95: ConfidenceIntervalSchema.nullable(),
  /** Of the median, a seeded percentile bootstrap; null with one value. */
  medianCi95: ConfidenceIntervalSchema.nullable(),
  /** Indices of values outside Tukey's fences (1.5 × IQR beyond the quartiles); empty below four values. */
  outliers: z.array(z.int().nonnegative()),
});

export const DifferenceSchema = z.object({
  /** mean(b) − mean(a), or the mean of b_i − a_i when paired. */
  estimate: z.number(),
  /** estimate / mean(a); null when mean(a) is 0. */
  relative: z.number().nullable(),
  /** null when there are too few values to estimate the spread. */
  ci95: ConfidenceIntervalSchema.nullable(),
  /** Two-sided; null as ci95. */
  pValue: z.number().min(0).max(1).nullable(),
  /** pValue < 0.05; false when it cannot be told. */
  significant: z.boolean(),
  n: z.object({ a: z.int().nonnegative(), b: z.int().nonnegative() }),
});

export type ConfidenceInterval = z.output<typeof ConfidenceIntervalSchema>;
export type SampleSummary = z.output<typeof SampleSummarySchema>;
export type Difference = z.output<typeof DifferenceSchema>;

const ALPHA = 0.05;
const RESAMPLES = 2_000;

const studentt = jstat.jStat.studentt;

function tInterval(center: number, standardError: number, degreesOfFreedom: number, method: ConfidenceInterval['method']): ConfidenceInterval {
  const margin = studentt.inv(1 - ALPHA / 2, degreesOfFreedom) * standardError;
  return { low: center - margin, high: center + margin, level: 0.95, method, degreesOfFreedom };
}

/** Two-sided p-value of a t statistic; a zero standard error makes any non-zero estimate certain. */
function twoSidedP(estimate: number, standardError: number, degreesOfFreedom: number): number {
  if (standardError === 0) return estimate === 0 ? 1 : 0;
  return Math.min(1, 2 * (1 - studentt.cdf(Math.abs(estimate / standardError), degreesOfFreedom)));
}

function requireValues(values: readonly number[], what: string): void {
  if (values.length === 0) throw new RangeError(`${what} needs at least one value`);
  if (!values.every(Number.isFinite)) throw new RangeError(`${what} needs finite numbers`);
}

/** Student's t interval of the mean; null with fewer than two values. */
export function meanCi95(values: readonly number[]): ConfidenceInterval | null {
  requireValues(values, 'meanCi95');
  if (values.length < 2) return null;
  const standardError = sampleStandardDeviation([...values]) / Math.sqrt(values.length);
  return tInterval(mean([...values]), standardError, values.length - 1, 'student-t');
}

/**
 * Percentile bootstrap of the median, seeded so a report rebuilt from the same data gives the same interval.
 * With few values it is close to [min, max] (five values give about 94 % coverage): the report says which
 * interval it shows, and the mean's t interval sits beside it.
 */
export function medianCi95(values: readonly number[], seed = 1): ConfidenceInterval | null {
  requireValues(values, 'medianCi95');
  if (values.length < 2) return null;
  const random = createRandom(seed);
  const medians = new Float64Array(RESAMPLES);
  const resample = new Array<number>(values.length);
  for (let r = 0; r < RESAMPLES; r++) {
    for (let i = 0; i < values.length; i++) resample[i] = values[Math.floor(random() * values.length)] as number;
    medians[r] = median(resample);
  }
  const sorted = [...medians].sort((x, y) => x - y);
  return {
    low: quantileSorted(sorted, ALPHA / 2),
    high: quantileSorted(sorted, 1 - ALPHA / 2),
    level: 0.95,
    method: 'bootstrap-percentile',
    resamples: RESAMPLES,
  };
}

/** Indices of values beyond 1.5 × IQR from the quartiles; none below four values, where quartiles mean little. */
export function tukeyOutliers(values: readonly number[]): number[] {
  if (values.length < 4) return [];
  const sorted = [...values].sort((x, y) => x - y);
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const fence = 1.5 * (q3 - q1);
  return values.flatMap((value, index) => (value < q1 - fence || value > q3 + fence ? [index] : []));
}

/** Mean, median, spread, both intervals and outliers of one sample. */
export function summarize(values: readonly number[], options: { seed?: number } = {}): SampleSummary {
  requireValues(values, 'summarize');
  const copy = [...values];
  return {
    n: copy.length,
    mean: mean(copy),
    median: median(copy),
    standardDeviation: copy.length < 2 ? null : sampleStandardDeviation(copy),
    meanCi95: meanCi95(copy),
    medianCi95: medianCi95(copy, options.seed),
    outliers: tukeyOutliers(copy),
  };
}

function relativeTo(estimate: number, base: number): number | null {
  return base === 0 ? null : estimate / base;
}

/** mean(b) − mean(a) for two independent samples, Welch's t (unequal variances, Welch–Satterthwaite df). */
export function welchDifference(a: readonly number[], b: readonly number[]): Difference {
  requireValues(a, 'welchDifference (a)');
  requireValues(b, 'welchDifference (b)');
  const meanA = mean([...a]);
  const estimate = mean([...b]) - meanA;
  const base = { estimate, relative: relativeTo(estimate, meanA), n: { a: a.length, b: b.length } };
  if (a.length < 2 || b.length < 2) return { ...base, ci95: null, pValue: null, significant: false };
  const va = sampleStandardDeviation([...a]) ** 2 / a.length;
  const vb = sampleStandardDeviation([...b]) ** 2 / b.length;
  const standardError = Math.sqrt(va + vb);
  // Both samples constant: the difference is exact; df is then immaterial (any positive value).
  const degreesOfFreedom = standardError === 0 ? a.length + b.length - 2 : (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  const pValue = twoSidedP(estimate, standardError, degreesOfFreedom);
  return { ...base, ci95: tInterval(estimate, standardError, degreesOfFreedom, 'welch-t'), pValue, significant: pValue < ALPHA };
}

/** Mean of b_i − a_i over pairs measured on the same units (the same items, say), paired t. */
export function pairedDifference(a: readonly number[], b: readonly number[]): Difference {
  if (a.length !== b.length) throw new RangeError(`pairedDifference needs samples of one length (got ${a.length} and ${b.length})`);
  requireValues(a, 'pairedDifference (a)');
  requireValues(b, 'pairedDifference (b)');
  const differences = a.map((x, i) => (b[i] as number) - x);
  const estimate = mean(differences);
  const base = { estimate, relative: relativeTo(estimate, mean([...a])), n: { a: a.length, b: b.length } };
  if (differences.length < 2) return { ...base, ci95: null, pValue: null, significant: false };
  const standardError = sampleStandardDeviation(differences) / Math.sqrt(differences.length);
  const degreesOfFreedom = differences.length - 1;
  const pValue = twoSidedP(estimate, standardError, degreesOfFreedom);
  return { ...base, ci95: tInterval(estimate, standardError, degreesOfFreedom, 'paired-t'), pValue, significant: pValue < ALPHA };
}
