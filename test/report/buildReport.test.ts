import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/buildReport.ts';
import { renderJson } from '../../src/report/renderJson.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { config, outcome, progress } from './fixtures.ts';

describe('buildReport', () => {
  it('computes time per item from busy time over items actually processed', () => {
    const report = buildReport(
      outcome([
        progress('simple', { busyMs: 1_000, elapsedMs: 31_000, waitingMs: 30_000 }),
        // Half of an 800-item input: 2000 ms / 400 items, not / 800 configured nor / (100 x 8).
        progress('complex', { status: 'failed', failureReason: 'cancelled', itemsProcessed: 400, busyMs: 2_000 }),
        progress('medium', { itemsProcessed: 0, busyMs: 0, status: 'pending', progressPct: 0 }),
      ]),
      config,
    );
    expect(report.comparison.timePerItemMs).toEqual({ simple: 10, complex: 5, medium: null });
  });

  it('rounds time per item to 3 decimals', () => {
    const report = buildReport(outcome([progress('medium', { busyMs: 1_000 })]), config);
    expect(report.comparison.timePerItemMs.medium).toBe(3.333);
  });

  it('ranks completed scenarios by overall quality over their shared metrics, ties by name', () => {
    const report = buildReport(
      outcome([
        progress('simple', { quality: { items: 100, sums: { accuracy: 60 } } }),
        progress('medium', { quality: { items: 300, sums: { accuracy: 270 } } }),
      ]),
      config,
    );
    expect(report.scenarios.simple?.qualityScores.overall).toBe(0.8);
    expect(report.scenarios.medium?.qualityScores.overall).toBe(0.95);
    expect(report.comparison.qualityRanking).toEqual(['medium', 'simple']);
    expect(report.comparison.rankingBasis).toEqual({
      metrics: ['accuracy', 'coverage'],
      scores: { medium: 0.95, simple: 0.8 },
      unranked: {},
      summary: 'Ranked on the mean of accuracy and coverage, the metrics every completed scenario measured.',
    });

    const tied = buildReport(outcome([progress('medium'), progress('simple')]), config);
    expect(tied.comparison.qualityRanking).toEqual(['medium', 'simple']);
  });

  it('gives a ranking score equal to overall when no metric is left out, both from the scores as shown', () => {
    // accuracy 0.91166... is shown as 0.9117: overall and the ranking score are both (0.9117 + 1) / 2.
    const report = buildReport(outcome([progress('medium', { quality: { items: 300, sums: { accuracy: 273.5 } } }), progress('simple')]), config);
    expect(report.scenarios.medium?.qualityScores).toEqual({ accuracy: 0.9117, coverage: 1, overall: 0.9559 });
    expect(report.comparison.rankingBasis.scores.medium).toBe(0.9559);
  });

  it('ranks on the metrics every scenario measured, so an extra metric gives no boost', () => {
    // complex meets its latency target (1 ms per item), a metric simple does not measure: 0.96 over its own
    // three metrics, but 0.94 over the shared accuracy and coverage, below simple's 0.95.
    const report = buildReport(
      outcome([
        progress('simple', { quality: { items: 100, sums: { accuracy: 90 } } }),
        progress('complex', { busyMs: 800, quality: { items: 800, sums: { accuracy: 704 } } }),
      ]),
      config,
    );
    expect(report.scenarios.complex?.qualityScores.overall).toBe(0.96);
    expect(report.comparison.qualityRanking).toEqual(['simple', 'complex']);
    expect(report.comparison.rankingBasis.scores).toEqual({ simple: 0.95, complex: 0.94 });
    expect(report.comparison.rankingBasis.summary).toBe(
      'Ranked on the mean of accuracy and coverage, the metrics every completed scenario measured; left out: latency (not measured by every one).',
    );
  });

  it('does not rank a scenario that failed in a finished run, and says why (cancelled and unfinished runs: ranking.test.ts)', () => {
    const report = buildReport(
      outcome([
        progress('simple'),
        progress('medium', { status: 'failed', failureReason: 'time_budget_exceeded', progressPct: 40, itemsProcessed: 120 }),
        progress('complex', { status: 'failed', failureReason: 'error_tolerance_exceeded', itemsProcessed: 800, quality: { items: 800, sums: { accuracy: 800 } } }),
      ]),
      config,
    );
    expect(report.comparison.qualityRanking).toEqual(['simple']);
    expect(report.comparison.rankingBasis.unranked).toEqual({ medium: 'failed (time budget exceeded)', complex: 'failed (error tolerance exceeded)' });
  });

  it('says it cannot rank when the completed scenarios share no measured metric', () => {
    const own = {
      ...config,
      scenarios: config.scenarios.map((s) => (s.name === 'simple' ? { ...s, qualityMetrics: ['f1'] } : { ...s, qualityMetrics: ['recall'] })),
    };
    const report = buildReport(
      outcome([
        progress('simple', { quality: { items: 100, sums: { accuracy: 90, f1: 80 } } }),
        progress('medium', { quality: { items: 300, sums: { accuracy: 270, recall: 150 } } }),
      ]),
      own,
    );
    expect(report.comparison.qualityRanking).toEqual([]);
    expect(report.comparison.rankingBasis).toEqual({
      metrics: [],
      scores: {},
      unranked: {},
      summary: 'Cannot rank: the completed scenarios share no measured quality metric (simple: f1; medium: recall).',
    });
  });

  it('lists each metric that was not measured, instead of scoring it 0', () => {
    const own = { ...config, scenarios: config.scenarios.map((s) => ({ ...s, qualityMetrics: [...s.qualityMetrics, 'f1'] })) };
    const report = buildReport(
      outcome([
        progress('simple'),
        progress('complex', { status: 'failed', failureReason: 'cancelled', itemsProcessed: 0, busyMs: 0, quality: { items: 0, sums: {} } }),
      ]),
      own,
    );
    expect(report.scenarios.simple?.qualityScores).toEqual({ accuracy: 0.9, coverage: 1, f1: null, overall: 0.95 });
    expect(report.comparison.missingMetrics).toEqual([
      { metric: 'f1', reason: 'not-reported', scenarios: ['simple'] },
      { metric: 'accuracy', reason: 'no-scored-batches', scenarios: ['complex'] },
      { metric: 'latency', reason: 'no-timed-items', scenarios: ['complex'] },
      { metric: 'f1', reason: 'no-scored-batches', scenarios: ['complex'] },
    ]);
  });

  it('fits scaling from completed scenarios only', () => {
    const report = buildReport(
      outcome([
        progress('simple'),
        progress('medium'),
        progress('complex', { status: 'failed', failureReason: 'time_budget_exceeded', itemsProcessed: 400, busyMs: 400_000 }),
      ]),
      config,
    );
    expect(report.comparison.scaling.basis).toContain('across 2 completed scenarios');
    expect(report.comparison.scaling.exponent).toBe(1);
    expect(report.comparison.scaling.verdict).toBe('inconclusive');
  });

  it('formats timestamps as ISO strings and keeps missing ones null', () => {
    const report = buildReport(
      outcome([progress('simple', { errors: [{ at: 1_700_000_001_000, message: 'timeout', batchIndex: 2, attempt: 1 }] })], {
        finishedAt: null,
      }),
      config,
    );
    expect(report.startedAt).toBe('2023-11-14T22:13:20.000Z');
    expect(report.finishedAt).toBeNull();
    expect(report.scenarios.simple?.errors).toEqual([{ at: '2023-11-14T22:13:21.000Z', message: 'timeout', batchIndex: 2 }]);
    expect(report.seed).toBe(42);
  });

  it('produces output that ReportSchema accepts unchanged', () => {
    const report = buildReport(
      outcome(
        [
          progress('simple', { errors: [{ at: 1_700_000_001_000, message: 'x' }] }),
          progress('medium'),
          progress('complex', { status: 'failed', failureReason: 'memory_limit_exceeded', itemsProcessed: 100, memoryUsedMb: 2_000 }),
        ],
        {
          barriers: [
            { milestone: 30, releasedBy: 'timeout', arrived: ['simple'], late: ['medium'], arrivedAtMs: { simple: 5 }, openedAtMs: 5, releasedAtMs: 30_005 },
          ],
        },
      ),
      config,
    );
    expect(ReportSchema.parse(report)).toEqual(report);
    expect(JSON.parse(renderJson(report))).toEqual(report);
    expect(report.recommendations.length).toBeGreaterThan(0);
  });

  it('rejects a scenario the configuration does not define', () => {
    expect(() => buildReport(outcome([progress('simple'), progress('huge')]), config)).toThrow(
      'Cannot build the report: the run has a scenario "huge" that the configuration does not define (it defines "simple", "medium", "complex").',
    );
  });
});
