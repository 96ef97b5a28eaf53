import { progressPctOf, type ScenarioPlan } from '../machines/scenarioPlan.ts';

/** Most batches of one scenario in flight at once (the config caps `parallelWorkers` at 64 too). */
export const MAX_PARALLEL_WORKERS = 64;

/**
 * `parallelWorkers` from the scenario's merged params: a positive integer, else 1. A value in the config's
 * `skill.params` reaches here unchecked (those params are the skill's), so anything else means one worker.
 */
export function parallelWorkers(plan: ScenarioPlan): number {
  const value = plan.params.parallelWorkers;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? Math.min(value, MAX_PARALLEL_WORKERS) : 1;
}

/** Progress (%) once batches 0..index have settled, by the scenario machine's own formula. */
function progressAfter(plan: ScenarioPlan, index: number): number {
  return progressPctOf(plan, Math.min(plan.inputSize, (index + 1) * plan.batchSize));
}

/** The first batch whose settling reaches `milestone` %. */
export function batchReaching(plan: ScenarioPlan, milestone: number): number {
  // Progress only depends on how many items have settled, so the batch is known before any runs; start
  // from the arithmetic guess and step to the exact answer of the machine's own formula.
  let index = Math.max(0, Math.ceil((milestone * plan.inputSize) / (100 * plan.batchSize)) - 1);
  while (index < plan.batchesTotal - 1 && progressAfter(plan, index) < milestone) index += 1;
  while (index > 0 && progressAfter(plan, index - 1) >= milestone) index -= 1;
  return index;
}

/**
 * The last batch a stretch starting at `from` may start: the first one from `from` on that reaches a barrier
 * (the scenario waits there once it is counted), else the scenario's last batch. So with several workers no
 * batch past a barrier runs before the barrier is released, exactly as with one.
 */
export function lastBatchOfStretch(plan: ScenarioPlan, from: number): number {
  let last = plan.batchesTotal - 1;
  for (const barrier of plan.barriers) {
    const reaching = batchReaching(plan, barrier);
    if (reaching >= from && reaching < last) last = reaching;
  }
  return last;
}
