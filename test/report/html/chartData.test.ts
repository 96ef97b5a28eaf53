import { describe, expect, it } from 'vitest';
import { abMetric } from '../../../src/ab/abMetrics.ts';
import { buildAbReport } from '../../../src/ab/abReport.ts';
import { buildReport } from '../../../src/report/buildReport.ts';
import { buildChartData, ChartDataSchema, type BatchSample } from '../../../src/report/html/chartData.ts';
import { config, outcome, progress } from '../fixtures.ts';

const START = 1_700_000_000_000;

function batch(scenario: string, batchIndex: number, finishedAfterMs: number, overrides: Partial<BatchSample> = {}): BatchSample {
  // Each batch in flight for the 50 ms before it finished.
  return { scenario, batchIndex, items: 10, itemsFailed: 0, qualityScore: 0.9, startedAt: START + Math.max(0, finishedAfterMs - 50), finishedAt: START + finishedAfterMs, ...overrides };
}

/** simple and medium complete, complex failed; one barrier at 30% that simple and medium waited at. */
function report() {
  return buildReport(
    outcome(
      [
        progress('simple', { itemsProcessed: 30, busyMs: 300, milestonesReached: [0, 30, 100], milestoneElapsedMs: { '0': 0, '30': 120, '100': 400 } }),
        progress('medium', { itemsProcessed: 120, busyMs: 960, cachedItems: 20, cachedBatches: 1 }),
        progress('complex', { status: 'failed', failureReason: 'error_tolerance_exceeded', itemsProcessed: 40, itemsFailed: 10, busyMs: 500 }),
      ],
      {
        startedAt: START,
        barriers: [
          { milestone: 30, releasedBy: 'timeout', arrived: ['simple', 'medium'], late: ['complex'], arrivedAtMs: { simple: 120, medium: 250 }, openedAtMs: 120, releasedAtMs: 900 },
        ],
      },
    ),
    config,
  );
}

describe('buildChartData', () => {
  it('draws progress from the journal: items processed against ms since the run started, in the order batches finished, failed items left out', () => {
    const data = buildChartData(report(), [
      batch('simple', 2, 400),
      batch('simple', 0, 100),
      batch('simple', 1, 250, { itemsFailed: 10, items: 10, qualityScore: null }),
      batch('complex', 0, 50, { items: 40, itemsFailed: 5 }),
      batch('unknown', 0, 10),
    ]);
    const series = Object.fromEntries(data.progress.series.map((s) => [s.scenario, s.points]));
    expect(series.simple).toEqual([[0, 0], [100, 10], [250, 10], [400, 20]]);
    expect(series.complex).toEqual([[0, 0], [50, 35]]);
    // A scenario with no journal rows still has its (empty) line, so the legend names it.
    expect(series.medium).toEqual([[0, 0]]);
    expect(data.scenarios).toEqual(['simple', 'medium', 'complex']);
  });

  it('shades each arrival at a barrier up to its release and marks milestones past 0%', () => {
    const data = buildChartData(report(), []);
    expect(data.progress.barrierWaits).toEqual([
      { scenario: 'simple', milestone: 30, fromMs: 120, toMs: 900 },
      { scenario: 'medium', milestone: 30, fromMs: 250, toMs: 900 },
    ]);
    expect(data.progress.milestones.filter((m) => m.scenario === 'simple')).toEqual([
      { scenario: 'simple', milestone: 30, atMs: 120 },
      { scenario: 'simple', milestone: 100, atMs: 400 },
    ]);
  });

  it('places milestones where the journal\'s batches crossed them, on the line, rather than at the report\'s elapsed times', () => {
    // simple: 30 items in batches of 10, a crash of about 5 s between its second and third batch; reached 30% and 100%.
    const data = buildChartData(report(), [
      batch('simple', 2, 5_300),
      batch('simple', 0, 100),
      // A failed batch's items are settled too: they count towards progress.
      batch('simple', 1, 5_200, { itemsFailed: 10, qualityScore: null }),
    ]);
    expect(data.progress.milestones.filter((m) => m.scenario === 'simple')).toEqual([
      { scenario: 'simple', milestone: 30, atMs: 100 },
      { scenario: 'simple', milestone: 100, atMs: 5_300 },
    ]);
  });

  it('leaves the process\'s downtime out of the progress axis, as the report\'s elapsed times do, and says where it was cut', () => {
    // simple's three batches: two before a crash, the third after a resume 20 s later (report: 20 s of downtime).
    const r = { ...report(), downtimeMs: 20_000 };
    r.barriers = [{ ...r.barriers[0]!, arrivedAtMs: { simple: 21_300 }, openedAtMs: 21_300, releasedAtMs: 21_500, arrived: ['simple'] }];
    const data = buildChartData(r, [batch('simple', 0, 100), batch('simple', 1, 200), batch('simple', 2, 21_300)]);
    // The third batch began at 21 250 ms: the idle stretch 200 → 21 250 holds the 20 s, cut at its end.
    expect(data.progress.downtime).toEqual({ periods: [{ atMs: 1_250, downMs: 20_000 }], unplacedMs: 0 });
    expect(data.progress.series.find((s) => s.scenario === 'simple')?.points).toEqual([[0, 0], [100, 10], [200, 20], [1_300, 30]]);
    // Barrier times are wall-clock since the start too: they move with the line.
    expect(data.progress.barrierWaits).toEqual([{ scenario: 'simple', milestone: 30, fromMs: 1_300, toMs: 1_500 }]);
    expect(data.progress.milestones.filter((m) => m.scenario === 'simple')).toEqual([
      { scenario: 'simple', milestone: 30, atMs: 100 },
      { scenario: 'simple', milestone: 100, atMs: 1_300 },
    ]);
  });

  it('has no A/B data for one skill, and for an A/B run each version\'s quality per scenario with the mean\'s 95% CI', () => {
    expect(buildChartData(report(), []).ab).toBeNull();
    const pairs = [0.8, 0.9, 1].map((a, i) => ({ cached: false, metrics: { [abMetric.quality('a')]: a, [abMetric.quality('b')]: a - 0.1, [abMetric.ms('a')]: 10, [abMetric.ms('b')]: 12, [abMetric.bFirst]: i % 2 } }));
    const ab = buildAbReport({ labels: { a: 'v1', b: 'v2' }, scenarios: [{ name: 'medium', rows: pairs }, { name: 'simple', rows: pairs.slice(0, 1) }] });
    const data = buildChartData({ ...report(), ab }, []);
    expect(data.ab?.versions).toEqual({ a: 'v1', b: 'v2' });
    // In report order (simple before medium); complex has no A/B figures.
    expect(data.ab?.scenarios.map((s) => s.scenario)).toEqual(['simple', 'medium']);
    const medium = data.ab?.scenarios[1];
    // By hand: a's scores 0.8, 0.9, 1: mean 0.9 ± 4.302653 × 0.1/√3 = ±0.248414; b's 0.1 lower.
    expect(medium?.a?.mean).toBeCloseTo(0.9, 10);
    expect(medium?.a?.low).toBeCloseTo(0.651586, 5);
    expect(medium?.b?.high).toBeCloseTo(1.048414, 5);
    expect(medium?.b?.n).toBe(3);
    // One pair: a mean, no interval.
    expect(data.ab?.scenarios[0]?.a).toEqual({ mean: 0.8, low: null, high: null, n: 1 });
    expect(ChartDataSchema.parse(JSON.parse(JSON.stringify(data)))).toEqual(data);
  });

  it('gives one time-per-item point per scenario over the items the skill ran (cached ones left out), and the report\'s fit', () => {
    const r = report();
    const data = buildChartData(r, []);
    expect(data.timePerItem.points).toEqual([
      { scenario: 'simple', items: 30, busyMs: 300, complete: true },
      { scenario: 'medium', items: 100, busyMs: 960, complete: true },
      { scenario: 'complex', items: 40, busyMs: 500, complete: false },
    ]);
    // Two completed points: an exponent (the slope between them), no CI.
    expect(r.comparison.scaling.exponent).not.toBeNull();
    expect(data.timePerItem.fit).toEqual({ exponent: r.comparison.scaling.exponent, ci95: null, verdict: 'inconclusive' });
    expect(data.timePerItem.fit?.exponent).toBeCloseTo(Math.log(960 / 300) / Math.log(100 / 30), 3);
  });

  it('gives quality per scenario as the mean of its batches\' scores with a Student\'s t 95% CI (failed batches are no sample)', () => {
    const data = buildChartData(report(), [
      batch('simple', 0, 100, { qualityScore: 0.8 }),
      batch('simple', 1, 200, { qualityScore: 0.9 }),
      batch('simple', 2, 300, { qualityScore: 1 }),
      batch('simple', 3, 400, { qualityScore: null, itemsFailed: 10 }),
      batch('medium', 0, 100, { qualityScore: 0.7 }),
    ]);
    expect(data.quality.basis).toBe('batches');
    const [simple, medium, ...rest] = data.quality.scenarios;
    // By hand: mean 0.9, s 0.1, se 0.1/√3, t(0.975, 2) = 4.302653 → ±0.248414.
    expect(simple?.scenario).toBe('simple');
    expect(simple?.n).toBe(3);
    expect(simple?.estimate).toBeCloseTo(0.9, 10);
    expect(simple?.low).toBeCloseTo(0.651586, 5);
    expect(simple?.high).toBeCloseTo(1.148414, 5);
    // One batch: a mean but no interval. complex has no scored batch: no estimate at all.
    expect(medium).toEqual({ scenario: 'medium', estimate: 0.7, low: null, high: null, n: 1 });
    expect(rest).toEqual([]);
  });

  it('takes quality from repeats when given, for the report\'s scenarios only', () => {
    const data = buildChartData(report(), [batch('simple', 0, 100)], {
      quality: [
        { scenario: 'medium', estimate: 0.8, low: 0.75, high: 0.85, n: 5 },
        { scenario: 'elsewhere', estimate: 0.1, low: 0, high: 0.2, n: 5 },
      ],
    });
    expect(data.quality).toEqual({ basis: 'repeats', scenarios: [{ scenario: 'medium', estimate: 0.8, low: 0.75, high: 0.85, n: 5 }] });
  });

  it('survives JSON and its own schema, with names such as __proto__', () => {
    const own = { ...config, scenarios: config.scenarios.map((s, i) => (i === 0 ? { ...s, name: '__proto__' } : s)) };
    const r = buildReport(outcome([progress('__proto__', { inputSize: 100 }), progress('medium')], { startedAt: START }), own);
    const data = buildChartData(r, [batch('__proto__', 0, 100)]);
    expect(data.scenarios).toEqual(['__proto__', 'medium']);
    expect(data.timePerItem.points.map((p) => p.scenario)).toEqual(['__proto__', 'medium']);
    expect(ChartDataSchema.parse(JSON.parse(JSON.stringify(data)))).toEqual(data);
  });
});
