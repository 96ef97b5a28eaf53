import { emptyRecord, ownValue, recordFromEntries } from '../ownKeys.ts';
import { listInProse } from './format.ts';
import { roundTo } from './round.ts';
import type { RankingBasis, ScenarioReport } from './schema.ts';

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Why a scenario that did not complete is left out: its scores cover part of its input at best. */
function unrankedReason(scenario: ScenarioReport): string {
  if (scenario.status !== 'failed') return `not finished (${scenario.status})`;
  return scenario.failureReason === undefined ? 'failed' : `failed (${scenario.failureReason.replaceAll('_', ' ')})`;
}

/** Metrics with a score, in the order the scenario names them (`overall` is derived, not measured). */
function measuredMetrics(scenario: ScenarioReport): string[] {
  return Object.entries(scenario.qualityScores)
    .filter(([metric, value]) => metric !== 'overall' && value !== null)
    .map(([metric]) => metric);
}

/**
 * Ranks completed scenarios by the mean of the quality metrics all of them measured, so a scenario that
 * names an extra metric gains nothing from it; ties go by name. With no such metric there is no ranking,
 * and the summary says so instead of inventing an order.
 */
export function rankByQuality(scenarios: Readonly<Record<string, ScenarioReport>>): {
  qualityRanking: string[];
  rankingBasis: RankingBasis;
} {
  const unranked: Record<string, string> = emptyRecord();
  const ranked: [string, ScenarioReport][] = [];
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (scenario.status === 'complete') ranked.push([name, scenario]);
    else unranked[name] = unrankedReason(scenario);
  }
  const none = (summary: string) => ({ qualityRanking: [], rankingBasis: { metrics: [], scores: emptyRecord<number>(), unranked, summary } });
  if (ranked.length === 0) return none('Cannot rank: no scenario completed.');

  const measured = ranked.map(([name, scenario]) => [name, measuredMetrics(scenario)] as const);
  const everywhere = [...new Set(measured.flatMap(([, metrics]) => metrics))];
  const metrics = everywhere.filter((metric) => measured.every(([, own]) => own.includes(metric)));
  if (metrics.length === 0) {
    const each = measured.map(([name, own]) => `${name}: ${own.length === 0 ? 'none' : own.join(', ')}`).join('; ');
    return none(`Cannot rank: the completed scenarios share no measured quality metric (${each}).`);
  }

  const mean = (scenario: ScenarioReport) => metrics.reduce((total, m) => total + (ownValue(scenario.qualityScores, m) ?? 0), 0) / metrics.length;
  const scored = ranked.map(([name, scenario]) => [name, roundTo(mean(scenario), 4)] as const);
  scored.sort(([a, x], [b, y]) => y - x || byName(a, b));
  const leftOut = everywhere.filter((metric) => !metrics.includes(metric));
  const summary =
    `Ranked on the mean of ${listInProse(metrics)}, the metrics every completed scenario measured` +
    (leftOut.length === 0 ? '.' : `; left out: ${listInProse(leftOut)} (not measured by every one).`);
  return {
    qualityRanking: scored.map(([name]) => name),
    rankingBasis: { metrics, scores: recordFromEntries(scored), unranked, summary },
  };
}
