import { describe, expect, it } from 'vitest';
import { computeQualityScores } from '../../src/report/quality.ts';
import { config, progress } from './fixtures.ts';

// Issue 8, item 5 (report review): a metric was divided by every scored item, so one the skill returned in
// only some batches came out too low. Each metric now has its own weight: the items whose batch returned it.

const medium = { ...config.scenarios[1], qualityMetrics: ['accuracy', 'f1', 'toString'] } as (typeof config.scenarios)[number];

describe('per-metric weights', () => {
  it('divides each metric by the items of the batches that reported it', () => {
    const p = progress('medium', { quality: { items: 300, sums: { accuracy: 270, f1: 80, toString: 30 }, weights: { accuracy: 300, f1: 100, toString: 300 } } });
    expect(computeQualityScores(p, medium)).toEqual({ accuracy: 0.9, f1: 0.8, toString: 0.1, overall: 0.6 });
  });

  it('reads totals saved without weights (older snapshots) as before: every metric over all scored items', () => {
    const p = progress('medium', { quality: { items: 300, sums: { accuracy: 270, f1: 80, toString: 30 } } });
    expect(computeQualityScores(p, medium)).toEqual({ accuracy: 0.9, f1: 0.2667, toString: 0.1, overall: 0.4222 });
  });

  it('leaves a metric no batch reported unmeasured, never read off Object.prototype', () => {
    const p = progress('medium', { quality: { items: 300, sums: { accuracy: 270 }, weights: { accuracy: 300 } } });
    expect(computeQualityScores(p, medium)).toEqual({ accuracy: 0.9, f1: null, toString: null, overall: 0.9 });
  });
});
