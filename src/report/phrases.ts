/** Phrases both renderers share, so the text and Markdown reports never disagree. */
import { formatMs, formatNumber, formatPercent } from './format.ts';
import { qualityThreshold } from './quality.ts';
import type { BudgetCheck, Report, Scaling } from './schema.ts';

/** "held 1.2 s / 30 s" or "BROKEN 0.71 / good (0.75)": upper case so a broken budget stands out without colour. */
export function describeBudget(check: BudgetCheck): string {
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

const VERDICT_WORDS: Record<Scaling['verdict'], string> = {
  negative: 'negative: busy time fell as items grew',
  sublinear: 'sublinear',
  linear: 'linear',
  superlinear: 'superlinear',
  inconclusive: 'inconclusive',
};

/** Exponent and verdict, what they compare, and the per-batch/per-item split when it could be fitted. */
export function describeScaling(scaling: Scaling): string {
  const verdict = VERDICT_WORDS[scaling.verdict];
  const fit = scaling.exponent === null ? `no exponent (${verdict})` : `exponent ${scaling.exponent} (${verdict})`;
  const split =
    scaling.perBatchMs === null || scaling.perItemMs === null
      ? ''
      : ` Fitted cost: ~${formatNumber(scaling.perBatchMs)} ms per batch + ~${formatNumber(scaling.perItemMs)} ms per item.`;
  return `${fit}. ${scaling.basis}${split}`;
}

export const SCENARIO_COLUMNS = ['Scenario', 'Status', 'Items', 'Failed', 'Batches', 'Elapsed', 'Busy', 'Waiting', 'Busy per item', 'Overall quality'] as const;

/** One row per scenario under SCENARIO_COLUMNS; per-item time is busy time, so waits never inflate it. */
export function scenarioRows(report: Report): string[][] {
  return Object.entries(report.scenarios).map(([name, s]) => {
    const perItem = report.comparison.timePerItemMs[name];
    return [
      name,
      s.failureReason === undefined ? s.status : `${s.status} (${s.failureReason})`,
      String(s.itemsProcessed),
      String(s.itemsFailed),
      String(s.batchCount),
      formatMs(s.elapsedMs),
      formatMs(s.busyMs),
      formatMs(s.waitingMs),
      perItem === null || perItem === undefined ? '-' : formatMs(perItem),
      String(s.qualityScores.overall ?? '-'),
    ];
  });
}
