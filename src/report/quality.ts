import type { QualityLevel, ScenarioDefinition } from '../config/schema.ts';
import { emptyRecord, ownValue } from '../ownKeys.ts';
import { roundTo } from './round.ts';
import type { MissingMetric, ScenarioProgress } from './schema.ts';

/** Lowest overall score that meets each expected quality level. */
export const QUALITY_THRESHOLDS = { basic: 0.6, good: 0.75, excellent: 0.9 } as const satisfies Record<QualityLevel, number>;

const DECIMALS = 4;

/** The threshold of a level named in a report, or undefined for any other string. */
export function qualityThreshold(level: string): number | undefined {
  return Object.hasOwn(QUALITY_THRESHOLDS, level) ? QUALITY_THRESHOLDS[level as QualityLevel] : undefined;
}

/** An overall score that was not measured (null) meets no level. */
export function meetsExpectedQuality(overall: number | null, level: QualityLevel): boolean {
  return overall !== null && overall >= QUALITY_THRESHOLDS[level];
}

/** Scores per metric plus `overall`; null marks a metric that was not measured (never a silent 0). */
export type QualityScores = Record<string, number | null>;

/**
 * Item-weighted mean of a metric the skill reported, over the items whose batch reported it (a metric the
 * skill returns in only some batches is not diluted by the others); undefined when it never reported it.
 * Snapshots from before per-metric weights weigh every metric by all scored items.
 */
function reportedMean(progress: ScenarioProgress, metric: string): number | undefined {
  const { sums, weights, items } = progress.quality;
  const sum = ownValue(sums, metric);
  const weight = weights === undefined ? items : ownValue(weights, metric);
  if (sum === undefined || weight === undefined || weight <= 0) return undefined;
  return sum / weight;
}

/**
 * `coverage` is measured by the run itself; every other metric comes from the skill (`accuracy` is its
 * qualityScore). `latency` in particular is the skill's own `latency` metric: no latency score is derived
 * from busy time, because nothing states a per-item target to judge it against.
 */
function metricScore(progress: ScenarioProgress, definition: ScenarioDefinition, metric: string): number | undefined {
  if (metric === 'coverage') return progress.itemsProcessed / definition.inputSize;
  return reportedMean(progress, metric);
}

/**
 * One score per metric the scenario names, plus `overall` (the mean of the measured ones, as rounded), each
 * rounded to 4 decimals. A metric with no data is null and stays out of `overall`, which is null when nothing was measured.
 * A metric literally named `overall` would be shadowed by the computed mean.
 */
export function computeQualityScores(progress: ScenarioProgress, definition: ScenarioDefinition): QualityScores {
  // No prototype: a metric may be named `toString`, `constructor` or `__proto__`.
  const scores: QualityScores = emptyRecord();
  const measured: number[] = [];
  for (const metric of definition.qualityMetrics) {
    const value = metricScore(progress, definition, metric);
    scores[metric] = value === undefined ? null : roundTo(value, DECIMALS);
    // The mean of the scores as shown, so overall (and the ranking's mean) can be recomputed from the report.
    if (value !== undefined) measured.push(roundTo(value, DECIMALS));
  }
  scores.overall = measured.length === 0 ? null : roundTo(measured.reduce((a, b) => a + b, 0) / measured.length, DECIMALS);
  return scores;
}

/** Why each null score in `scores` has no value: the skill never returned it, or no batch was scored at all. */
export function unmeasuredMetrics(progress: ScenarioProgress, scores: QualityScores): { metric: string; reason: MissingMetric['reason'] }[] {
  const reason: MissingMetric['reason'] = progress.quality.items > 0 ? 'not-reported' : 'no-scored-batches';
  return Object.entries(scores)
    .filter(([metric, value]) => metric !== 'overall' && value === null)
    .map(([metric]) => ({ metric, reason }));
}
