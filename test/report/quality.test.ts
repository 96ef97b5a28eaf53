import { describe, expect, it } from 'vitest';
import { QUALITY_THRESHOLDS, computeQualityScores, ignoredSkillMetrics, latencyScore, meetsExpectedQuality, unmeasuredMetrics } from '../../src/report/quality.ts';
import { definition, progress } from './fixtures.ts';

describe('computeQualityScores', () => {
  it('scores each configured metric and averages them into overall', () => {
    const scores = computeQualityScores(
      progress('simple', { itemsProcessed: 80, quality: { items: 80, sums: { accuracy: 72 } } }),
      definition('simple'),
    );
    expect(scores).toEqual({ accuracy: 0.9, coverage: 0.8, overall: 0.85 });
  });

  it('measures coverage from items actually processed, not a hard-coded 1.0', () => {
    const scores = computeQualityScores(progress('medium', { itemsProcessed: 100 }), definition('medium'));
    expect(scores.coverage).toBe(0.3333);
  });

  it('marks accuracy missing (null), not 0, when no batch reported quality', () => {
    const scores = computeQualityScores(progress('simple', { itemsProcessed: 0, quality: { items: 0, sums: {} } }), definition('simple'));
    expect(scores).toEqual({ accuracy: null, coverage: 0, overall: 0 });
  });

  it('scores latency 1 at or under the target and target / actual above it, from busy time per item', () => {
    // complex: target 1 ms per item; 800 items.
    const at = (busyMs: number) => computeQualityScores(progress('complex', { busyMs }), definition('complex')).latency;
    expect(at(400)).toBe(1); // 0.5 ms per item
    expect(at(800)).toBe(1); // exactly the target
    expect(at(1_600)).toBe(0.5); // twice the target
    expect(at(8_000)).toBe(0.1); // ten times
    expect(at(800.8)).toBe(0.999); // 1.001 ms per item: just over
  });

  it('judges latency on the items the skill processed, leaving cached batches out', () => {
    // 800 items, 600 of them cached: 300 ms over the 200 the skill ran is 1.5 ms per item, not 0.375.
    const p = progress('complex', { busyMs: 300, cachedItems: 600, cachedBatches: 6 });
    expect(computeQualityScores(p, definition('complex')).latency).toBe(0.6667);
  });

  it('adds latency to overall like any measured metric', () => {
    const scores = computeQualityScores(progress('complex', { busyMs: 1_600 }), definition('complex'));
    expect(scores).toEqual({ accuracy: 0.9, coverage: 1, latency: 0.5, overall: 0.8 });
  });

  it("leaves latency unscored without a target, and never derives it from the budget or the skill's own figure", () => {
    // 300 s budget, 60 s busy: "share of the budget left" (0.8) is not a latency score, nor is the skill's 0.5.
    const noTarget = { ...definition('complex'), latencyTargetMsPerItem: undefined };
    const p = progress('complex', { busyMs: 60_000, quality: { items: 800, sums: { accuracy: 720, latency: 400 } } });
    expect(computeQualityScores(p, noTarget)).toEqual({ accuracy: 0.9, coverage: 1, latency: null, overall: 0.95 });
  });

  it("ignores the skill's own latency when a target is set: the run measures it", () => {
    const p = progress('complex', { busyMs: 4_000, quality: { items: 800, sums: { accuracy: 720, latency: 800 } } });
    expect(computeQualityScores(p, definition('complex')).latency).toBe(0.2);
  });

  it('leaves latency unscored when every batch came from the cache (no time per item)', () => {
    const p = progress('complex', { busyMs: 0, cachedItems: 800, cachedBatches: 8 });
    expect(computeQualityScores(p, definition('complex')).latency).toBeNull();
  });

  it('averages any other metric the skill reported and marks an unreported one missing, out of overall', () => {
    const def = { ...definition('simple'), qualityMetrics: ['f1', 'recall'] };
    const scores = computeQualityScores(progress('simple', { quality: { items: 100, sums: { f1: 70 } } }), def);
    expect(scores).toEqual({ f1: 0.7, recall: null, overall: 0.7 });
  });

  it('has no overall score when none of the metrics was measured', () => {
    const def = { ...definition('simple'), qualityMetrics: ['recall'] };
    const scores = computeQualityScores(progress('simple', { quality: { items: 100, sums: { accuracy: 90 } } }), def);
    expect(scores).toEqual({ recall: null, overall: null });
  });
});

describe('unmeasuredMetrics', () => {
  it('says the skill never reported a metric when batches reported other scores', () => {
    const def = { ...definition('complex'), qualityMetrics: ['accuracy', 'recall', 'f1'] };
    const p = progress('complex', { quality: { items: 800, sums: { accuracy: 720, f1: 400 } } });
    expect(unmeasuredMetrics(p, def, computeQualityScores(p, def))).toEqual([{ metric: 'recall', reason: 'not-reported' }]);
  });

  it('says no batch reported scores when nothing was scored at all, and latency has no time per item', () => {
    const p = progress('complex', { status: 'failed', failureReason: 'cancelled', itemsProcessed: 0, busyMs: 0, quality: { items: 0, sums: {} } });
    expect(unmeasuredMetrics(p, definition('complex'), computeQualityScores(p, definition('complex')))).toEqual([
      { metric: 'accuracy', reason: 'no-scored-batches' },
      { metric: 'latency', reason: 'no-timed-items' },
    ]);
  });

  it('says latency has no target when the scenario gives none, even if the skill returned a latency', () => {
    const def = { ...definition('complex'), latencyTargetMsPerItem: undefined };
    const p = progress('complex', { quality: { items: 800, sums: { accuracy: 720, latency: 400 } } });
    expect(unmeasuredMetrics(p, def, computeQualityScores(p, def))).toEqual([{ metric: 'latency', reason: 'no-target' }]);
  });
});

describe('ignoredSkillMetrics', () => {
  it('names coverage and latency when the scenario names them and the skill returned them too', () => {
    const p = progress('complex', { quality: { items: 800, sums: { accuracy: 720, latency: 400, coverage: 10, f1: 3 } } });
    expect(ignoredSkillMetrics(p, definition('complex'))).toEqual(['coverage', 'latency']);
    // Not named by the scenario: nothing is shown in its place, so nothing to warn about.
    expect(ignoredSkillMetrics(p, definition('simple'))).toEqual(['coverage']);
    expect(ignoredSkillMetrics(progress('complex'), definition('complex'))).toEqual([]);
  });
});

describe('latencyScore', () => {
  it('is 1 up to the target and falls as target / actual past it', () => {
    expect(latencyScore(0, 2)).toBe(1);
    expect(latencyScore(2, 2)).toBe(1);
    expect(latencyScore(4, 2)).toBe(0.5);
    expect(latencyScore(8, 2)).toBe(0.25);
  });
});

describe('meetsExpectedQuality', () => {
  it('holds at the threshold and fails just below it', () => {
    expect(meetsExpectedQuality(QUALITY_THRESHOLDS.good, 'good')).toBe(true);
    expect(meetsExpectedQuality(0.7499, 'good')).toBe(false);
    expect(meetsExpectedQuality(0.7499, 'basic')).toBe(true);
    expect(meetsExpectedQuality(0.89, 'excellent')).toBe(false);
  });
});
