import { describe, expect, it } from 'vitest';
import { buildExperimentReport, throughputPerSecond, type ExperimentRepeat } from '../../src/report/experimentReport.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import type { ScenarioProgress, ScenarioReport } from '../../src/report/schema.ts';
import { fitScaling } from '../../src/report/scaling.ts';
import { config, outcome, progress, storedRepeat } from './fixtures.ts';

const NAMES = ['simple', 'medium'];

/** Repeat `index` as a stored run with the given status, its scenarios in rotated order with the given batch sizes. */
const repeat = (index: number, scenarios: ScenarioProgress[], status: ExperimentRepeat['status'] = 'complete', batchSizes: Record<string, number> = { simple: 10, medium: 50 }) =>
  storedRepeat(NAMES, index, scenarios, status, batchSizes);

const missing = (index: number): ExperimentRepeat => ({ index, runId: `E.r${index}`, seed: null, status: 'missing', report: null, scenarios: [] });

function scenarioReport(overrides: Partial<ScenarioProgress>): ScenarioReport {
  const report = buildReport(outcome([progress('simple', overrides)]), config);
  return report.scenarios.simple as ScenarioReport;
}

function build(runs: ExperimentRepeat[], extra: { sameData?: boolean; scenarioOrder?: string[] } = {}) {
  return buildExperimentReport({ experimentId: 'E', seed: 7, sameData: extra.sameData ?? false, repeats: runs.length, runs, ...(extra.scenarioOrder ? { scenarioOrder: extra.scenarioOrder } : {}) });
}

describe('throughputPerSecond', () => {
  it('counts only the items the skill processed, not those taken from the cache', () => {
    // 100 items, 40 of them cached, over 2 s of working time.
    expect(throughputPerSecond(scenarioReport({ itemsProcessed: 100, cachedItems: 40, busyMs: 600, elapsedMs: 2_000 }))).toBe(30);
  });

  it('has no figure when every item came from the cache or no time was spent', () => {
    expect(throughputPerSecond(scenarioReport({ itemsProcessed: 100, cachedItems: 100, busyMs: 0, elapsedMs: 2_000 }))).toBeNull();
    expect(throughputPerSecond(scenarioReport({ itemsProcessed: 100, busyMs: 0, elapsedMs: 0 }))).toBeNull();
  });
});

describe('buildExperimentReport at the edges', () => {
  it('keeps the arithmetic mean of a time per item of 0, which has no logarithm', () => {
    const runs = [0, 200, 300].map((busy, i) => repeat(i + 1, [progress('simple', { busyMs: busy, elapsedMs: 1_000 }), progress('medium')]));
    const time = build(runs).scenarios.simple?.timePerItemMs;
    expect(time).toMatchObject({ n: 3, meanKind: 'arithmetic', mean: 1.6667, median: 2 });
  });

  it('orders the scenarios as the config names them when given, else as the first stored repeat started them rotated back', () => {
    const runs = [missing(1), repeat(2, [progress('simple'), progress('medium')]), repeat(3, [progress('simple'), progress('medium')])];
    const report = build(runs);
    // The missing first repeat has no order: the names come from repeat 2, which started medium first.
    expect(Object.keys(report.scenarios)).toEqual(['simple', 'medium']);
    expect(report.skill).toEqual({ name: 'simulated', version: '1.0.0' });
    expect(Object.keys(build(runs, { scenarioOrder: ['medium', 'simple'] }).scenarios)).toEqual(['medium', 'simple']);
  });

  it('has no scenarios and no skill when no repeat has run yet', () => {
    const report = build([missing(1), missing(2)]);
    expect(report.scenarios).toEqual({});
    expect(report.skill).toBeNull();
    expect(report.notes).toEqual(['E.r1 and E.r2 did not run: scenarios resume E finishes the experiment. The figures are over the repeats that completed each scenario.']);
  });

  it('says which repeats did not finish and which did not run, and that a scenario completed in no repeat has no figures', () => {
    const runs = [
      repeat(1, [progress('simple'), progress('medium', { status: 'running' })], 'running'),
      repeat(2, [progress('simple'), progress('medium', { status: 'paused' })], 'paused'),
      missing(3),
    ];
    expect(build(runs).notes).toEqual([
      'E.r1 (running) and E.r2 (paused) did not finish; E.r3 did not run: scenarios resume E finishes the experiment. The figures are over the repeats that completed each scenario.',
      'simple: n = 2: too few repeats for an interval (intervals from 3 repeats on).',
      'medium did not complete (running) in E.r1, so its figures leave that repeat out.',
      'medium did not complete (paused) in E.r2, so its figures leave that repeat out.',
      'medium completed in no repeat: it has no figures.',
    ]);
    expect(build(runs.slice(0, 1)).notes[0]).toBe('E.r1 (running) did not finish: scenarios resume E finishes the experiment. The figures are over the repeats that completed each scenario.');
  });

  it('names no reason for a scenario that failed without one', () => {
    const report = build([repeat(1, [progress('simple'), progress('medium', { status: 'failed' })], 'failed')]);
    expect(report.notes).toContain('medium failed in E.r1, so its figures leave that repeat out.');
  });

  it('has no note at all for five complete repeats that vary without outliers on fresh data', () => {
    const runs = [200, 210, 220, 230, 240].map((busy, i) =>
      repeat(i + 1, [progress('simple', { busyMs: busy, elapsedMs: 1_000 + 10 * i, quality: { items: 100, sums: { accuracy: 90 + i, coverage: 95 + i } } })]),
    );
    const report = build(runs, { scenarioOrder: ['simple'] });
    expect(report.notes).toEqual([]);
  });

  it("calls a few repeats' intervals wide when every figure varied, and says which one figure was identical", () => {
    // Coverage is items processed over the input: it varies with them.
    const vary = [200, 250, 300].map((busy, i) =>
      repeat(i + 1, [progress('simple', { busyMs: busy, elapsedMs: 1_000 + 100 * i, itemsProcessed: 100 - 10 * i, quality: { items: 100 - 10 * i, sums: { accuracy: 80 } } })]),
    );
    expect(build(vary, { scenarioOrder: ['simple'] }).notes).toEqual([
      'simple: n = 3, so the intervals are wide (with fewer than 5 values a bootstrap interval of the median is about the range of the values).',
    ]);
    const oneSame = [200, 250, 300].map((busy, i) =>
      repeat(i + 1, [progress('simple', { busyMs: busy, elapsedMs: 1_000 + 100 * i, quality: { items: 100, sums: { accuracy: 90 + i } } })]),
    );
    expect(build(oneSame, { scenarioOrder: ['simple'] }).notes).toEqual([
      'simple: n = 3, so the intervals are wide (with fewer than 5 values a bootstrap interval of the median is about the range of the values); coverage quality was identical in every repeat.',
    ]);
  });

  it('leaves a figure no repeat had out of the few-repeats note', () => {
    // Every item came from the cache: no time per item and no throughput, only quality.
    const runs = [1, 2, 3].map((index) => repeat(index, [progress('simple', { cachedItems: 100, cachedBatches: 10, busyMs: 0 })]));
    const report = build(runs, { scenarioOrder: ['simple'] });
    expect(report.scenarios.simple?.throughputPerSecond).toBeNull();
    expect(report.notes).toEqual(['simple: n = 3; accuracy quality, coverage quality and overall quality were identical in every repeat.']);
  });

  it('names the outlier repeat of each figure, and says every repeat ran on the same seed', () => {
    const runs = [200, 210, 220, 230, 900].map((busy, i) =>
      repeat(i + 1, [progress('simple', { busyMs: busy, elapsedMs: busy + 50, quality: { items: 100, sums: { accuracy: i === 4 ? 10 : 90 + i } } })]),
    );
    expect(build(runs, { scenarioOrder: ['simple'], sameData: true }).notes).toEqual([
      "simple: outliers: accuracy quality in E.r5; overall quality in E.r5; time per item in E.r5; throughput in E.r5 (beyond Tukey's fences; a first repeat is often slower while the process warms up).",
      'Every repeat ran on the same seed (sameData), so the same items and draws: the intervals show run-to-run noise in time, not how results vary with the data.',
    ]);
  });

  it('lists every outlier repeat of a figure', () => {
    const busy = [200, 201, 202, 203, 204, 205, 206, 207, 900, 950];
    const runs = busy.map((b, i) => repeat(i + 1, [progress('simple', { busyMs: b, elapsedMs: b + 50, quality: { items: 100, sums: { accuracy: i >= 8 ? 10 : 90 } } })]));
    expect(build(runs, { scenarioOrder: ['simple'] }).notes).toEqual([
      "simple: outliers: accuracy quality in E.r9, E.r10; overall quality in E.r9, E.r10; time per item in E.r9, E.r10; throughput in E.r9, E.r10 (beyond Tukey's fences; a first repeat is often slower while the process warms up).",
    ]);
  });

  it('fits scaling on the items and batches the skill processed, with the batch sizes in numeric order and one repeat named in the singular', () => {
    const sizes = { simple: 100, medium: 20 };
    const cached = build([repeat(1, [progress('simple', { busyMs: 500, cachedItems: 50, cachedBatches: 5 }), progress('medium', { itemsProcessed: 200, inputSize: 200, busyMs: 2_000 })], 'complete', sizes)]);
    expect(cached.scaling.basis).toBe('Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed over 2 points: each completed scenario of each of 1 repeat.');
    expect(cached.scaling.notes.find((n) => n.startsWith('Batch sizes differ'))).toMatch(/^Batch sizes differ \(20, 100 across 2 points\)/);
    expect(cached.scaling.points).toBe(2);
  });

  it('fits scaling on the items and batches the skill ran, leaving cached ones out', () => {
    // simple: 100 items in batches of 10, half from the cache; medium: 200 items in batches of 50.
    const runs = [1, 2].map((index) =>
      repeat(index, [progress('simple', { busyMs: 400 + index, cachedItems: 50, cachedBatches: 5 }), progress('medium', { itemsProcessed: 200, inputSize: 200, busyMs: 2_000 * index })]),
    );
    const report = build(runs);
    const expected = fitScaling([
      { name: 'simple@r1', items: 50, batches: 5, busyMs: 401, batchSize: 10, cachedBatches: 5 },
      { name: 'medium@r1', items: 200, batches: 4, busyMs: 2_000, batchSize: 50, cachedBatches: 0 },
      { name: 'medium@r2', items: 200, batches: 4, busyMs: 4_000, batchSize: 50, cachedBatches: 0 },
      { name: 'simple@r2', items: 50, batches: 5, busyMs: 402, batchSize: 10, cachedBatches: 5 },
    ]);
    expect(report.scaling.exponent).toBe(expected.exponent);
    expect(report.scaling.twoTerm).toEqual(expected.twoTerm);
    expect(report.scaling.twoTerm).not.toBeNull();
  });
});
