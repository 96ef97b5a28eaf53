/**
 * Where an A/B batch keeps each version's figures: reserved names in the composite result's `metrics`, which
 * the batch journal stores with every row. So the paired comparison is rebuilt from the journal, and survives
 * a crash and resume like any batch (recorded batches are replayed, never re-run).
 */

export type AbSide = 'a' | 'b';

export const AB_METRIC_PREFIX = 'ab.';

export const abMetric = {
  /** The version's qualityScore for the batch (0..1). */
  quality: (side: AbSide) => `ab.${side}.quality`,
  /** Milliseconds inside the version's `run` (performance.now around the call). */
  ms: (side: AbSide) => `ab.${side}.ms`,
  /** Items the version processed. */
  processed: (side: AbSide) => `ab.${side}.processed`,
  /** One of the version's own metrics. */
  own: (side: AbSide, name: string) => `ab.${side}.metric.${name}`,
  /** 0 when version a ran first in the batch, 1 when b did. */
  bFirst: 'ab.bFirst',
} as const;

/** True for a name the A/B composite reserves in `metrics` (so it is never taken for the skill's own). */
export const isAbMetric = (name: string): boolean => name.startsWith(AB_METRIC_PREFIX);
