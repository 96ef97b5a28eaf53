import { describe, expect, it } from 'vitest';
import { QUALITY_THRESHOLDS, computeQualityScores, meetsExpectedQuality, unmeasuredMetrics } from '../../src/report/quality.ts';
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

  it('leaves latency unscored and out of overall when the skill reports none and no target is configured', () => {
    // complex: 300 s budget, 60 s busy. "Share of the budget left" (0.8) is not a latency score.
    const scores = computeQualityScores(progress('complex', { busyMs: 60_000 }), definition('complex'));
    expect(scores).toEqual({ accuracy: 0.9, coverage: 1, latency: null, overall: 0.95 });
  });

  it("uses the skill's own latency score when it reported one", () => {
    const scores = computeQualityScores(
      progress('complex', { busyMs: 60_000, quality: { items: 800, sums: { accuracy: 800, latency: 400 } } }),
      definition('complex'),
    );
    expect(scores.latency).toBe(0.5);
    expect(scores.overall).toBe(0.8333);
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
    const def = { ...definition('complex'), qualityMetrics: ['accuracy', 'latency', 'f1'] };
    const p = progress('complex', { quality: { items: 800, sums: { accuracy: 720, f1: 400 } } });
    expect(unmeasuredMetrics(p, computeQualityScores(p, def))).toEqual([{ metric: 'latency', reason: 'not-reported' }]);
  });

  it('says no batch reported scores when nothing was scored at all', () => {
    const p = progress('complex', { status: 'failed', failureReason: 'cancelled', itemsProcessed: 0, quality: { items: 0, sums: {} } });
    expect(unmeasuredMetrics(p, computeQualityScores(p, definition('complex')))).toEqual([
      { metric: 'accuracy', reason: 'no-scored-batches' },
      { metric: 'latency', reason: 'no-scored-batches' },
    ]);
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
