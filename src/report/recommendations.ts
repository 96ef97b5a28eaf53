import { ownValue } from '../ownKeys.ts';
import type { ScenarioBudgets } from './budgets.ts';
import { formatApprox, formatMs, formatNumber, formatPercent, listInProse } from './format.ts';
import { qualityThreshold } from './quality.ts';
import { batchTimeShare, usableScalingPoints } from './scaling.ts';
import type { BarrierRecord, FailureReason, Report, ScenarioReport } from './schema.ts';

/** Everything a report holds except the recommendations drawn from it. */
export type RecommendationInput = Omit<Report, 'recommendations'>;

type BudgetName = keyof ScenarioBudgets;

const BUDGET_OF_REASON: Partial<Record<FailureReason, BudgetName>> = {
  time_budget_exceeded: 'time',
  memory_limit_exceeded: 'memory',
  error_tolerance_exceeded: 'errorTolerance',
};

const BUDGET_LABEL: Record<BudgetName, string> = {
  time: 'time budget',
  memory: 'memory limit',
  errorTolerance: 'error tolerance',
  expectedQuality: 'expected quality',
};

const quoted = (name: string) => `"${name}"`;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** Time, memory and error figures are always numbers; only the quality level is a string. */
function asNumber(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}

function levelThreshold(level: number | string): string {
  const threshold = typeof level === 'string' ? qualityThreshold(level) : undefined;
  return threshold === undefined ? '' : ` (${threshold})`;
}

/** Figures of one budget as a clause, e.g. "working time 312 s against a budget of 300 s". */
function budgetFigures(name: BudgetName, budgets: ScenarioBudgets): string {
  const check = budgets[name];
  switch (name) {
    case 'time':
      return `working time ${formatMs(asNumber(check.actual))} against a budget of ${formatMs(asNumber(check.limit))}`;
    case 'memory':
      return `${formatNumber(asNumber(check.actual))} MB used against a limit of ${formatNumber(asNumber(check.limit))} MB`;
    case 'errorTolerance':
      return `${formatPercent(asNumber(check.actual))} of items failed against ${formatPercent(asNumber(check.limit))} allowed`;
    case 'expectedQuality':
      return `overall quality ${String(check.actual)} against the "${String(check.limit)}" level${levelThreshold(check.limit)}`;
  }
}

function weakestMetric(scores: ScenarioReport['qualityScores']): string | undefined {
  const metrics = Object.entries(scores).filter((entry): entry is [string, number] => entry[0] !== 'overall' && entry[1] !== null);
  metrics.sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  const weakest = metrics[0];
  return weakest === undefined ? undefined : `${weakest[0]} (${weakest[1]})`;
}

function failureSentence(name: string, scenario: ScenarioReport, budgets: ScenarioBudgets | undefined): string {
  const reason = scenario.failureReason;
  const budget = reason === undefined ? undefined : BUDGET_OF_REASON[reason];
  let cause: string;
  if (reason === 'cancelled') cause = 'because it was cancelled';
  else if (budget !== undefined && budgets !== undefined) {
    cause = `because it exceeded its ${BUDGET_LABEL[budget]} (${budgetFigures(budget, budgets)})`;
  } else if (reason !== undefined) cause = `(${reason.replaceAll('_', ' ')})`;
  else cause = 'with no recorded reason';
  const lastError = scenario.errors[scenario.errors.length - 1];
  const errorNote = lastError === undefined ? '' : `; last error: "${lastError.message}"`;
  return `Scenario ${quoted(name)} failed ${cause} after ${plural(scenario.itemsProcessed, 'item')}${errorNote}.`;
}

function brokenBudgetSentence(name: string, budget: BudgetName, scenario: ScenarioReport, budgets: ScenarioBudgets): string {
  switch (budget) {
    case 'time':
    case 'memory':
    case 'errorTolerance':
      return `Scenario ${quoted(name)} broke its ${BUDGET_LABEL[budget]}: ${budgetFigures(budget, budgets)}.`;
    case 'expectedQuality': {
      const { actual, limit } = budgets.expectedQuality;
      if (typeof actual !== 'number') {
        return `Scenario ${quoted(name)} has no measured quality metric, so its expected "${String(limit)}" quality${levelThreshold(limit)} cannot be confirmed.`;
      }
      const weakest = weakestMetric(scenario.qualityScores);
      const hint = weakest === undefined ? '' : `; its weakest metric is ${weakest}`;
      return `Scenario ${quoted(name)} is below its expected quality: ${budgetFigures('expectedQuality', budgets)}${hint}.`;
    }
  }
}

function statusSummary(report: RecommendationInput): string {
  const entries = Object.entries(report.scenarios);
  const total = entries.length;
  const failed = entries.filter(([, s]) => s.status === 'failed').map(([n]) => quoted(n));
  const unfinished = entries.filter(([, s]) => s.status !== 'failed' && s.status !== 'complete').map(([n]) => quoted(n));
  const completed = total - failed.length - unfinished.length;
  const broken = Object.values(report.budgets).reduce(
    (count, budgets) => count + Object.values(budgets).filter((check) => check.held === false).length,
    0,
  );
  if (completed === total) {
    const all = total === 1 ? 'The only scenario' : `All ${total} scenarios`;
    return broken === 0
      ? `${all} completed within ${total === 1 ? 'its' : 'their'} budgets.`
      : `${all} completed, but ${plural(broken, 'budget')} did not hold.`;
  }
  const parts = [`${completed} of ${plural(total, 'scenario')} completed`];
  if (failed.length > 0) parts.push(`failed: ${listInProse(failed)}`);
  if (unfinished.length > 0) parts.push(`not finished: ${listInProse(unfinished)}`);
  return `${parts.join('; ')}.`;
}

function scalingSentences(report: RecommendationInput): string[] {
  const { scaling } = report.comparison;
  const out: string[] = [];
  if (scaling.verdict === 'superlinear' && scaling.exponent !== null) {
    out.push(
      `Busy time grows faster than items processed (exponent ${scaling.exponent}, superlinear): ` +
        'investigate what makes the cost per item grow with input size.',
    );
  }
  if (scaling.perBatchMs !== null && scaling.perItemMs !== null && scaling.perBatchMs >= 0 && scaling.perItemMs >= 0) {
    const points = usableScalingPoints(
      Object.values(report.scenarios)
        .filter((s) => s.status === 'complete')
        .map((s) => ({ items: s.itemsProcessed - s.cachedItems, batches: s.batchCount - s.cachedBatches, busyMs: s.busyMs })),
    );
    if (batchTimeShare(points, scaling.perBatchMs) > 0.5) {
      out.push(
        `Busy time is driven by batch count (${formatApprox(scaling.perBatchMs)} ms per batch) rather than item count: ` +
          'larger batches would cut time.',
      );
    }
  }
  return out;
}

/**
 * Scenarios that took batches from the cache: their time figures cover only the batches the skill ran, and
 * one that took every batch from it has none, which a reader comparing times must know.
 */
function cacheSentences(report: RecommendationInput): string[] {
  const out: string[] = [];
  for (const [name, scenario] of Object.entries(report.scenarios)) {
    if (scenario.cachedBatches === 0) continue;
    if (scenario.cachedBatches === scenario.batchCount) {
      out.push(
        `Scenario ${quoted(name)} took ${scenario.batchCount === 1 ? 'its only batch' : `all ${scenario.batchCount} batches`} from the cache (cacheEnabled), so the skill never ran ` +
          'and it has no busy time or time per item: run it with --no-cache (or without cacheEnabled) to measure it.',
      );
    } else {
      out.push(
        `Scenario ${quoted(name)} took ${scenario.cachedBatches} of its ${scenario.batchCount} batches from the cache (cacheEnabled): ` +
          'its busy time and time per item cover only the batches the skill ran.',
      );
    }
  }
  return out;
}

/** This run's time per item in each scenario, as advice for choosing a latency target. */
function timesPerItem(report: RecommendationInput, scenarios: readonly string[]): string {
  const times = scenarios.flatMap((name) => {
    const ms = ownValue(report.comparison.timePerItemMs, name);
    return ms === undefined || ms === null ? [] : [`${formatNumber(ms, 3)} ms per item in ${quoted(name)}`];
  });
  return times.length === 0 ? '' : ` (this run took ${listInProse(times)})`;
}

/** A metric the skill never returned, or latency without a target, is named with what to do, rather than left to read as a score of 0. */
function missingMetricSentences(report: RecommendationInput): string[] {
  return report.comparison.missingMetrics.flatMap((m) => {
    const where = listInProse(m.scenarios.map(quoted));
    if (m.reason === 'no-target') {
      return [
        `${quoted(m.metric)} is named in qualityMetrics of ${where} without a latencyTargetMsPerItem, so it is not measured: ` +
          `set the busy time per item at or under which it scores 1${timesPerItem(report, m.scenarios)}, or remove it from qualityMetrics.`,
      ];
    }
    if (m.reason !== 'not-reported') return [];
    return [
      `The skill never reported ${quoted(m.metric)} (named in qualityMetrics of ${where}), ` +
        'so it is shown as missing and left out of overall quality and the ranking: return it from run() in metrics, ' +
        'or remove it from qualityMetrics.',
    ];
  });
}

const RUN_MEASURE: Record<string, string> = {
  coverage: 'items processed over input size',
  latency: 'busy time per item against latencyTargetMsPerItem',
};

/** The skill returned a metric the run measures itself: its figure is not the score, which a reader must know. */
function ignoredMetricSentences(report: RecommendationInput): string[] {
  return report.comparison.ignoredSkillMetrics.map((m) => {
    const how = ownValue(RUN_MEASURE, m.metric);
    const otherName = `skill${m.metric.charAt(0).toUpperCase()}${m.metric.slice(1)}`;
    return (
      `The skill returns its own ${quoted(m.metric)} (in ${listInProse(m.scenarios.map(quoted))}), which the report ignores: ` +
      `${m.metric} is measured by the run${how === undefined ? '' : ` (${how})`}. Return the skill's figure under another name ` +
      `(e.g. ${quoted(otherName)}) and name that in qualityMetrics to report it.`
    );
  });
}

/** Memory limits nothing measured are named, so "within their budgets" is not read as "within their memory". */
function unmeasuredMemorySentence(report: RecommendationInput): string | undefined {
  const names = Object.entries(report.budgets)
    .filter(([, budgets]) => budgets.memory.held === null)
    .map(([name]) => quoted(name));
  if (names.length === 0) return undefined;
  return (
    `The memory ${names.length === 1 ? 'limit' : 'limits'} of ${listInProse(names)} ${names.length === 1 ? 'was' : 'were'} not measured: ` +
    'the process heap is shared by every scenario in it, so set isolation to "worker" to run each scenario\'s skill in a worker thread capped at its limit, or return memoryMb from run().'
  );
}

function barrierSentence(barrier: BarrierRecord): string | undefined {
  if (barrier.releasedBy !== 'timeout') return undefined;
  const waited = formatMs(barrier.releasedAtMs - barrier.openedAtMs);
  if (barrier.late.length === 0) return `The barrier at ${barrier.milestone}% was released by its timeout after ${waited}.`;
  const late = listInProse(barrier.late.map(quoted));
  return (
    `The barrier at ${barrier.milestone}% was released by its timeout after ${waited} with ${late} still missing: ` +
    `raise barriers.timeoutMs, or check what held up ${late}.`
  );
}

/** Advice that holds for this run only: every sentence is drawn from the figures in the report. */
export function recommend(report: RecommendationInput): string[] {
  const entries = Object.entries(report.scenarios);
  if (entries.length === 0) return ['No scenarios ran, so there is nothing to compare.'];
  const out = [statusSummary(report)];
  for (const [name, scenario] of entries) {
    const budgets = ownValue(report.budgets, name);
    if (scenario.status === 'failed') out.push(failureSentence(name, scenario, budgets));
    else if (scenario.status !== 'complete') {
      out.push(`Scenario ${quoted(name)} did not finish (${scenario.status} at ${formatNumber(scenario.progressPct, 1)}%), so its figures cover part of its input.`);
    }
    if (budgets === undefined) continue;
    const explained = scenario.failureReason === undefined ? undefined : BUDGET_OF_REASON[scenario.failureReason];
    for (const budget of Object.keys(budgets) as BudgetName[]) {
      // Quality over part of the input says nothing about the expected level: only a completed scenario is judged.
      if (budget === 'expectedQuality' && scenario.status !== 'complete') continue;
      if (budgets[budget].held === false && budget !== explained) out.push(brokenBudgetSentence(name, budget, scenario, budgets));
    }
  }
  out.push(...cacheSentences(report));
  out.push(...missingMetricSentences(report));
  out.push(...ignoredMetricSentences(report));
  const unmeasuredMemory = unmeasuredMemorySentence(report);
  if (unmeasuredMemory !== undefined) out.push(unmeasuredMemory);
  out.push(...scalingSentences(report));
  for (const barrier of report.barriers) {
    const sentence = barrierSentence(barrier);
    if (sentence !== undefined) out.push(sentence);
  }
  return out;
}
