import { describe, expect, it } from 'vitest';
import { configOrder, startOrder } from '../../src/report/experimentOrder.ts';
import { buildExperimentReport, type ExperimentRepeat } from '../../src/report/experimentReport.ts';
import { renderExperimentMarkdown, renderExperimentText } from '../../src/report/experimentRender.ts';
import { ExperimentReportSchema } from '../../src/report/experimentSchema.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { roundTo } from '../../src/report/round.ts';
import { medianCi95, meanCi95 } from '../../src/report/stats.ts';
import { config, outcome, progress } from './fixtures.ts';

const NAMES = ['simple', 'medium', 'complex'];
const BATCH_SIZES: Record<string, number> = { simple: 10, medium: 50, complex: 100 };

/** Repeat `index` of experiment E as a stored run: its scenarios in rotated order, with the given progress. */
function repeat(index: number, scenarios: ScenarioProgress[], status: ExperimentRepeat['status'] = 'complete'): ExperimentRepeat {
  const order = startOrder(NAMES, index);
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const inOrder = order.flatMap((name) => (byName.has(name) ? [byName.get(name) as ScenarioProgress] : []));
  return {
    index,
    runId: `E.r${index}`,
    seed: 1000 + index,
    status,
    report: buildReport(outcome(inOrder, { orchestrationId: `E.r${index}` }), config),
    scenarios: order.map((name) => ({ name, batchSize: BATCH_SIZES[name] ?? 1 })),
  };
}

/** Busy ms of simple (100 items) per repeat: 2 ms per item, one repeat 3x slower. */
const SIMPLE_BUSY = [200, 210, 190, 205, 600];

function fiveRepeats(): ExperimentRepeat[] {
  return SIMPLE_BUSY.map((busy, i) =>
    repeat(i + 1, [
      progress('simple', { busyMs: busy, elapsedMs: busy + 50, waitingMs: 25, quality: { items: 100, sums: { accuracy: 90 + i } } }),
      progress('medium', { busyMs: 900 + 10 * i, elapsedMs: 1_000 + 10 * i }),
      progress('complex', { busyMs: 2_400 + 20 * i, elapsedMs: 3_000 }),
    ]),
  );
}

describe('buildExperimentReport', () => {
  it('gives each scenario the median and mean of its repeats with their 95% CIs, n and the outlier repeats', () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 5, runs: fiveRepeats() });
    expect(ExperimentReportSchema.parse(report)).toEqual(report);
    expect(Object.keys(report.scenarios)).toEqual(NAMES);
    const simple = report.scenarios.simple;
    const perItem = SIMPLE_BUSY.map((b) => b / 100);
    expect(simple?.timePerItemMs?.values).toEqual(perItem.map((value, i) => ({ runId: `E.r${i + 1}`, value })));
    expect(simple?.timePerItemMs).toMatchObject({ n: 5, median: 2.05, mean: 2.81, outliers: ['E.r5'] });
    const median = medianCi95(perItem);
    const mean = meanCi95(perItem);
    expect(simple?.timePerItemMs?.medianCi95).toMatchObject({ method: 'bootstrap-percentile', low: median?.low, high: median?.high });
    expect(simple?.timePerItemMs?.meanCi95?.low).toBeCloseTo(mean?.low ?? NaN, 3);
    expect(simple?.timePerItemMs?.meanCi95?.method).toBe('student-t');
    // 100 items per (elapsed − waiting) second: 100 / 0.225 s in the first repeat.
    expect(simple?.throughputPerSecond?.values[0]).toEqual({ runId: 'E.r1', value: 444.444 });
    expect(simple?.quality.accuracy?.values.map((v) => v.value)).toEqual([0.9, 0.91, 0.92, 0.93, 0.94]);
    expect(simple?.quality.overall?.n).toBe(5);
    expect(report.notes.some((n) => n.startsWith('simple: outliers: time per item in E.r5'))).toBe(true);
    expect(report.runs.map((r) => [r.runId, r.seed, r.status, r.scenarioOrder[0]])).toEqual([
      ['E.r1', 1001, 'complete', 'simple'],
      ['E.r2', 1002, 'complete', 'medium'],
      ['E.r3', 1003, 'complete', 'complex'],
      ['E.r4', 1004, 'complete', 'simple'],
      ['E.r5', 1005, 'complete', 'medium'],
    ]);
  });

  it("fits scaling over every repeat's completed scenarios, one point each", () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 5, runs: fiveRepeats() });
    expect(report.scaling.points).toBe(15);
    expect(report.scaling.exponentCi95?.degreesOfFreedom).toBe(13);
    expect(report.scaling.basis).toContain('over 15 points: each completed scenario of each of 5 repeats');
  });

  it('leaves out a repeat where a scenario failed, and says which repeats are missing and how to finish them', () => {
    const runs = fiveRepeats().slice(0, 3);
    runs[1] = repeat(2, [
      progress('simple', { busyMs: 200 }),
      progress('medium', { status: 'failed', failureReason: 'time_budget_exceeded', itemsProcessed: 100, busyMs: 5_000 }),
      progress('complex', { busyMs: 2_400 }),
    ], 'failed');
    const missing = [4, 5].map((index): ExperimentRepeat => ({ index, runId: `E.r${index}`, seed: null, status: 'missing', report: null, scenarios: [] }));
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 5, runs: [...missing, ...runs] });
    expect(report.runs.map((r) => r.status)).toEqual(['complete', 'failed', 'complete', 'missing', 'missing']);
    expect(report.scenarios.medium?.completedIn).toEqual(['E.r1', 'E.r3']);
    expect(report.scenarios.medium?.notCompletedIn).toEqual([{ runId: 'E.r2', status: 'failed', failureReason: 'time_budget_exceeded' }]);
    expect(report.scenarios.medium?.timePerItemMs?.n).toBe(2);
    expect(report.scenarios.simple?.timePerItemMs?.n).toBe(3);
    expect(report.scaling.points).toBe(8);
    expect(report.notes).toContain('E.r4 and E.r5 did not run: scenarios resume E finishes the experiment. The figures are over the repeats that completed each scenario.');
    expect(report.notes).toContain('medium failed (time_budget_exceeded) in E.r2, so its figures leave that repeat out.');
    expect(report.notes.some((n) => n.startsWith('medium: n = 2, so the intervals are wide'))).toBe(true);
  });

  it('leaves a quality metric no repeat measured as null, and a single repeat without intervals', () => {
    const only = repeat(1, [progress('simple', { quality: { items: 0, sums: {} } }), progress('medium'), progress('complex')]);
    const report = buildExperimentReport({ experimentId: 'solo', seed: 1, sameData: true, repeats: 1, runs: [only] });
    expect(report.scenarios.simple?.quality.accuracy).toBeNull();
    expect(report.scenarios.medium?.timePerItemMs).toMatchObject({ n: 1, medianCi95: null, meanCi95: null, standardDeviation: null });
    expect(report.notes).toContain('simple completed in one repeat only: no intervals.');
    expect(report.notes.some((n) => n.includes('same seed (sameData)'))).toBe(true);
  });
});

describe('experiment scenario order', () => {
  it('rotates the start order by one per repeat and gets the config order back', () => {
    expect([1, 2, 3, 4].map((k) => startOrder(NAMES, k))).toEqual([NAMES, ['medium', 'complex', 'simple'], ['complex', 'simple', 'medium'], NAMES]);
    for (const k of [1, 2, 3, 4, 5, 100]) expect(configOrder(startOrder(NAMES, k), k)).toEqual(NAMES);
    expect(startOrder([], 3)).toEqual([]);
  });
});

describe('experiment renderers', () => {
  it('prints a table per figure: scenario, median [CI], mean [CI], n and outliers', () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 5, runs: fiveRepeats() });
    const text = renderExperimentText(report);
    expect(text).toContain('Experiment E: 5 repeats, skill simulated@1.0.0, seed 7');
    const table = text.split('\n\n').find((block) => block.startsWith('Busy time per item (ms)'))?.split('\n') ?? [];
    expect(table[1]).toMatch(/^ {2}Scenario +Median \[95% CI\] +Mean \[95% CI\] +n +Outliers$/);
    const ci = report.scenarios.simple?.timePerItemMs?.medianCi95;
    const mean = report.scenarios.simple?.timePerItemMs?.meanCi95;
    expect(table[2]?.trim().split(/ {2,}/)).toEqual(['simple', `2.05 [${ci?.low}, ${ci?.high}]`, `2.81 [${roundTo(mean?.low ?? NaN, 3)}, ${roundTo(mean?.high ?? NaN, 3)}]`, '5', 'E.r5']);
    expect(text).toContain('Quality: overall');
    expect(text).toContain('Throughput (items per second of working time)');
    const markdown = renderExperimentMarkdown(report);
    expect(markdown).toContain('| Scenario | Median [95% CI] | Mean [95% CI] | n | Outliers |');
    expect(markdown).toContain(`| simple | 2.05 [${ci?.low}, ${ci?.high}] |`);
    expect(markdown).toContain('## Scaling over every repeat');
  });
});
