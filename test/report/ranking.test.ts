import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import type { OrchestrationConfig } from '../../src/config/schema.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { timedSkill } from '../support/timedSkill.ts';
import { config, outcome, progress } from './fixtures.ts';

/** The default config with every scenario measuring accuracy and `extra` (coverage and latency dropped). */
function measuring(...extra: string[]): OrchestrationConfig {
  return { ...config, scenarios: config.scenarios.map((s) => ({ ...s, qualityMetrics: ['accuracy', ...extra] })) };
}

describe('quality ranking', () => {
  describe('in a run that finished', () => {
    it('breaks a tie by name, whatever the order the scenarios come in', () => {
      const tied = [
        progress('simple', { quality: { items: 100, sums: { accuracy: 90 } } }),
        progress('complex', { busyMs: 800, quality: { items: 800, sums: { accuracy: 720 } } }),
        progress('medium', { quality: { items: 300, sums: { accuracy: 270 } } }),
      ];
      for (const order of [tied, [...tied].reverse()]) {
        const { comparison } = buildReport(outcome(order), measuring());
        expect(comparison.qualityRanking).toEqual(['complex', 'medium', 'simple']);
        expect(comparison.rankingBasis.scores).toEqual({ complex: 0.9, medium: 0.9, simple: 0.9 });
      }
    });

    it('ties scores that are equal as shown (4 decimals), so a difference the report cannot show decides nothing', () => {
      // simple 0.90004 and medium 0.90001 are both shown as 0.9: ranked by name, not by the hidden digits.
      const { comparison } = buildReport(
        outcome([
          progress('simple', { quality: { items: 100, sums: { accuracy: 90.004 } } }),
          progress('medium', { quality: { items: 300, sums: { accuracy: 270.003 } } }),
        ]),
        measuring(),
      );
      expect(comparison.qualityRanking).toEqual(['medium', 'simple']);
      expect(comparison.rankingBasis.scores).toEqual({ medium: 0.9, simple: 0.9 });
    });

    it('leaves out a metric only one scenario names, so naming an extra metric gives no boost', () => {
      const own: OrchestrationConfig = {
        ...config,
        scenarios: config.scenarios.map((s) => ({ ...s, qualityMetrics: s.name === 'medium' ? ['accuracy', 'f1'] : ['accuracy'] })),
      };
      const { comparison, scenarios } = buildReport(
        outcome([
          progress('simple', { quality: { items: 100, sums: { accuracy: 85 } } }),
          // A perfect f1 lifts medium's overall above simple's, but only accuracy is shared.
          progress('medium', { quality: { items: 300, sums: { accuracy: 240, f1: 300 } } }),
        ]),
        own,
      );
      expect(scenarios.medium?.qualityScores.overall).toBe(0.9);
      expect(comparison.qualityRanking).toEqual(['simple', 'medium']);
      expect(comparison.rankingBasis).toMatchObject({ metrics: ['accuracy'], scores: { simple: 0.85, medium: 0.8 } });
      expect(comparison.rankingBasis.summary).toBe(
        'Ranked on the mean of accuracy, the metrics every completed scenario measured; left out: f1 (not measured by every one).',
      );
    });

    it('leaves out a metric that every scenario names but one never reported', () => {
      const { comparison, scenarios } = buildReport(
        outcome([
          progress('simple', { quality: { items: 100, sums: { accuracy: 85, f1: 100 } } }),
          // medium's skill never returned f1: ranking simple on its perfect f1 would compare unlike things.
          progress('medium', { quality: { items: 300, sums: { accuracy: 270 } } }),
        ]),
        measuring('f1'),
      );
      expect(scenarios.medium?.qualityScores).toEqual({ accuracy: 0.9, f1: null, overall: 0.9 });
      // simple's overall (0.925) is above medium's (0.9), but on the shared accuracy medium is ahead.
      expect(scenarios.simple?.qualityScores.overall).toBe(0.925);
      expect(comparison.qualityRanking).toEqual(['medium', 'simple']);
      expect(comparison.rankingBasis).toMatchObject({ metrics: ['accuracy'], scores: { medium: 0.9, simple: 0.85 } });
      expect(comparison.rankingBasis.summary).toContain('left out: f1 (not measured by every one)');
      expect(comparison.missingMetrics).toEqual([{ metric: 'f1', reason: 'not-reported', scenarios: ['medium'] }]);
    });

    it('ranks on latency when every scenario measures it against its own target', () => {
      const own: OrchestrationConfig = {
        ...config,
        scenarios: config.scenarios.map((s) => ({ ...s, qualityMetrics: ['latency'], latencyTargetMsPerItem: 2 })),
      };
      // simple 4 ms per item (0.5), medium 2 ms (1), complex 8 ms (0.25).
      const { comparison } = buildReport(
        outcome([progress('simple', { busyMs: 400 }), progress('medium', { busyMs: 600 }), progress('complex', { busyMs: 6_400 })]),
        own,
      );
      expect(comparison.qualityRanking).toEqual(['medium', 'simple', 'complex']);
      expect(comparison.rankingBasis.scores).toEqual({ medium: 1, simple: 0.5, complex: 0.25 });
    });

    it('ranks the completed scenarios when one failed on its own budget', () => {
      const { comparison } = buildReport(
        outcome([
          progress('simple'),
          progress('medium', { status: 'failed', failureReason: 'error_tolerance_exceeded', itemsProcessed: 120, itemsFailed: 30 }),
          progress('complex', { busyMs: 800 }),
        ]),
        config,
      );
      expect(comparison.qualityRanking).toEqual(['complex', 'simple']);
      expect(comparison.rankingBasis.unranked).toEqual({ medium: 'failed (error tolerance exceeded)' });
    });

    it('says it cannot rank when no scenario completed', () => {
      const { comparison } = buildReport(
        outcome([progress('simple', { status: 'failed', failureReason: 'time_budget_exceeded', itemsProcessed: 40 })]),
        config,
      );
      expect(comparison.qualityRanking).toEqual([]);
      expect(comparison.rankingBasis.summary).toBe('Cannot rank: no scenario completed.');
    });
  });

  describe('in a run that was cancelled or has not finished', () => {
    it('ranks nothing in a cancelled run, though scenarios completed before the cancel', () => {
      const report = buildReport(
        outcome([
          progress('simple'),
          progress('medium'),
          progress('complex', { status: 'failed', failureReason: 'cancelled', progressPct: 50, itemsProcessed: 400, busyMs: 400 }),
        ]),
        config,
      );
      expect(report.comparison.qualityRanking).toEqual([]);
      expect(report.comparison.rankingBasis).toEqual({
        metrics: [],
        scores: {},
        unranked: {
          simple: 'completed, but the run was cancelled',
          medium: 'completed, but the run was cancelled',
          complex: 'failed (cancelled)',
        },
        summary:
          'Cannot rank: the run was cancelled (complex stopped before finishing), so the scenarios that completed are only those that happened to finish first.',
      });
      expect(renderText(report)).toContain('Quality (no ranking)');
      expect(renderText(report)).toContain('basis: Cannot rank: the run was cancelled');
      expect(renderMarkdown(report)).toContain('Cannot rank: the run was cancelled');
    });

    it('says a cancelled run cannot be ranked even when no scenario completed before the cancel', () => {
      const { comparison } = buildReport(outcome([progress('simple', { status: 'failed', failureReason: 'cancelled', itemsProcessed: 40 })]), config);
      expect(comparison.qualityRanking).toEqual([]);
      expect(comparison.rankingBasis.summary).toBe('Cannot rank: the run was cancelled (simple stopped before finishing).');
    });

    it('ranks nothing in a run not finished (interrupted, stopped by an error and saved as paused, or still going)', () => {
      const { comparison } = buildReport(
        outcome(
          [
            progress('simple'),
            progress('medium', { status: 'paused', progressPct: 40, itemsProcessed: 120 }),
            progress('complex', { status: 'running', progressPct: 25, itemsProcessed: 200, busyMs: 200 }),
          ],
          { finishedAt: null },
        ),
        config,
      );
      expect(comparison.qualityRanking).toEqual([]);
      expect(comparison.rankingBasis.unranked).toEqual({
        simple: 'completed, but the run has not finished',
        medium: 'not finished (paused)',
        complex: 'not finished (running)',
      });
      expect(comparison.rankingBasis.summary).toBe(
        'Cannot rank: the run has not finished (medium paused and complex running), so the scenarios that completed are only those that happened to finish first; it is ranked once every scenario has ended.',
      );
    });
  });
});

describe('quality ranking of a real run', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is withheld when the run is cancelled after one scenario completed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    // No barriers, so "quick" completes on its own while "slow" is still running when the run is cancelled.
    const run = createOrchestration(simConfig([simScenario('quick', 1), simScenario('slow', 10)], { barriers: { at: [], timeoutMs: 30_000 } }), {
      skill: timedSkill({ latencyMs: 100 }),
      now: () => Date.now(),
    });
    run.start();
    await vi.advanceTimersByTimeAsync(250);
    run.cancel();
    const report = await run.result;
    expect(Object.values(report.scenarios).map((s) => [s.status, s.failureReason])).toEqual([
      ['complete', undefined],
      ['failed', 'cancelled'],
    ]);
    expect(report.comparison.qualityRanking).toEqual([]);
    expect(report.comparison.rankingBasis.unranked).toEqual({ quick: 'completed, but the run was cancelled', slow: 'failed (cancelled)' });
  });

  it('is given when the same run finishes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const run = createOrchestration(simConfig([simScenario('quick', 1), simScenario('slow', 3)], { barriers: { at: [], timeoutMs: 30_000 } }), {
      skill: timedSkill({ latencyMs: 100 }),
      now: () => Date.now(),
    });
    run.start();
    await vi.advanceTimersByTimeAsync(1_000);
    const report = await run.result;
    expect(report.comparison.qualityRanking).toHaveLength(2);
    expect(report.comparison.rankingBasis.unranked).toEqual({});
  });
});
