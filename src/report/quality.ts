import type { QualityLevel, ScenarioDefinition } from '../config/schema.ts';
import { roundTo } from './round.ts';
import type { ScenarioProgress } from './schema.ts';

/** Lowest overall score that meets each expected quality level. */
export const QUALITY_THRESHOLDS = { basic: 0.6, good: 0.75, excellent: 0.9 } as const satisfies Record<QualityLevel, number>;

const DECIMALS = 4;

/** The threshold of a level named in a report, or undefined for any other string. */
export function qualityThreshold(level: string): number | undefined {
  return Object.hasOwn(QUALITY_THRESHOLDS, level) ? QUALITY_THRESHOLDS[level as QualityLevel] : undefined;
}

export function meetsExpectedQuality(overall: number, level: QualityLevel): boolean {
  return overall >= QUALITY_THRESHOLDS[level];
}

/** Item-weighted mean of a metric the skill reported, or undefined when it never reported it. */
function reportedMean(progress: ScenarioProgress, metric: string): number | undefined {
  const sum = progress.quality.sums[metric];
  if (sum === undefined || progress.quality.items <= 0) return undefined;
  return sum / progress.quality.items;
}

function metricScore(progress: ScenarioProgress, definition: ScenarioDefinition, metric: string): number {
  switch (metric) {
    case 'accuracy':
      return reportedMean(progress, 'accuracy') ?? 0;
    case 'coverage':
      return progress.itemsProcessed / definition.inputSize;
    case 'latency': {
      // Skills that do not score latency themselves are judged by how much of the time budget they left unused.
      const budgetMs = definition.timeBudgetSeconds * 1000;
      return reportedMean(progress, 'latency') ?? Math.max(0, 1 - progress.busyMs / budgetMs);
    }
    default:
      return reportedMean(progress, metric) ?? 0;
  }
}

/**
 * One score per metric the scenario names, plus `overall` (their mean), each rounded to 4 decimals.
 * A metric literally named `overall` would be shadowed by the computed mean.
 */
export function computeQualityScores(progress: ScenarioProgress, definition: ScenarioDefinition): Record<string, number> {
  const raw = definition.qualityMetrics.map((metric) => [metric, metricScore(progress, definition, metric)] as const);
  const scores: Record<string, number> = {};
  for (const [metric, value] of raw) scores[metric] = roundTo(value, DECIMALS);
  const overall = raw.length === 0 ? 0 : raw.reduce((total, [, value]) => total + value, 0) / raw.length;
  scores.overall = roundTo(overall, DECIMALS);
  return scores;
}
