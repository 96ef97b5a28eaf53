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

/**
 * Why the run as a whole is not ranked, or undefined when every scenario ended on its own (completed, or failed
 * on its own budget). A cancelled run: `cancelled` is a scenario's failure reason only when the whole run was
 * cancelled (cancel() takes no scenario). A run not finished: a scenario is still pending, running or paused,
 * because the run was interrupted, stopped by an error (saved as paused), or is still going. Either way the
 * scenarios that completed are those that happened to finish first, so ranking them would favour the quick.
 */
function runLevelReason(scenarios: readonly (readonly [string, ScenarioReport])[]): { summary: string; completed: string } | undefined {
  const why = scenarios.some(([, s]) => s.status === 'complete') ? ', so the scenarios that completed are only those that happened to finish first' : '';
  const cancelled = scenarios.filter(([, s]) => s.failureReason === 'cancelled').map(([name]) => name);
  if (cancelled.length > 0) {
    return {
      summary: `Cannot rank: the run was cancelled (${listInProse(cancelled)} stopped before finishing)${why}.`,
      completed: 'completed, but the run was cancelled',
    };
  }
  const unfinished = scenarios.filter(([, s]) => s.status !== 'complete' && s.status !== 'failed').map(([name, s]) => `${name} ${s.status}`);
  if (unfinished.length > 0) {
    return {
      summary: `Cannot rank: the run has not finished (${listInProse(unfinished)})${why}; it is ranked once every scenario has ended.`,
      completed: 'completed, but the run has not finished',
    };
  }
  return undefined;
}

/** Metrics with a score, in the order the scenario names them (`overall` is derived, not measured). */
function measuredMetrics(scenario: ScenarioReport): string[] {
  return Object.entries(scenario.qualityScores)
    .filter(([metric, value]) => metric !== 'overall' && value !== null)
    .map(([metric]) => metric);
}

/**
 * Ranks completed scenarios by the mean of the quality metrics all of them measured, so a scenario that
 * names an extra metric gains nothing from it; ties go by name. With no such metric, or in a run that was
 * cancelled or has not finished, there is no ranking, and the summary says so instead of inventing an order.
 */
export function rankByQuality(scenarios: Readonly<Record<string, ScenarioReport>>): {
  qualityRanking: string[];
  rankingBasis: RankingBasis;
} {
  const entries = Object.entries(scenarios);
  const runLevel = runLevelReason(entries);
  const unranked: Record<string, string> = emptyRecord();
  const ranked: [string, ScenarioReport][] = [];
  for (const [name, scenario] of entries) {
    if (scenario.status !== 'complete') unranked[name] = unrankedReason(scenario);
    else if (runLevel !== undefined) unranked[name] = runLevel.completed;
    else ranked.push([name, scenario]);
  }
  const none = (summary: string) => ({ qualityRanking: [], rankingBasis: { metrics: [], scores: emptyRecord<number>(), unranked, summary } });
  if (runLevel !== undefined) return none(runLevel.summary);
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
