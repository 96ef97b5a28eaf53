import type { ScenarioDefinition } from '../config/schema.ts';
import { meetsExpectedQuality } from './quality.ts';
import { roundTo } from './round.ts';
import type { Report, ScenarioProgress } from './schema.ts';

export type ScenarioBudgets = Report['budgets'][string];

/** The `actual` of a budget nothing measured: expected quality with no quality metric, a memory limit with no figure of its own. */
const NOT_MEASURED = 'not measured';

/**
 * The memory limit is judged only against a figure that is the scenario's own: its worker's memory
 * (`isolation: "worker"`), or the `memoryMb` its skill reported. Without either the figure stays 0, since
 * the process heap is shared by every scenario in it: then the limit was not measured (`held: null`).
 */
function checkMemory(progress: ScenarioProgress, definition: ScenarioDefinition): ScenarioBudgets['memory'] {
  const limit = definition.memoryLimitMb;
  const reason = progress.failureReason;
  if (progress.memoryUsedMb === 0 && reason !== 'memory_limit_exceeded') return { held: null, limit, actual: NOT_MEASURED, unit: 'MB' };
  return { held: progress.memoryUsedMb <= limit && reason !== 'memory_limit_exceeded', limit, actual: roundTo(progress.memoryUsedMb, 3), unit: 'MB' };
}

/**
 * The time the budget counts: working time, i.e. elapsed time without barrier waits and pauses (downtime is
 * already out of elapsed), as the scenario machine enforces it; at least the skill's busy time. Busy time
 * alone would read "0 ms / 1 s" for a scenario whose budget ran out while its one batch was aborted.
 */
export function workingMs(progress: Pick<ScenarioProgress, 'busyMs' | 'elapsedMs' | 'waitingMs' | 'pausedMs'>): number {
  return Math.max(progress.busyMs, progress.elapsedMs - progress.waitingMs - progress.pausedMs);
}

/**
 * Judges each limit the scenario declares. A budget the run itself enforced (the scenario failed for it)
 * counts as broken even when the figure recorded afterwards looks within the limit. An overall quality that
 * was not measured (null) does not meet the expected level: its `actual` reads "not measured", as does memory
 * nothing measured (see checkMemory).
 */
export function checkBudgets(progress: ScenarioProgress, definition: ScenarioDefinition, overall: number | null): ScenarioBudgets {
  const reason = progress.failureReason;
  const timeLimitMs = definition.timeBudgetSeconds * 1000;
  const failedRatio = definition.inputSize > 0 ? progress.itemsFailed / definition.inputSize : 0;
  const worked = workingMs(progress);
  return {
    time: {
      held: worked <= timeLimitMs && reason !== 'time_budget_exceeded',
      limit: timeLimitMs,
      actual: roundTo(worked, 3),
      unit: 'ms',
    },
    memory: checkMemory(progress, definition),
    errorTolerance: {
      held: failedRatio <= definition.errorTolerance && reason !== 'error_tolerance_exceeded',
      limit: definition.errorTolerance,
      actual: roundTo(failedRatio, 4),
      unit: 'ratio',
    },
    expectedQuality: {
      held: meetsExpectedQuality(overall, definition.expectedQuality),
      limit: definition.expectedQuality,
      actual: overall ?? NOT_MEASURED,
      unit: 'overall score',
    },
  };
}
