import { describe, expect, it } from 'vitest';
import { QUALITY_THRESHOLDS, computeQualityScores, meetsExpectedQuality } from '../../src/report/quality.ts';
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

  it('scores accuracy 0 when no batch reported quality', () => {
    const scores = computeQualityScores(progress('simple', { quality: { items: 0, sums: {} } }), definition('simple'));
    expect(scores.accuracy).toBe(0);
  });

  it('uses budget headroom for latency when the skill reported none', () => {
    // complex: 300 s budget, 60 s busy -> 0.8 headroom.
    const scores = computeQualityScores(progress('complex', { busyMs: 60_000 }), definition('complex'));
    expect(scores.latency).toBe(0.8);
  });

  it('never scores latency headroom below 0 when the budget was overrun', () => {
    const scores = computeQualityScores(progress('complex', { busyMs: 400_000 }), definition('complex'));
    expect(scores.latency).toBe(0);
  });

  it("prefers the skill's own latency score when it reported one", () => {
    const scores = computeQualityScores(
      progress('complex', { busyMs: 60_000, quality: { items: 800, sums: { accuracy: 800, latency: 400 } } }),
      definition('complex'),
    );
    expect(scores.latency).toBe(0.5);
    expect(scores.overall).toBe(0.8333);
  });

  it('averages any other metric the skill reported and scores an unreported one 0', () => {
    const def = { ...definition('simple'), qualityMetrics: ['f1', 'recall'] };
    const scores = computeQualityScores(progress('simple', { quality: { items: 100, sums: { f1: 70 } } }), def);
    expect(scores).toEqual({ f1: 0.7, recall: 0, overall: 0.35 });
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
