import { describe, expect, it } from 'vitest';
import { checkBudgets } from '../../src/report/budgets.ts';
import { definition, progress } from './fixtures.ts';

describe('checkBudgets', () => {
  it('holds every budget for a scenario within its limits', () => {
    // medium: 90 s budget, 512 MB, 5% tolerance, expects "good".
    const budgets = checkBudgets(progress('medium', { busyMs: 2_500, elapsedMs: 3_400, waitingMs: 300, pausedMs: 100, memoryUsedMb: 128, itemsFailed: 6 }), definition('medium'), 0.8);
    expect(budgets).toEqual({
      time: { held: true, limit: 90_000, actual: 3_000, unit: 'ms' },
      memory: { held: true, limit: 512, actual: 128, unit: 'MB' },
      errorTolerance: { held: true, limit: 0.05, actual: 0.02, unit: 'ratio' },
      expectedQuality: { held: true, limit: 'good', actual: 0.8, unit: 'overall score' },
    });
  });

  it('breaks each budget whose figure is over its limit', () => {
    const budgets = checkBudgets(
      progress('medium', { busyMs: 90_001, memoryUsedMb: 600, itemsFailed: 16 }),
      definition('medium'),
      0.74,
    );
    expect(budgets.time).toMatchObject({ held: false, actual: 90_001 });
    expect(budgets.memory).toMatchObject({ held: false, actual: 600 });
    expect(budgets.errorTolerance).toMatchObject({ held: false, actual: 0.0533 });
    expect(budgets.expectedQuality).toMatchObject({ held: false, actual: 0.74, limit: 'good' });
  });

  it('measures the time budget as the machine enforces it: working time (elapsed without barrier waits and pauses), at least busy time', () => {
    // Failed on its 1 s budget while its one batch was aborted: no busy time at all, yet 1.1 s of work.
    const aborted = progress('complex', { status: 'failed', failureReason: 'time_budget_exceeded', busyMs: 0, elapsedMs: 1_400, waitingMs: 200, pausedMs: 100 });
    expect(checkBudgets(aborted, { ...definition('complex'), timeBudgetSeconds: 1 }, 1).time).toEqual({ held: false, limit: 1_000, actual: 1_100, unit: 'ms' });
    // Parallel batches: busy time counts overlaps once and never exceeds working time, but a figure restored
    // from an older snapshot may; the larger of the two is reported.
    expect(checkBudgets(progress('medium', { busyMs: 4_000, elapsedMs: 3_000 }), definition('medium'), 1).time.actual).toBe(4_000);
  });

  it('breaks the budget a scenario failed for even when the recorded figure is within it', () => {
    const def = definition('complex');
    const base = { status: 'failed' as const, busyMs: 1_000, memoryUsedMb: 10, itemsFailed: 0 };
    expect(checkBudgets(progress('complex', { ...base, failureReason: 'time_budget_exceeded' }), def, 1).time.held).toBe(false);
    expect(checkBudgets(progress('complex', { ...base, failureReason: 'memory_limit_exceeded' }), def, 1).memory.held).toBe(false);
    const errorFailure = checkBudgets(progress('complex', { ...base, failureReason: 'error_tolerance_exceeded' }), def, 1);
    expect(errorFailure.errorTolerance.held).toBe(false);
    expect(errorFailure.time.held).toBe(true);
  });

  it('does not call expected quality met when no quality metric was measured', () => {
    const budgets = checkBudgets(progress('simple'), definition('simple'), null);
    expect(budgets.expectedQuality).toEqual({ held: false, limit: 'basic', actual: 'not measured', unit: 'overall score' });
  });

  it('measures the error ratio against the configured input, with zero tolerance allowing no failure', () => {
    const budgets = checkBudgets(progress('simple', { itemsFailed: 1 }), definition('simple'), 1);
    expect(budgets.errorTolerance).toEqual({ held: false, limit: 0, actual: 0.01, unit: 'ratio' });
  });
});
