import type { Dataset, RetryPolicy, ScenarioDefinition } from '../config/schema.ts';
import type { BatchDoneEvent } from './events.ts';
import { ownValue, setOwn } from '../ownKeys.ts';
import type { QualityTotals, ScenarioProgress } from '../report/schema.ts';

/** Everything fixed about one scenario's run, derived once from the config. */
export interface ScenarioPlan {
  orchestrationId: string;
  name: string;
  seed: number;
  dataset: Dataset;
  inputSize: number;
  batchSize: number;
  batchesTotal: number;
  timeBudgetMs: number;
  memoryLimitMb: number;
  errorTolerance: number;
  milestones: number[];
  barriers: number[];
  retry: RetryPolicy;
  params: Record<string, unknown>;
  /** Errors kept in the snapshot; the rest are only counted (their rows live in the journal). */
  maxErrorsKept: number;
}

export function planScenario(args: {
  orchestrationId: string;
  definition: ScenarioDefinition;
  seed: number;
  milestones: number[];
  barriers: number[];
  retry: RetryPolicy;
  skillParams?: Record<string, unknown>;
}): ScenarioPlan {
  const { definition } = args;
  return {
    orchestrationId: args.orchestrationId,
    name: definition.name,
    seed: args.seed,
    dataset: definition.dataset,
    inputSize: definition.inputSize,
    batchSize: definition.skillParams.batchSize,
    batchesTotal: Math.ceil(definition.inputSize / definition.skillParams.batchSize),
    timeBudgetMs: definition.timeBudgetSeconds * 1000,
    memoryLimitMb: definition.memoryLimitMb,
    errorTolerance: definition.errorTolerance,
    milestones: args.milestones,
    barriers: args.barriers,
    retry: args.retry,
    // Spread copies own keys as own properties (`__proto__` too); the skill reads them as given.
    params: { ...args.skillParams, ...definition.skillParams },
    maxErrorsKept: 20,
  };
}

export function initialProgress(plan: ScenarioPlan): ScenarioProgress {
  return {
    name: plan.name,
    status: 'pending',
    progressPct: 0,
    itemsProcessed: 0,
    itemsFailed: 0,
    inputSize: plan.inputSize,
    batchSize: plan.batchSize,
    batchCount: 0,
    batchesTotal: plan.batchesTotal,
    cachedBatches: 0,
    cachedItems: 0,
    milestonesReached: [],
    currentMilestone: null,
    milestoneElapsedMs: {},
    startedAt: null,
    finishedAt: null,
    elapsedMs: 0,
    busyMs: 0,
    waitingMs: 0,
    pausedMs: 0,
    memoryUsedMb: 0,
    quality: { items: 0, sums: {}, weights: {} },
    errors: [],
    errorCount: 0,
    retries: 0,
  };
}

/** Milestones at or below pct that have not been recorded yet, ascending. */
export function newMilestones(plan: ScenarioPlan, reached: readonly number[], pct: number): number[] {
  return plan.milestones.filter((m) => m <= pct && !reached.includes(m));
}

/** Wall time since start, minus downtime the process was not running. */
export function elapsedAt(progress: ScenarioProgress, at: number, downtimeMs: number): number {
  return progress.startedAt === null ? 0 : Math.max(0, at - progress.startedAt - downtimeMs);
}

export function withMilestones(progress: ScenarioProgress, plan: ScenarioPlan, at: number, downtimeMs: number): ScenarioProgress {
  // Most batches reach no milestone: skip the filter unless the next unreached one is due.
  const next = plan.milestones[progress.milestonesReached.length];
  if (next === undefined || next > progress.progressPct) return progress;
  const fresh = newMilestones(plan, progress.milestonesReached, progress.progressPct);
  if (fresh.length === 0) return progress;
  const elapsed = elapsedAt(progress, at, downtimeMs);
  const milestoneElapsedMs = { ...progress.milestoneElapsedMs };
  for (const m of fresh) milestoneElapsedMs[String(m)] = elapsed;
  return {
    ...progress,
    milestonesReached: [...progress.milestonesReached, ...fresh],
    currentMilestone: fresh[fresh.length - 1] ?? progress.currentMilestone,
    milestoneElapsedMs,
  };
}

/**
 * Adds one scored batch to the quality totals: each metric's sum grows by score × weight, and its own weight
 * (`weights`) by the batch's processed items, so a metric the skill returns in only some batches is averaged
 * over those batches. Metric names are the skill's: read with Object.hasOwn and written with `setOwn`, so
 * `toString` or `__proto__` is a metric like any other. Plain objects, not null-prototype ones: those are
 * dictionaries to V8, and copying them cost about 5x more per batch; restored snapshots are plain anyway.
 */
export function foldQuality(quality: QualityTotals, qualityScore: number, metrics: Readonly<Record<string, number>>, weight: number): QualityTotals {
  const sums = { ...quality.sums };
  // A snapshot written before `weights` existed weighed every metric by all scored items: keep that for what it holds.
  const weights: Record<string, number> = quality.weights === undefined ? weighAll(quality) : { ...quality.weights };
  sums.accuracy = (Object.hasOwn(sums, 'accuracy') ? (sums.accuracy ?? 0) : 0) + qualityScore * weight;
  weights.accuracy = (Object.hasOwn(weights, 'accuracy') ? (weights.accuracy ?? 0) : 0) + weight;
  // for-in, not Object.entries: this runs once per batch and metrics are usually empty.
  for (const name in metrics) {
    if (!Object.hasOwn(metrics, name)) continue;
    setOwn(sums, name, (ownValue(sums, name) ?? 0) + (metrics[name] ?? 0) * weight);
    setOwn(weights, name, (ownValue(weights, name) ?? 0) + weight);
  }
  return { items: quality.items + weight, sums, weights };
}

function weighAll(quality: QualityTotals): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const name of Object.keys(quality.sums)) setOwn(weights, name, quality.items);
  return weights;
}

/**
 * Progress (%) once `settledItems` have settled (processed or failed). The one formula: the batch runner
 * uses it to know ahead which batch reaches a milestone. Multiply first: 57 / 100 * 100 is
 * 56.99999999999999, which would miss the 57% milestone.
 */
export function progressPctOf(plan: Pick<ScenarioPlan, 'inputSize'>, settledItems: number): number {
  return Math.min(100, (settledItems * 100) / plan.inputSize);
}

/** Folds one settled batch into the progress. */
export function applyBatch(progress: ScenarioProgress, plan: ScenarioPlan, event: BatchDoneEvent, downtimeMs: number): ScenarioProgress {
  const itemsProcessed = progress.itemsProcessed + (event.items - event.itemsFailed);
  const itemsFailed = progress.itemsFailed + event.itemsFailed;
  let quality = progress.quality;
  if (event.qualityScore !== null) quality = foldQuality(quality, event.qualityScore, event.metrics, event.items - event.itemsFailed);
  let errors = progress.errors;
  let errorCount = progress.errorCount;
  if (event.error !== undefined) {
    errorCount += 1;
    errors = [...errors, { at: event.at, message: event.error, batchIndex: event.index, attempt: event.attempt }].slice(-plan.maxErrorsKept);
  }
  // Copy, then set: V8 takes a slow path for `{ ...progress, a, b }` with overridden keys (about 4x
  // slower here, and this runs once per batch).
  const next: ScenarioProgress = { ...progress };
  next.itemsProcessed = itemsProcessed;
  next.itemsFailed = itemsFailed;
  next.batchCount = progress.batchCount + 1;
  next.progressPct = progressPctOf(plan, itemsProcessed + itemsFailed);
  // A cached batch is not the skill's work: no busy time, even when replayed from the journal (whose
  // duration for it is the lookup's), and its items are counted apart so per-item figures can leave them out.
  if (event.cached === true) {
    next.cachedBatches = (progress.cachedBatches ?? 0) + 1;
    next.cachedItems = (progress.cachedItems ?? 0) + (event.items - event.itemsFailed);
  } else {
    next.busyMs = progress.busyMs + event.durationMs;
  }
  next.memoryUsedMb = Math.max(progress.memoryUsedMb, event.memoryMb);
  next.elapsedMs = elapsedAt(progress, event.at, downtimeMs);
  next.quality = quality;
  next.errors = errors;
  next.errorCount = errorCount;
  return withMilestones(next, plan, event.at, downtimeMs);
}

/**
 * Counts one settled batch as the scenario machine does: its time is never before the last resume (a batch
 * replayed from the journal counts as happening then), and a skill that ran out of memory marks the failure.
 */
export function countBatch(progress: ScenarioProgress, plan: ScenarioPlan, event: BatchDoneEvent, downtimeMs: number, resumedAt: number): ScenarioProgress {
  const settled: BatchDoneEvent = event.at < resumedAt ? { ...event, at: resumedAt } : event;
  const applied = applyBatch(progress, plan, settled, downtimeMs);
  if (event.outOfMemory !== true) return applied;
  applied.failureReason = 'memory_limit_exceeded';
  return applied;
}

/** True when, with `settled` batches counted, the scenario has something to decide: a limit breached or no batch left. */
export function decidesAfter(progress: ScenarioProgress, plan: ScenarioPlan, settled: number): boolean {
  return (
    settled >= plan.batchesTotal ||
    progress.memoryUsedMb > plan.memoryLimitMb ||
    progress.failureReason === 'memory_limit_exceeded' ||
    progress.itemsFailed / plan.inputSize > plan.errorTolerance
  );
}

/** The smallest barrier milestone reached but not yet passed, if any. */
export function nextAwaitedBarrier(plan: ScenarioPlan, progress: ScenarioProgress, passed: readonly number[]): number | null {
  for (const b of plan.barriers) if (progress.milestonesReached.includes(b) && !passed.includes(b)) return b;
  return null;
}
