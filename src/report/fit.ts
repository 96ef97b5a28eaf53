import jstat from 'jstat';
import { linearRegression, linearRegressionLine, rSquared } from 'simple-statistics';

/** One observation for the fits: work done and time spent doing it. */
export interface FitPoint {
  items: number;
  batches: number;
  busyMs: number;
}

/** Ordinary least squares of log(busy ms) on log(items), with the slope's uncertainty. */
export interface LogLogFit {
  exponent: number;
  /** null with two points: a line through two points has no residual left to estimate its error from. */
  standardError: number | null;
  /** Two-sided 95% interval from Student's t with n − 2 degrees of freedom; null with two points. */
  ci95: { low: number; high: number } | null;
  /** null with two points, or when busy time is the same at every point (nothing to explain). */
  rSquared: number | null;
  degreesOfFreedom: number;
}

export interface Estimate {
  estimate: number;
  standardError: number;
}

/** busy = perBatch × batches + perItem × items, least squares without an intercept. */
export interface TwoTermFit {
  perBatchMs: Estimate;
  perItemMs: Estimate;
  /** Against the mean busy time (1 − SSE/SST), so it can be negative when the model does worse than the mean. */
  rSquared: number | null;
  degreesOfFreedom: number;
}

/**
 * sin² of the angle between the batch-count and item-count columns below which the two-term split is
 * treated as unidentifiable (batches nearly proportional to items, as with one batch size everywhere).
 */
const MIN_INDEPENDENCE = 1e-6;

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** Two-sided 95% t quantile; jstat because simple-statistics has no inverse t distribution. */
function tQuantile95(degreesOfFreedom: number): number {
  return jstat.jStat.studentt.inv(0.975, degreesOfFreedom);
}

/**
 * Slope of log(busy) on log(items) by simple-statistics' least squares; its standard error is the textbook
 * sqrt(SSE / (n − 2) / Sxx) from the residuals, as simple-statistics gives none. Needs two distinct item
 * counts; points must have items and busy time above 0.
 */
export function fitLogLog(points: readonly FitPoint[]): LogLogFit | undefined {
  const pairs = points.map((p): [number, number] => [Math.log(p.items), Math.log(p.busyMs)]);
  if (new Set(pairs.map(([x]) => x)).size < 2) return undefined;
  const line = linearRegression(pairs);
  const predict = linearRegressionLine(line);
  const degreesOfFreedom = pairs.length - 2;
  const fit = { exponent: line.m, degreesOfFreedom, rSquared: finiteOrNull(rSquared(pairs, predict)) };
  // A line through two points fits them exactly: R² would be 1 whatever the data.
  if (degreesOfFreedom < 1) return { ...fit, rSquared: null, standardError: null, ci95: null };
  const meanX = pairs.reduce((sum, [x]) => sum + x, 0) / pairs.length;
  const sxx = pairs.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  const sse = pairs.reduce((sum, [x, y]) => sum + (y - predict(x)) ** 2, 0);
  const standardError = Math.sqrt(sse / degreesOfFreedom / sxx);
  const margin = tQuantile95(degreesOfFreedom) * standardError;
  return { ...fit, standardError, ci95: { low: line.m - margin, high: line.m + margin } };
}

/**
 * busy = a × batches + b × items by the normal equations (a 2×2 solve: simple-statistics has no multiple
 * regression), with standard errors from s² (XᵀX)⁻¹, s² = SSE / (n − 2). Undefined with fewer than three
 * points or when batches are (nearly) proportional to items, so the two costs cannot be told apart.
 */
export function fitTwoTerm(points: readonly FitPoint[]): TwoTermFit | undefined {
  const degreesOfFreedom = points.length - 2;
  if (degreesOfFreedom < 1) return undefined;
  let bb = 0;
  let bi = 0;
  let ii = 0;
  let by = 0;
  let iy = 0;
  for (const p of points) {
    bb += p.batches * p.batches;
    bi += p.batches * p.items;
    ii += p.items * p.items;
    by += p.batches * p.busyMs;
    iy += p.items * p.busyMs;
  }
  const det = bb * ii - bi * bi;
  if (bb === 0 || ii === 0 || det / (bb * ii) < MIN_INDEPENDENCE) return undefined;
  const perBatch = (by * ii - iy * bi) / det;
  const perItem = (iy * bb - by * bi) / det;
  const predictedAndActual = points.map((p): [number, number] => [perBatch * p.batches + perItem * p.items, p.busyMs]);
  const sse = predictedAndActual.reduce((sum, [predicted, actual]) => sum + (actual - predicted) ** 2, 0);
  const variance = sse / degreesOfFreedom;
  return {
    perBatchMs: { estimate: perBatch, standardError: Math.sqrt((variance * ii) / det) },
    perItemMs: { estimate: perItem, standardError: Math.sqrt((variance * bb) / det) },
    rSquared: finiteOrNull(rSquared(predictedAndActual, (predicted) => predicted)),
    degreesOfFreedom,
  };
}
