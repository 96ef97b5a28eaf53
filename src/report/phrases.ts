/** Phrases both renderers share, so the text and Markdown reports never disagree. */
import { ownValue } from '../ownKeys.ts';
import { formatApprox, formatMs, formatNumber, formatPercent } from './format.ts';
import { qualityThreshold } from './quality.ts';
import type { BudgetCheck, MissingMetric, ProcessMemory, Report, Scaling } from './schema.ts';

/** "held 1.2 s / 30 s" or "BROKEN 0.71 / good (0.75)": upper case so a broken budget stands out without colour. */
export function describeBudget(check: BudgetCheck): string {
  // Nothing measured it (held: null): neither held nor broken, and no figure to show.
  if (check.held === null) return `not measured / ${check.unit === 'MB' ? `${formatNumber(Number(check.limit))} MB` : String(check.limit)}`;
  const verdict = check.held ? 'held' : 'BROKEN';
  const show = (value: number | string): string => {
    if (typeof value === 'string') {
      const threshold = qualityThreshold(value);
      return threshold === undefined ? value : `${value} (${threshold})`;
    }
    if (check.unit === 'ms') return formatMs(value);
    if (check.unit === 'ratio') return formatPercent(value);
    if (check.unit === 'MB') return `${formatNumber(value)} MB`;
    return formatNumber(value, 4);
  };
  return `${verdict} ${show(check.actual)} / ${show(check.limit)}`;
}

/** The run's one process-wide memory figure: shared by every scenario in the process, so judged against none. */
export function describeProcessMemory(memory: ProcessMemory): string {
  return `peak heap ${formatNumber(memory.peakHeapMb, 1)} MB, peak RSS ${formatNumber(memory.peakRssMb, 1)} MB (the whole process: every scenario together)`;
}

const VERDICT_WORDS: Record<Scaling['verdict'], string> = {
  negative: 'negative: busy time fell as items grew',
  sublinear: 'sublinear',
  linear: 'linear',
  superlinear: 'superlinear',
  inconclusive: 'inconclusive',
};

/** The exponent's 95% CI and R² in words, or nothing when there were too few points to estimate them. */
function describeExponentUncertainty(scaling: Scaling): string {
  const ci = scaling.exponentCi95;
  if (ci === null) return '';
  const rSquared = scaling.rSquared === null ? '' : `, R² ${formatNumber(scaling.rSquared)}`;
  return (
    ` 95% CI ${formatNumber(ci.low)} to ${formatNumber(ci.high)} (Student's t, ${ci.degreesOfFreedom} degree${ci.degreesOfFreedom === 1 ? '' : 's'} of freedom)` +
    `${rSquared}, from ${scaling.points} points.`
  );
}

/** The per-batch/per-item split with its standard errors and R², when it could be fitted. */
function describeTwoTerm(scaling: Scaling): string {
  if (scaling.twoTerm === null) return '';
  const { perBatchMs, perItemMs, rSquared } = scaling.twoTerm;
  const fitQuality = rSquared === null ? '' : `, R² ${formatNumber(rSquared)}`;
  return (
    ` Fitted cost: ${formatApprox(perBatchMs.estimate)} ms per batch (SE ${formatNumber(perBatchMs.standardError)})` +
    ` + ${formatApprox(perItemMs.estimate)} ms per item (SE ${formatNumber(perItemMs.standardError)})${fitQuality}.`
  );
}

/** Exponent and verdict with the exponent's CI and R², what they compare, and the per-batch/per-item split. */
export function describeScaling(scaling: Scaling): string {
  const verdict = VERDICT_WORDS[scaling.verdict];
  const fit = scaling.exponent === null ? `no exponent (${verdict})` : `exponent ${scaling.exponent} (${verdict})`;
  return `${fit}.${describeExponentUncertainty(scaling)} ${scaling.basis}${describeTwoTerm(scaling)}`;
}

export const SCENARIO_COLUMNS = ['Scenario', 'Status', 'Items', 'Failed', 'Batches', 'Elapsed', 'Busy', 'Waiting', 'Busy per item', 'Overall quality'] as const;

/** One row per scenario under SCENARIO_COLUMNS; per-item time is busy time, so waits never inflate it. */
export function scenarioRows(report: Report): string[][] {
  return Object.entries(report.scenarios).map(([name, s]) => {
    const perItem = ownValue(report.comparison.timePerItemMs, name);
    return [
      name,
      s.failureReason === undefined ? s.status : `${s.status} (${s.failureReason})`,
      String(s.itemsProcessed),
      String(s.itemsFailed),
      s.cachedBatches > 0 ? `${s.batchCount} (${s.cachedBatches} cached)` : String(s.batchCount),
      formatMs(s.elapsedMs),
      formatMs(s.busyMs),
      formatMs(s.waitingMs),
      perItem === null || perItem === undefined ? (s.batchCount > 0 && s.cachedBatches === s.batchCount ? 'all cached' : '-') : formatMs(perItem),
      formatScore(ownValue(s.qualityScores, 'overall')),
    ];
  });
}

/**
 * "simple: 10 of 10 batches (100 items) from the cache" per scenario that took any, so a reader sees which
 * figures the skill's own runs back; empty when none did.
 */
export function describeCache(report: Report): string[] {
  return Object.entries(report.scenarios)
    .filter(([, s]) => s.cachedBatches > 0)
    .map(([name, s]) => `${name}: ${s.cachedBatches} of ${s.batchCount} batches (${s.cachedItems} items) from the cache`);
}

/** A quality score for people: "missing" where it was not measured, "-" where the scenario does not name it. */
export function formatScore(score: number | null | undefined): string {
  if (score === null) return 'missing';
  return score === undefined ? '-' : String(score);
}

/** What the ranking compares (or why there is none), the score of each ranked scenario, and who is left out. */
export function describeRanking(comparison: Report['comparison']): string {
  const { scores, unranked, summary } = comparison.rankingBasis;
  const parts = [summary];
  const ranked = comparison.qualityRanking.map((name) => `${name} ${formatScore(ownValue(scores, name))}`);
  if (ranked.length > 0) parts.push(`Scores: ${ranked.join(', ')}.`);
  const left = Object.entries(unranked).map(([name, why]) => `${name} ${why}`);
  if (left.length > 0) parts.push(`Not ranked: ${left.join('; ')}.`);
  return parts.join(' ');
}

/** One sentence per missing metric: which scenarios lack it and why, so a gap never reads as a score of 0. */
export function describeMissingMetric(missing: MissingMetric): string {
  const where = missing.scenarios.join(', ');
  switch (missing.reason) {
    case 'no-scored-batches':
      return `${missing.metric} is missing for ${where}: no batch was scored.`;
    case 'no-target':
      return `${missing.metric} is missing for ${where}: no latencyTargetMsPerItem to judge time per item against, so it is left out of overall quality and the ranking.`;
    case 'no-timed-items':
      return `${missing.metric} is missing for ${where}: the skill processed no item itself (none succeeded, or every batch came from the cache), so there is no time per item to judge.`;
    case 'not-reported':
      return `${missing.metric} is missing for ${where}: the skill never reported it, so it is left out of overall quality and the ranking.`;
  }
}
