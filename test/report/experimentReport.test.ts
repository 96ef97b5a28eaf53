import { describe, expect, it } from 'vitest';
import { configOrder, startOrder } from '../../src/report/experimentOrder.ts';
import { buildExperimentReport, type ExperimentRepeat } from '../../src/report/experimentReport.ts';
import { renderExperimentMarkdown, renderExperimentText } from '../../src/report/experimentRender.ts';
import { ExperimentReportSchema } from '../../src/report/experimentSchema.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { roundTo } from '../../src/report/round.ts';
import { medianCi95, meanCi95 } from '../../src/report/stats.ts';
import { progress, storedRepeat } from './fixtures.ts';
import { buildAbReport } from '../../src/ab/abReport.ts';
import { abMetric } from '../../src/ab/abMetrics.ts';

const NAMES = ['simple', 'medium', 'complex'];
const BATCH_SIZES: Record<string, number> = { simple: 10, medium: 50, complex: 100 };

/** Repeat `index` of experiment E as a stored run: its scenarios in rotated order, with the given progress. */
const repeat = (index: number, scenarios: ScenarioProgress[], status: ExperimentRepeat['status'] = 'complete') => storedRepeat(NAMES, index, scenarios, status, BATCH_SIZES);

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
    // Time per item cannot be 0 or less: its mean is geometric, the t interval taken of the logs and brought back.
    const geometric = Math.exp(perItem.reduce((sum, v) => sum + Math.log(v), 0) / perItem.length);
    expect(simple?.timePerItemMs).toMatchObject({ n: 5, median: 2.05, meanKind: 'geometric', mean: roundTo(geometric, 4), outliers: ['E.r5'] });
    const median = medianCi95(perItem);
    const mean = meanCi95(perItem.map(Math.log));
    expect(simple?.timePerItemMs?.medianCi95).toMatchObject({ method: 'bootstrap-percentile', low: median?.low, high: median?.high });
    expect(simple?.timePerItemMs?.meanCi95?.low).toBeCloseTo(Math.exp(mean?.low ?? NaN), 3);
    expect(simple?.timePerItemMs?.meanCi95?.high).toBeCloseTo(Math.exp(mean?.high ?? NaN), 3);
    expect(simple?.timePerItemMs?.meanCi95?.method).toBe('student-t');
    expect(simple?.quality.accuracy).toMatchObject({ meanKind: 'arithmetic', mean: 0.92 });
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
    // The batch sizes grouped, not each of the 15 points' named.
    const sizes = report.scaling.notes.find((n) => n.startsWith('Batch sizes differ'));
    expect(sizes).toBe('Batch sizes differ (10, 50, 100 across 15 points), so part of the per-item difference comes from per-batch overhead being spread over more items, not from load.');
  });

  it('prints a negative fitted term as a number ("about −0.868"), not "~-0.868"', () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 5, runs: fiveRepeats() });
    const twoTerm = { perBatchMs: { estimate: 6.206, standardError: 1.912 }, perItemMs: { estimate: -0.868, standardError: 0.626 }, rSquared: 0.2, degreesOfFreedom: 13 };
    const negative = { ...report, scaling: { ...report.scaling, twoTerm } };
    for (const rendered of [renderExperimentText(negative), renderExperimentMarkdown(negative)]) {
      expect(rendered).toContain('Fitted cost: about 6.206 ms per batch (SE 1.912) + about −0.868 ms per item (SE 0.626)');
      expect(rendered).not.toContain('~');
    }
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
    expect(report.notes).toContain('medium: n = 2: too few repeats for an interval (intervals from 3 repeats on).');
    expect(report.scenarios.medium?.timePerItemMs).toMatchObject({ n: 2, medianCi95: null, meanCi95: null });
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

describe('experiment intervals of figures that cannot be 0 or less', () => {
  /** Three repeats: simple's busy time per item 0.5, 2 and 20 ms (widely spread), medium the same in each. */
  function spreadRepeats(count: number): ExperimentRepeat[] {
    return [50, 200, 2_000].slice(0, count).map((busy, i) =>
      repeat(i + 1, [
        progress('simple', { busyMs: busy, elapsedMs: busy + 10, quality: { items: 100, sums: { accuracy: 90 } } }),
        progress('medium'),
        progress('complex'),
      ]),
    );
  }

  it('gives two repeats no interval, where a t interval of the mean would reach below 0', () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 2, runs: spreadRepeats(2) });
    // The arithmetic t interval of [0.5, 2] with 1 degree of freedom is about [−8.8, 11.3].
    expect(meanCi95([0.5, 2])?.low).toBeLessThan(0);
    for (const figure of [report.scenarios.simple?.timePerItemMs, report.scenarios.simple?.throughputPerSecond, report.scenarios.simple?.quality.accuracy]) {
      expect(figure).toMatchObject({ n: 2, medianCi95: null, meanCi95: null });
    }
    expect(report.notes).toContain('simple: n = 2: too few repeats for an interval (intervals from 3 repeats on).');
    expect(renderExperimentText(report)).not.toMatch(/\[-/);
  });

  it('keeps the mean interval of time per item and throughput above 0 from three repeats on (geometric mean)', () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 3, runs: spreadRepeats(3) });
    expect(meanCi95([0.5, 2, 20])?.low).toBeLessThan(0);
    const time = report.scenarios.simple?.timePerItemMs;
    expect(time).toMatchObject({ n: 3, meanKind: 'geometric', mean: 2.7144 });
    expect(time?.meanCi95?.low).toBeGreaterThan(0);
    expect(time?.meanCi95?.high).toBeGreaterThan(20);
    const throughput = report.scenarios.simple?.throughputPerSecond;
    expect(throughput?.meanKind).toBe('geometric');
    expect(throughput?.meanCi95?.low).toBeGreaterThan(0);
    for (const line of renderExperimentText(report).split('\n')) expect(line).not.toMatch(/\[-\d/);
  });

  it('says a figure was identical in every repeat instead of calling its zero-width interval wide', () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: true, repeats: 3, runs: spreadRepeats(3) });
    expect(report.scenarios.medium?.quality.overall?.meanCi95).toMatchObject({ low: report.scenarios.medium?.quality.overall?.mean, high: report.scenarios.medium?.quality.overall?.mean });
    const medium = report.notes.find((n) => n.startsWith('medium: '));
    expect(medium).toMatch(/^medium: n = 3; time per item, throughput, .* were identical in every repeat\.$/);
    const simple = report.notes.find((n) => n.startsWith('simple: '));
    expect(simple).toMatch(/^simple: n = 3, so the intervals are wide .*; accuracy quality, .*overall quality were identical in every repeat\.$/);
  });
});

describe('an A/B experiment', () => {
  /** Repeat k of an A/B experiment: in each of simple's 4 batches b scores `lift[k]` above a and takes twice a's time. */
  function abRepeat(index: number, lift: number): ExperimentRepeat {
    const plain = repeat(index, [progress('simple'), progress('medium'), progress('complex')]);
    const rows = [0.8, 0.82, 0.84, 0.86].map((qa, i) => ({
      cached: false,
      metrics: { [abMetric.quality('a')]: qa, [abMetric.quality('b')]: qa + lift + i * 0.001, [abMetric.ms('a')]: 10 + i, [abMetric.ms('b')]: 2 * (10 + i), [abMetric.bFirst]: i % 2 },
    }));
    const ab = buildAbReport({ labels: { a: 'skill@1', b: 'skill@2' }, scenarios: [{ name: 'simple', rows }] });
    return { ...plain, report: plain.report ? { ...plain.report, ab } : null };
  }

  it("carries each repeat's A/B comparison: b − a per repeat and over the repeats, the time ratio and each verdict", () => {
    const lifts = [0.05, 0.06, 0.04];
    const report = buildExperimentReport({ experimentId: 'AB', seed: 7, sameData: false, repeats: 3, runs: lifts.map((lift, i) => abRepeat(i + 1, lift)) });
    expect(ExperimentReportSchema.parse(report)).toEqual(report);
    expect(report.ab?.versions).toEqual({ a: 'skill@1', b: 'skill@2' });
    const simple = report.ab?.scenarios.simple;
    // Each repeat's difference is its lift plus the mean of 0, 0.001, 0.002, 0.003.
    expect(simple?.repeats.map((r) => [r.runId, r.pairedBatches, roundTo(r.qualityDifference ?? NaN, 4)])).toEqual([['E.r1', 4, 0.0515], ['E.r2', 4, 0.0615], ['E.r3', 4, 0.0415]]);
    expect(simple?.qualityDifference).toMatchObject({ n: 3, median: 0.0515, meanKind: 'arithmetic', mean: 0.0515 });
    expect(simple?.qualityDifference?.meanCi95?.low).toBeGreaterThan(0);
    expect(simple?.timeRatio).toMatchObject({ n: 3, meanKind: 'geometric', mean: 2 });
    expect(simple?.repeats[0]?.verdict).toMatch(/better|higher|b /);
    const text = renderExperimentText(report);
    expect(text).toContain("A/B quality difference b − a (each repeat's mean over its paired batches)");
    expect(text).toContain("A/B: skill@1 vs skill@2; each repeat's verdict on quality");
    expect(text).toContain(`  simple in E.r2: ${simple?.repeats[1]?.verdict ?? '?'}`);
    expect(renderExperimentMarkdown(report)).toContain("## A/B time ratio b / a (each repeat's geometric mean over its paired batches)");
  });

  it('has no A/B part when the repeats ran one skill', () => {
    const report = buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 5, runs: fiveRepeats() });
    expect(report.ab).toBeNull();
    expect(renderExperimentText(report)).not.toContain('A/B');
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
    expect(table[1]).toMatch(/^ {2}Scenario +Median \[95% CI\] +Geometric mean \[95% CI\] +n +Outliers$/);
    const ci = report.scenarios.simple?.timePerItemMs?.medianCi95;
    const mean = report.scenarios.simple?.timePerItemMs?.meanCi95;
    const m = report.scenarios.simple?.timePerItemMs;
    expect(table[2]?.trim().split(/ {2,}/)).toEqual(['simple', `2.05 [${ci?.low}, ${ci?.high}]`, `${roundTo(m?.mean ?? NaN, 3)} [${roundTo(mean?.low ?? NaN, 3)}, ${roundTo(mean?.high ?? NaN, 3)}]`, '5', 'E.r5']);
    expect(text.split('\n\n').find((block) => block.startsWith('Quality: overall'))).toMatch(/Scenario +Median \[95% CI\] +Mean \[95% CI\]/);
    expect(text).toContain('Quality: overall');
    expect(text).toContain('Throughput (items per second of working time)');
    const markdown = renderExperimentMarkdown(report);
    expect(markdown).toContain('| Scenario | Median [95% CI] | Geometric mean [95% CI] | n | Outliers |');
    expect(markdown).toContain('| Scenario | Median [95% CI] | Mean [95% CI] | n | Outliers |');
    expect(markdown).toContain(`| simple | 2.05 [${ci?.low}, ${ci?.high}] |`);
    expect(markdown).toContain('## Scaling over every repeat');
  });
});
