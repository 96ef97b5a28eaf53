import { emptyRecord, ownValue } from '../ownKeys.ts';
import { pairedDifference, summarize, type Difference } from '../report/stats.ts';
import { abMetric } from './abMetrics.ts';
import type { AbMeasure, AbReport, AbScenario, AbTimeRatio } from './abReportSchema.ts';

/** What the A/B report needs of one journal row: the result's metrics, and whether it came from the cache. */
export interface AbBatchRow {
  metrics: Readonly<Record<string, number>> | undefined;
  cached: boolean;
}

export interface AbReportInput {
  labels: { a: string; b: string };
  /** Each scenario's recorded batches, in config order. */
  scenarios: readonly { name: string; rows: readonly AbBatchRow[] }[];
}

export const AB_PAIRING =
  'per batch: both versions ran on the same items of each batch, so each batch gives one pair (the skill reports quality per batch, not per item); b − a is the mean of the pairs\' differences, with a paired-t 95% CI; ' +
  'time relative to a is the geometric mean of the pairs\' ratios b/a (paired t on ln(b/a), taken back with exp)';

/** The A/B section of a report: per scenario, each version's quality and time per batch, b − a paired by batch, and a verdict. */
export function buildAbReport(input: AbReportInput): AbReport {
  const scenarios = emptyRecord<AbScenario>();
  for (const { name, rows } of input.scenarios) scenarios[name] = abScenario(rows);
  return { versions: input.labels, pairing: AB_PAIRING, scenarios };
}

function abScenario(rows: readonly AbBatchRow[]): AbScenario {
  const quality = { a: [] as number[], b: [] as number[] };
  const time = { a: [] as number[], b: [] as number[] };
  const ranFirst = { a: 0, b: 0 };
  let unpaired = 0;
  for (const row of rows) {
    const metrics = row.metrics ?? {};
    const qa = ownValue(metrics, abMetric.quality('a'));
    const qb = ownValue(metrics, abMetric.quality('b'));
    if (qa === undefined || qb === undefined) {
      unpaired += 1;
      continue;
    }
    quality.a.push(qa);
    quality.b.push(qb);
    if (ownValue(metrics, abMetric.bFirst) === 1) ranFirst.b += 1;
    else ranFirst.a += 1;
    const ta = ownValue(metrics, abMetric.ms('a'));
    const tb = ownValue(metrics, abMetric.ms('b'));
    // A cached batch's times are those of the run that stored it.
    if (!row.cached && ta !== undefined && tb !== undefined) {
      time.a.push(ta);
      time.b.push(tb);
    }
  }
  const qualityMeasure = measure(quality.a, quality.b);
  const timeMeasure = measure(time.a, time.b);
  const ratio = timeRatio(time.a, time.b);
  return {
    pairedBatches: quality.a.length,
    unpairedBatches: unpaired,
    quality: qualityMeasure,
    timeMs: timeMeasure,
    timeRatio: ratio,
    ranFirst,
    verdict: qualityVerdict(qualityMeasure.difference),
    timeVerdict: timeVerdict(timeMeasure.difference, ratio),
  };
}

function measure(a: readonly number[], b: readonly number[]): AbMeasure {
  if (a.length === 0) return { n: 0, a: null, b: null, difference: null };
  return { n: a.length, a: summarize(a), b: summarize(b), difference: pairedDifference(a, b) };
}

/**
 * b's time over a's as the geometric mean of the pairs' ratios: the paired t of ln(b_i) − ln(a_i), whose mean and
 * interval exp() takes back to a ratio. Times are positive, so a relative interval read from it stays above
 * −100 %, which the arithmetic (mean of b − a over mean of a) does not when one batch of a is slow. Pairs with a
 * time of 0 ms (too fast for the clock) have no log ratio and are left out; null when none is left.
 */
export function timeRatio(a: readonly number[], b: readonly number[]): AbTimeRatio | null {
  const logA: number[] = [];
  const logB: number[] = [];
  a.forEach((ta, i) => {
    const tb = b[i];
    if (tb !== undefined && ta > 0 && tb > 0) {
      logA.push(Math.log(ta));
      logB.push(Math.log(tb));
    }
  });
  if (logA.length === 0) return null;
  const { estimate, ci95, pValue, significant } = pairedDifference(logA, logB);
  return {
    n: logA.length,
    estimate: Math.exp(estimate),
    ci95: ci95 === null ? null : { low: Math.exp(ci95.low), high: Math.exp(ci95.high), level: 0.95, method: 'paired-t-of-log-ratio', degreesOfFreedom: ci95.degreesOfFreedom ?? logA.length - 1 },
    pValue,
    significant,
  };
}

/** `p < 0.001`, `p = 0.012`, `p = 0.62`. */
export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.1 ? p.toFixed(3) : p.toFixed(2)}`;
}

/** A signed figure with a real minus sign: `−6.3`, `+1.2`. */
const signed = (value: number, digits: number) => {
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${value < 0 ? '−' : '+'}${text}`;
};

const points = (quality: number) => quality * 100;

/** "b is 5.1 points less accurate than a (95% CI −6.3 … −3.9, p < 0.001)", or that there is no significant difference. */
export function qualityVerdict(difference: Difference | null): string {
  if (difference === null) return 'no paired batch: nothing to compare';
  const { estimate, ci95, pValue, significant } = difference;
  if (ci95 === null || pValue === null) return `one paired batch: b − a = ${signed(points(estimate), 1)} points, too few to judge`;
  const interval = `95% CI ${signed(points(ci95.low), 1)} … ${signed(points(ci95.high), 1)}, ${formatP(pValue)}`;
  if (!significant) return `no significant difference in quality (b − a = ${signed(points(estimate), 1)} points, ${interval})`;
  return `b is ${Math.abs(points(estimate)).toFixed(1)} points ${estimate < 0 ? 'less' : 'more'} accurate than a (${interval})`;
}

/** A ratio as a signed percentage: 1.12 → `+12.0%`, 0.8 → `−20.0%`. */
export const ratioPercent = (ratio: number) => `${signed((ratio - 1) * 100, 1)}%`;

/**
 * "b takes 12.0% more time per batch than a (geometric mean of b/a, 95% CI +8.1% … +15.9%, p < 0.001; mean
 * difference +2.10 ms, 95% CI +1.40 … +2.80 ms)", or no significant difference. The relative figure and its
 * significance come from the log ratios (timeRatio); the absolute paired difference in ms is shown beside it.
 */
export function timeVerdict(difference: Difference | null, ratio: AbTimeRatio | null = null): string {
  if (difference === null) return 'no timed batch: nothing to compare';
  const { estimate, ci95, pValue } = difference;
  if (ci95 === null || pValue === null) return `one timed batch: b − a = ${signed(estimate, 1)} ms, too few to judge`;
  const absolute = `mean difference ${signed(estimate, 2)} ms, 95% CI ${signed(ci95.low, 2)} … ${signed(ci95.high, 2)} ms`;
  if (ratio === null || ratio.ci95 === null || ratio.pValue === null) {
    // No ratio to speak of (times of 0 ms): the paired difference in ms alone decides.
    const judged = difference.significant ? `b takes ${Math.abs(estimate).toFixed(2)} ms ${estimate < 0 ? 'less' : 'more'} time per batch than a` : 'no significant difference in time per batch';
    return `${judged} (${absolute}, ${formatP(pValue)})`;
  }
  const left = difference.n.a - ratio.n;
  const over = `geometric mean of b/a over ${ratio.n} pairs${left > 0 ? ` (${left} with a 0 ms time left out)` : ''}, 95% CI ${ratioPercent(ratio.ci95.low)} … ${ratioPercent(ratio.ci95.high)}, ${formatP(ratio.pValue)}`;
  if (!ratio.significant) return `no significant difference in time per batch (b/a ${ratioPercent(ratio.estimate)}, ${over}; ${absolute})`;
  const size = `${Math.abs((ratio.estimate - 1) * 100).toFixed(1)}%`;
  return `b takes ${size} ${ratio.estimate < 1 ? 'less' : 'more'} time per batch than a (${over}; ${absolute})`;
}
