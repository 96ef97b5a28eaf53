import { roundTo } from './round.ts';
import type { ScenarioProgress } from './schema.ts';

/** Items processed by batches the skill ran, not taken from the batch cache. */
export function itemsTheSkillProcessed(progress: Pick<ScenarioProgress, 'itemsProcessed' | 'cachedItems'>): number {
  return progress.itemsProcessed - (progress.cachedItems ?? 0);
}

/**
 * Busy ms per item the skill processed, rounded to 3 decimals: the report's `comparison.timePerItemMs` and
 * what `latency` judges. Barrier waits, pauses, the configured size and batches taken from the cache (no busy
 * time) play no part. Null when the skill processed no item (every batch cached, or none ran): no figure, never 0.
 */
export function timePerItemMs(progress: Pick<ScenarioProgress, 'itemsProcessed' | 'cachedItems' | 'busyMs'>): number | null {
  const items = itemsTheSkillProcessed(progress);
  return items > 0 ? roundTo(progress.busyMs / items, 3) : null;
}
