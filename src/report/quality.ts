import type { QualityLevel, ScenarioDefinition } from '../config/schema.ts';
import { emptyRecord, ownValue } from '../ownKeys.ts';
import { roundTo } from './round.ts';
import { timePerItemMs } from './timePerItem.ts';
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
 * Metrics the run measures itself. A skill may return a metric under one of these names, but it is never
 * the score: the report lists it in `comparison.ignoredSkillMetrics` and a recommendation says so.
 */
export const RUN_MEASURED_METRICS = ['coverage', 'latency'] as const;

const isRunMeasured = (metric: string): boolean => (RUN_MEASURED_METRICS as readonly string[]).includes(metric);

/**
 * Time per item against the scenario's target: 1 at or under it, target / actual above it (twice the target
 * scores 0.5), so the score falls in proportion to how far the target is missed. Judged on time per item as
 * the report shows it (3 decimals), so it can be recomputed from `comparison.timePerItemMs`.
 */
export function latencyScore(timePerItem: number, targetMsPerItem: number): number {
  return timePerItem <= targetMsPerItem ? 1 : targetMsPerItem / timePerItem;
}

/**
 * `coverage` and `latency` are measured by the run itself; every other metric comes from the skill
 * (`accuracy` is its qualityScore). `latency` needs the scenario's `latencyTargetMsPerItem` and a time per
 * item (busy time over the items the skill processed, cached batches left out).
 */
function metricScore(progress: ScenarioProgress, definition: ScenarioDefinition, metric: string): number | undefined {
  if (metric === 'coverage') return progress.itemsProcessed / definition.inputSize;
  if (metric === 'latency') {
    const target = definition.latencyTargetMsPerItem;
    const actual = timePerItemMs(progress);
    return target === undefined || actual === null ? undefined : latencyScore(actual, target);
  }
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

/**
 * Why each null score in `scores` has no value: for `latency`, no target or no time per item; for the
 * skill's metrics, the skill never returned it, or no batch was scored at all.
 */
export function unmeasuredMetrics(
  progress: ScenarioProgress,
  definition: ScenarioDefinition,
  scores: QualityScores,
): { metric: string; reason: MissingMetric['reason'] }[] {
  const skillReason: MissingMetric['reason'] = progress.quality.items > 0 ? 'not-reported' : 'no-scored-batches';
  const reasonFor = (metric: string): MissingMetric['reason'] => {
    if (metric !== 'latency') return skillReason;
    return definition.latencyTargetMsPerItem === undefined ? 'no-target' : 'no-timed-items';
  };
  return Object.entries(scores)
    .filter(([metric, value]) => metric !== 'overall' && value === null)
    .map(([metric]) => ({ metric, reason: reasonFor(metric) }));
}

/** The run-measured metrics (`coverage`, `latency`) the scenario names and the skill also returned: its figure is ignored. */
export function ignoredSkillMetrics(progress: ScenarioProgress, definition: ScenarioDefinition): string[] {
  return definition.qualityMetrics.filter((metric) => isRunMeasured(metric) && ownValue(progress.quality.sums, metric) !== undefined);
}
