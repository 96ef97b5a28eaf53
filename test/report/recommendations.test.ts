import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/buildReport.ts';
import { config, outcome, progress } from './fixtures.ts';

const allGood = () => [
  progress('simple', { quality: { items: 100, sums: { accuracy: 95 } } }),
  progress('medium', { quality: { items: 300, sums: { accuracy: 285 } } }),
  // 1 ms per item: the default complex scenario's latency target, so latency scores 1.
  progress('complex', { quality: { items: 800, sums: { accuracy: 800 } }, busyMs: 800 }),
];

describe('recommend (through buildReport)', () => {
  it('says all scenarios completed within their budgets only when that is true', () => {
    const { recommendations } = buildReport(outcome(allGood()), config);
    expect(recommendations[0]).toBe('All 3 scenarios completed within their budgets.');
  });

  it('never claims all scenarios succeeded when one failed, and names the failure with figures', () => {
    const [simple, medium] = allGood();
    const complex = progress('complex', {
      status: 'failed',
      failureReason: 'time_budget_exceeded',
      itemsProcessed: 500,
      busyMs: 301_000,
      errors: [{ at: 1_700_000_005_000, message: 'deadline passed', batchIndex: 5 }],
    });
    const { recommendations } = buildReport(outcome([simple!, medium!, complex]), config);
    const text = recommendations.join('\n');
    expect(text).not.toMatch(/all (3 )?scenarios completed|successful in all/i);
    expect(recommendations[0]).toBe('2 of 3 scenarios completed; failed: "complex".');
    expect(recommendations).toContain(
      'Scenario "complex" failed because it exceeded its time budget (working time 301 s against a budget of 300 s) after 500 items; last error: "deadline passed".',
    );
    // The failure sentence already gives the time figures; a failed scenario's partial quality is no finding.
    expect(text.match(/time budget/g)).toHaveLength(1);
    expect(text).not.toContain('expected quality');
  });

  it('names every broken budget with its figures', () => {
    const [simple, medium, complex] = allGood();
    const report = buildReport(
      outcome([{ ...simple!, memoryUsedMb: 300 }, { ...medium!, itemsFailed: 30, itemsProcessed: 270, quality: { items: 270, sums: { accuracy: 270 } } }, complex!]),
      config,
    );
    expect(report.recommendations[0]).toBe('All 3 scenarios completed, but 2 budgets did not hold.');
    expect(report.recommendations).toContain('Scenario "simple" broke its memory limit: 300 MB used against a limit of 256 MB.');
    expect(report.recommendations).toContain('Scenario "medium" broke its error tolerance: 10% of items failed against 5% allowed.');
  });

  it('names the weakest metric when quality is below expectation', () => {
    const [simple, medium] = allGood();
    const complex = progress('complex', { quality: { items: 800, sums: { accuracy: 440 } }, busyMs: 800 });
    const { recommendations } = buildReport(outcome([simple!, medium!, complex]), config);
    expect(recommendations).toContain(
      'Scenario "complex" is below its expected quality: overall quality 0.85 against the "excellent" level (0.9); its weakest metric is accuracy (0.55).',
    );
  });

  it('names each metric the skill never reported, so it is not mistaken for a score of 0', () => {
    const own = { ...config, scenarios: config.scenarios.map((s) => ({ ...s, qualityMetrics: [...s.qualityMetrics, 'f1'] })) };
    const { recommendations } = buildReport(outcome(allGood()), own);
    expect(recommendations).toContain(
      'The skill never reported "f1" (named in qualityMetrics of "simple", "medium" and "complex"), so it is shown as missing ' +
        'and left out of overall quality and the ranking: return it from run() in metrics, or remove it from qualityMetrics.',
    );
    // latency is measured by the run (complex has a target), so the skill is not asked for it.
    expect(recommendations.join('\n')).not.toContain('"latency"');
  });

  it('gives a cancelled or failed scenario no below-expected-quality advice', () => {
    const [simple, medium] = allGood();
    for (const failureReason of ['cancelled', 'error_tolerance_exceeded'] as const) {
      const complex = progress('complex', { status: 'failed', failureReason, itemsProcessed: 200, itemsFailed: 100, quality: { items: 200, sums: { accuracy: 100 } } });
      const { recommendations, budgets } = buildReport(outcome([simple!, medium!, complex]), config);
      expect(budgets.complex?.expectedQuality.held).toBe(false);
      expect(recommendations.join('\n')).not.toContain('expected quality');
    }
  });

  it('says expected quality cannot be confirmed when no quality metric was measured', () => {
    const own = { ...config, scenarios: config.scenarios.map((s) => ({ ...s, qualityMetrics: ['recall'] })) };
    const { recommendations } = buildReport(outcome([progress('simple')]), own);
    expect(recommendations).toContain('Scenario "simple" has no measured quality metric, so its expected "basic" quality (0.6) cannot be confirmed.');
    expect(recommendations.join('\n')).not.toContain('below its expected quality');
  });

  it('says an unfinished scenario covers only part of its input', () => {
    const [simple, medium] = allGood();
    const complex = progress('complex', { status: 'paused', progressPct: 45, itemsProcessed: 360, busyMs: 3_600 });
    const { recommendations } = buildReport(outcome([simple!, medium!, complex]), config);
    expect(recommendations[0]).toBe('2 of 3 scenarios completed; not finished: "complex".');
    expect(recommendations).toContain('Scenario "complex" did not finish (paused at 45%), so its figures cover part of its input.');
    expect(recommendations.join('\n')).not.toContain('expected quality');
  });

  it('suggests a longer timeout or a look at the late scenario when a barrier timed out', () => {
    const { recommendations } = buildReport(
      outcome(allGood(), {
        barriers: [
          { milestone: 30, releasedBy: 'all-arrived', arrived: ['simple', 'medium', 'complex'], late: [], arrivedAtMs: {}, openedAtMs: 100, releasedAtMs: 900 },
          { milestone: 70, releasedBy: 'timeout', arrived: ['simple', 'medium'], late: ['complex'], arrivedAtMs: {}, openedAtMs: 1_000, releasedAtMs: 31_000 },
        ],
      }),
      config,
    );
    expect(recommendations.filter((r) => r.includes('barrier'))).toEqual([
      'The barrier at 70% was released by its timeout after 30 s with "complex" still missing: raise barriers.timeoutMs, or check what held up "complex".',
    ]);
  });

  it('advises on superlinear scaling', () => {
    const scenarios = [
      progress('simple', { busyMs: 100 }),
      progress('medium', { busyMs: 900 }),
      progress('complex', { busyMs: 6_400 }),
    ];
    const { recommendations } = buildReport(outcome(scenarios), config);
    expect(recommendations.join('\n')).toContain('(exponent 2, superlinear): investigate what makes the cost per item grow');
  });

  it('advises larger batches when busy time follows batch count', () => {
    // 20 ms per batch, 0.1 ms per item: 10, 6 and 8 batches.
    const scenarios = [
      progress('simple', { busyMs: 210 }),
      progress('medium', { busyMs: 150 }),
      progress('complex', { busyMs: 240 }),
    ];
    const { recommendations, comparison } = buildReport(outcome(scenarios), config);
    // Three points that are far from a straight line on log-log: the exponent's CI spans every band.
    expect(comparison.scaling.verdict).toBe('inconclusive');
    expect(recommendations).toContain(
      'Busy time is driven by batch count (about 20 ms per batch) rather than item count: larger batches would cut time.',
    );
  });
});

describe('recommend (single scenario and cancellations)', () => {
  it('speaks of the only scenario in the singular', () => {
    const { recommendations } = buildReport(outcome([progress('simple', { quality: { items: 100, sums: { accuracy: 95 } } })]), config);
    expect(recommendations[0]).toBe('The only scenario completed within its budgets.');
  });

  it('says a cancelled scenario was cancelled, not that it broke a budget', () => {
    const { recommendations } = buildReport(
      outcome([progress('simple', { status: 'failed', failureReason: 'cancelled', itemsProcessed: 1, quality: { items: 1, sums: { accuracy: 1 } } })]),
      config,
    );
    expect(recommendations[0]).toBe('0 of 1 scenario completed; failed: "simple".');
    expect(recommendations[1]).toBe('Scenario "simple" failed because it was cancelled after 1 item.');
    expect(recommendations.join(' ')).not.toMatch(/broke its (time|memory|error)/);
  });
});
