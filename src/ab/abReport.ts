import { emptyRecord, ownValue } from '../ownKeys.ts';
import { pairedDifference, summarize, type Difference } from '../report/stats.ts';
import { abMetric } from './abMetrics.ts';
import type { AbMeasure, AbReport, AbScenario } from './abReportSchema.ts';

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
  'per batch: both versions ran on the same items of each batch, so each batch gives one pair (the skill reports quality per batch, not per item); b − a is the mean of the pairs\' differences, with a paired-t 95% CI';

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
  return {
    pairedBatches: quality.a.length,
    unpairedBatches: unpaired,
    quality: qualityMeasure,
    timeMs: timeMeasure,
    ranFirst,
    verdict: qualityVerdict(qualityMeasure.difference),
    timeVerdict: timeVerdict(timeMeasure.difference),
  };
}

function measure(a: readonly number[], b: readonly number[]): AbMeasure {
  if (a.length === 0) return { n: 0, a: null, b: null, difference: null };
  return { n: a.length, a: summarize(a), b: summarize(b), difference: pairedDifference(a, b) };
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

/** "b takes 12.0% more time per batch than a (95% CI +8.1% … +15.9%, p < 0.001)", or no significant difference. */
export function timeVerdict(difference: Difference | null): string {
  if (difference === null) return 'no timed batch: nothing to compare';
  const { estimate, ci95, pValue, significant, relative } = difference;
  if (ci95 === null || pValue === null) return `one timed batch: b − a = ${signed(estimate, 1)} ms, too few to judge`;
  // Relative to a's mean time per batch (estimate / relative), when a took any time at all.
  const base = relative === null || relative === 0 ? null : estimate / relative;
  const asShare = (ms: number) => (base === null ? `${signed(ms, 1)} ms` : `${signed((ms / base) * 100, 1)}%`);
  const interval = `95% CI ${asShare(ci95.low)} … ${asShare(ci95.high)}, ${formatP(pValue)}`;
  if (!significant) return `no significant difference in time per batch (b − a = ${signed(estimate, 2)} ms, ${interval})`;
  const size = relative === null ? `${Math.abs(estimate).toFixed(1)} ms` : `${Math.abs(relative * 100).toFixed(1)}%`;
  return `b takes ${size} ${estimate < 0 ? 'less' : 'more'} time per batch than a (${signed(estimate, 2)} ms, ${interval})`;
}
