import type { ScenarioProgress } from '../report/schema.ts';

/**
 * Every event carries `at` (epoch ms), stamped by whoever sends it from the world (the API, the batch
 * runner, an alarm). Machines never read a clock, so a path through them is deterministic.
 */

/** A batch settled: processed (fully or partly), or failed after its last attempt. */
export interface BatchDoneEvent {
  type: 'batch.done';
  at: number;
  index: number;
  attempt: number;
  items: number;
  itemsFailed: number;
  /** null when the whole batch failed. */
  qualityScore: number | null;
  metrics: Record<string, number>;
  durationMs: number;
  memoryMb: number;
  /** The final error of a failed batch. */
  error?: string;
  /** True when the result came from the journal instead of a skill call (after a restore). */
  replayed: boolean;
  /** True when the result came from the batch cache (`cacheEnabled`): the skill was not called, so no busy time. */
  cached?: boolean;
  /** True when the skill ran out of its scenario's memory (see SkillOutOfMemoryError): the scenario fails with `memory_limit_exceeded`. */
  outOfMemory?: boolean;
  /**
   * Batches settled after this one, in index order, counted in the same step: the runner folds batches
   * the scenario decides nothing on into one event (see BatchFold). The machine stops counting at the
   * first that decides something (a barrier, a limit, the last batch); any after it are in the journal
   * and replayed by the next stretch.
   */
  following?: BatchDoneEvent[];
  /** Set when the runner flushed these because a pause was asked for: they settled before it, so the pause waits for the next. */
  settledBeforePause?: boolean;
  /**
   * The progress after this batch and each following one, as the runner counted them (countBatch) from
   * `from`, the scenario's progress object when it did, with the same downtime and resume time: the machine
   * takes them when `from` is still its progress (the same object, so nothing counted in between), instead
   * of counting each batch a second time.
   */
  counted?: { from: ScenarioProgress; downtimeMs: number; resumedAt: number; progress: ScenarioProgress[] };
}

/** An attempt failed and another is allowed: the scenario waits `retryAt` and tries again. */
export interface BatchFailedEvent {
  type: 'batch.failed';
  at: number;
  index: number;
  attempt: number;
  error: string;
  durationMs: number;
}

export type ScenarioEvent =
  | { type: 'scenario.start'; at: number }
  | { type: 'scenario.pause'; at: number }
  | { type: 'scenario.resume'; at: number }
  | { type: 'scenario.cancel'; at: number }
  | { type: 'barrier.release'; at: number; milestone: number }
  | { type: 'budget.expired'; at: number }
  | { type: 'retry.due'; at: number }
  /** The runner could not go on for a reason outside the skill (e.g. the store is unreachable). */
  | { type: 'runner.error'; at: number; error: string }
  /** Sent after a restore: the process was down this long, which elapsed time must not count. */
  | { type: 'clock.resumed'; at: number; downtimeMs: number }
  | BatchDoneEvent
  | BatchFailedEvent;

export type OrchestratorEvent =
  | { type: 'orchestration.start'; at: number }
  | { type: 'orchestration.pause'; at: number; scenario?: string }
  | { type: 'orchestration.resume'; at: number; scenario?: string }
  | { type: 'orchestration.cancel'; at: number }
  | { type: 'clock.resumed'; at: number; downtimeMs: number }
  | { type: 'barrier.arrived'; at: number; scenario: string; milestone: number }
  | { type: 'barrier.timeout'; at: number; milestone: number }
  | { type: 'scenario.finished'; at: number; scenario: string; progress: ScenarioProgress };
