import { expect } from 'vitest';
import type { OrchestratorEvent } from '../../src/machines/events.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import type { ScenarioSnapshot } from './scenarioHarness.ts';
import { statePathOf } from './scenarioHarness.ts';

const MONOTONIC = ['progressPct', 'batchCount', 'itemsProcessed', 'itemsFailed', 'retries', 'errorCount', 'busyMs', 'waitingMs', 'pausedMs', 'elapsedMs', 'memoryUsedMb'] as const;

function expectedStatus(path: string): string {
  if (path.startsWith('running.')) return 'running';
  return path;
}

/**
 * Invariants that hold after every step of any run of one scenario, whatever the events:
 * progress never decreases, milestones ascend, final states stay final, counts add up, and what the
 * scenario told its parent agrees with where it is.
 */
export function checkScenarioInvariants(prev: ScenarioSnapshot | undefined, next: ScenarioSnapshot, plan: ScenarioPlan, parentEvents: readonly OrchestratorEvent[], label: string): void {
  const p = next.context.progress;
  const ctx = next.context;
  const path = statePathOf(next.value);

  if (prev) {
    const q = prev.context.progress;
    for (const key of MONOTONIC) expect(p[key], `${label}: ${key} never decreases`).toBeGreaterThanOrEqual(q[key]);
    expect(p.milestonesReached.slice(0, q.milestonesReached.length), `${label}: reached milestones are kept`).toEqual(q.milestonesReached);
    expect(ctx.passedBarriers.slice(0, prev.context.passedBarriers.length), `${label}: passed barriers are kept`).toEqual(prev.context.passedBarriers);
    if (prev.status === 'done') {
      expect(next.status, `${label}: a final state stays final`).toBe('done');
      expect(next.value, `${label}: a final state stays final`).toEqual(prev.value);
      expect(next.context, `${label}: a finished scenario does not change`).toEqual(prev.context);
    }
  }

  // Milestones ascend and are exactly the plan's milestones at or below the progress.
  for (let i = 1; i < p.milestonesReached.length; i++) {
    expect(p.milestonesReached[i], `${label}: milestones ascend`).toBeGreaterThan(p.milestonesReached[i - 1] ?? -Infinity);
  }
  expect(p.milestonesReached, `${label}: milestones reached`).toEqual(p.startedAt === null ? [] : plan.milestones.filter((m) => m <= p.progressPct));
  expect(p.currentMilestone, `${label}: current milestone is the last reached`).toBe(p.milestonesReached.at(-1) ?? null);
  expect(Object.keys(p.milestoneElapsedMs).map(Number).sort((a, b) => a - b), `${label}: every milestone has its time`).toEqual(p.milestonesReached);

  // Counts add up.
  expect(p.batchCount, `${label}: batches settled = cursor`).toBe(ctx.cursor);
  expect(p.itemsProcessed + p.itemsFailed, `${label}: items settled`).toBe(Math.min(plan.inputSize, ctx.cursor * plan.batchSize));
  expect(p.progressPct, `${label}: progress`).toBeCloseTo(((p.itemsProcessed + p.itemsFailed) / plan.inputSize) * 100, 9);
  expect(p.quality.items, `${label}: quality is weighted by processed items`).toBe(p.itemsProcessed);
  expect(p.errors.length, `${label}: errors kept`).toBe(Math.min(p.errorCount, plan.maxErrorsKept));
  expect(ctx.passedBarriers.every((b) => plan.barriers.includes(b) && b <= p.progressPct), `${label}: passed barriers are reached barriers`).toBe(true);
  expect(ctx.attempt, `${label}: attempt within the retry policy`).toBeLessThanOrEqual(plan.retry.maxAttempts);

  // The progress status names the state.
  expect(p.status, `${label}: status matches state ${path}`).toBe(expectedStatus(path));
  expect(p.failureReason !== undefined, `${label}: a failure reason iff failed`).toBe(path === 'failed');
  if (path === 'running.atBarrier') expect(ctx.awaitingBarrier, `${label}: at a barrier, it knows which`).not.toBeNull();
  if (next.status === 'done') {
    expect(p.finishedAt, `${label}: finishedAt`).not.toBeNull();
    expect(p.elapsedMs, `${label}: elapsed excludes downtime`).toBe(p.startedAt === null ? 0 : Math.max(0, (p.finishedAt ?? 0) - p.startedAt - ctx.downtimeMs));
  }

  // What the parent heard.
  const arrivals = parentEvents.filter((e) => e.type === 'barrier.arrived');
  for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]?.milestone, `${label}: arrivals never go back`).toBeGreaterThanOrEqual(arrivals[i - 1]?.milestone ?? -Infinity);
  for (const a of arrivals) expect(plan.barriers, `${label}: arrivals are at barriers`).toContain(a.milestone);
  const finished = parentEvents.filter((e) => e.type === 'scenario.finished');
  expect(finished.length, `${label}: scenario.finished once, when final`).toBe(next.status === 'done' ? 1 : 0);
  if (finished[0]) expect(finished[0].progress, `${label}: the parent gets the final progress`).toEqual(p);
}
