import type { ScenarioDefinition } from '../config/schema.ts';
import { meetsExpectedQuality } from './quality.ts';
import { roundTo } from './round.ts';
import type { Report, ScenarioProgress } from './schema.ts';

export type ScenarioBudgets = Report['budgets'][string];

/** The expected-quality `actual` of a scenario none of whose quality metrics was measured. */
const NOT_MEASURED = 'not measured';

/**
 * Judges each limit the scenario declares. A budget the run itself enforced (the scenario failed for it)
 * counts as broken even when the figure recorded afterwards looks within the limit. An overall quality that
 * was not measured (null) does not meet the expected level: its `actual` reads "not measured".
 */
export function checkBudgets(progress: ScenarioProgress, definition: ScenarioDefinition, overall: number | null): ScenarioBudgets {
  const reason = progress.failureReason;
  const timeLimitMs = definition.timeBudgetSeconds * 1000;
  const failedRatio = definition.inputSize > 0 ? progress.itemsFailed / definition.inputSize : 0;
  return {
    time: {
      held: progress.busyMs <= timeLimitMs && reason !== 'time_budget_exceeded',
      limit: timeLimitMs,
      actual: roundTo(progress.busyMs, 3),
      unit: 'ms',
    },
    memory: {
      held: progress.memoryUsedMb <= definition.memoryLimitMb && reason !== 'memory_limit_exceeded',
      limit: definition.memoryLimitMb,
      actual: roundTo(progress.memoryUsedMb, 3),
      unit: 'MB',
    },
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
