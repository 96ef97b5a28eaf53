import { describe, expect, it } from 'vitest';

/**
 * The pure parts of the browser chart modules (src/inspect/public/charts.js and liveCharts.js, plain
 * JavaScript served as it is): where the fit line and its band are drawn, and the ChartData the live
 * inspector builds from its stream.
 */

interface Point { scenario: string; items: number; busyMs: number; complete: boolean }
interface ChartsModule {
  itemsAt(points: [number, number][], ms: number): number;
  fitCentre(points: Point[]): { logItems: number; logBusyMs: number } | null;
  perItemOnFit(centre: { logItems: number; logBusyMs: number }, exponent: number, items: number): number;
  logSpaced(low: number, high: number, count: number): number[];
  labelRows(labels: { start: number; end: number }[], gap: number, maxRows: number): (number | null)[];
  formatDuration(ms: number): string;
}
interface LiveChartsModule {
  LiveProgressHistory: new (maxPoints?: number) => { record(startedAt: number | null, scenarios: unknown[], serverTime: number, live?: boolean): void; points(name: string): [number, number][] };
  liveChartData(history: unknown, input: unknown): {
    scenarios: string[];
    progress: { series: { scenario: string; points: [number, number][] }[]; barrierWaits: unknown[]; milestones: unknown[] };
    timePerItem: { points: Point[]; fit: unknown };
    quality: { basis: string; scenarios: unknown[] };
  };
}

// Paths the type checker does not follow: the modules are browser JavaScript without declarations.
const publicDir = '../../src/inspect/public';
const charts = (await import(`${publicDir}/charts.js`)) as ChartsModule;
const live = (await import(`${publicDir}/liveCharts.js`)) as LiveChartsModule;

const point = (scenario: string, items: number, busyMs: number): Point => ({ scenario, items, busyMs, complete: true });

describe('charts.js: the scaling fit as drawn', () => {
  it('runs through every point when busy time is exactly a × items^b, per item a × items^(b−1)', () => {
    const points = [point('a', 10, 3 * 10 ** 1.5), point('b', 100, 3 * 100 ** 1.5), point('c', 1000, 3 * 1000 ** 1.5)];
    const centre = charts.fitCentre(points);
    if (!centre) throw new Error('no centre');
    for (const p of points) expect(charts.perItemOnFit(centre, 1.5, p.items)).toBeCloseTo(p.busyMs / p.items, 6);
    expect(charts.perItemOnFit(centre, 1.5, 400)).toBeCloseTo(3 * 400 ** 0.5, 6);
  });

  it('pivots the CI band on the points\' centre, where every slope gives the same figure', () => {
    const centre = { logItems: Math.log(50), logBusyMs: Math.log(500) };
    expect(charts.perItemOnFit(centre, 0.5, 50)).toBeCloseTo(10, 9);
    expect(charts.perItemOnFit(centre, 1.5, 50)).toBeCloseTo(10, 9);
    expect(charts.perItemOnFit(centre, 1.5, 500)).toBeGreaterThan(charts.perItemOnFit(centre, 0.5, 500));
    expect(charts.fitCentre([])).toBeNull();
  });

  it('spreads the curve\'s samples evenly on a log scale', () => {
    const xs = charts.logSpaced(10, 1000, 3);
    expect(xs[0]).toBeCloseTo(10, 9);
    expect(xs[1]).toBeCloseTo(100, 9);
    expect(xs[2]).toBeCloseTo(1000, 9);
    expect(charts.itemsAt([[0, 0], [100, 10], [300, 30]], 200)).toBe(20);
    expect(charts.itemsAt([[0, 0], [100, 10]], 500)).toBe(10);
  });
});

describe('charts.js: labels and durations', () => {
  it('staggers labels that would overlap into rows, keeps apart ones on the first row, and skips what fits in no row', () => {
    // "barrier 30%" and "barrier 70%" released 20 px apart, each 60 px wide: the second goes to row 1.
    expect(charts.labelRows([{ start: 100, end: 160 }, { start: 120, end: 180 }], 6, 3)).toEqual([0, 1]);
    // Far apart: one row. The order given is kept in the answer, whatever the x order.
    expect(charts.labelRows([{ start: 300, end: 360 }, { start: 100, end: 160 }], 6, 3)).toEqual([0, 0]);
    // Row 0 is free again once the label before has ended (with the gap).
    expect(charts.labelRows([{ start: 0, end: 50 }, { start: 10, end: 60 }, { start: 56, end: 90 }], 6, 3)).toEqual([0, 1, 0]);
    expect(charts.labelRows([{ start: 0, end: 50 }, { start: 5, end: 55 }, { start: 10, end: 60 }], 6, 2)).toEqual([0, 1, null]);
  });

  it('says a length of time as the notes print it', () => {
    expect(charts.formatDuration(850)).toBe('850 ms');
    expect(charts.formatDuration(2_449)).toBe('2.4 s');
    expect(charts.formatDuration(19_400)).toBe('19 s');
    expect(charts.formatDuration(125_000)).toBe('2 min 5 s');
    expect(charts.formatDuration(120_000)).toBe('2 min');
  });
});

const START = 1_000_000;
function scenario(name: string, progress: Record<string, unknown>) {
  return {
    name,
    state: 'running',
    progress: {
      name, status: 'running', itemsProcessed: 0, cachedItems: 0, busyMs: 0, batchCount: 0, startedAt: START, finishedAt: null, elapsedMs: 0,
      milestonesReached: [0], milestoneElapsedMs: { '0': 0 }, quality: { items: 0, sums: {} }, ...progress,
    },
  };
}

describe('charts.js: the live inspector\'s chart data', () => {
  it('adds a progress point when a scenario\'s items change, at the server\'s time since the start (a finished one at its finish)', () => {
    const history = new live.LiveProgressHistory();
    history.record(START, [scenario('a', { itemsProcessed: 0 })], START + 50);
    history.record(START, [scenario('a', { itemsProcessed: 10 })], START + 100);
    history.record(START, [scenario('a', { itemsProcessed: 10 })], START + 200);
    history.record(START, [scenario('a', { itemsProcessed: 30, finishedAt: START + 260, status: 'complete' })], START + 300);
    expect(history.points('a')).toEqual([[0, 0], [100, 10], [260, 30]]);
    // A stored run's server time is long after it ran: its point is at its saved elapsed time instead.
    const stored = new live.LiveProgressHistory();
    stored.record(START, [scenario('b', { itemsProcessed: 40, elapsedMs: 700 })], START + 3_600_000, false);
    expect(stored.points('b')).toEqual([[0, 0], [700, 40]]);
  });

  it('keeps a long run\'s history bounded', () => {
    const history = new live.LiveProgressHistory(100);
    for (let i = 1; i <= 1000; i += 1) history.record(START, [scenario('a', { itemsProcessed: i })], START + i);
    const points = history.points('a');
    expect(points.length).toBeLessThanOrEqual(101);
    expect(points.at(-1)).toEqual([1000, 1000]);
    expect(points[0]).toEqual([0, 0]);
  });

  it('builds waits (an open barrier\'s up to now), milestones, time-per-item points and running quality from the view', () => {
    const history = new live.LiveProgressHistory();
    const scenarios = [
      scenario('a', { itemsProcessed: 40, busyMs: 400, batchCount: 4, startedAt: START + 5, milestonesReached: [0, 30], milestoneElapsedMs: { '0': 0, '30': 120 }, quality: { items: 40, sums: { accuracy: 36 }, weights: { accuracy: 40 } } }),
      scenario('b', { itemsProcessed: 20, cachedItems: 20 }),
    ];
    const barriers = [
      { milestone: 30, status: 'released', arrivals: [{ scenario: 'a', elapsedMs: 125 }], record: { releasedAtMs: 300 } },
      { milestone: 70, status: 'open', arrivals: [{ scenario: 'a', elapsedMs: 600 }], record: null },
    ];
    const data = live.liveChartData(history, { startedAt: START, scenarios, barriers, report: null, nowMs: 900 });
    expect(data.scenarios).toEqual(['a', 'b']);
    expect(data.progress.barrierWaits).toEqual([
      { scenario: 'a', milestone: 30, fromMs: 125, toMs: 300 },
      { scenario: 'a', milestone: 70, fromMs: 600, toMs: 900 },
    ]);
    expect(data.progress.milestones).toEqual([{ scenario: 'a', milestone: 30, atMs: 125 }]);
    // b's items all came from the cache: no busy time to put on the chart.
    expect(data.timePerItem).toEqual({ points: [{ scenario: 'a', items: 40, busyMs: 400, complete: false }], fit: null });
    expect(data.quality).toEqual({ basis: 'running', scenarios: [{ scenario: 'a', estimate: 0.9, low: null, high: null, n: 4 }] });
  });

  it('takes the fit from the report once there is one', () => {
    const report = { comparison: { scaling: { exponent: 1.04, verdict: 'linear', exponentCi95: { low: 0.95, high: 1.1, method: 'student-t', degreesOfFreedom: 3 } } } };
    const data = live.liveChartData(new live.LiveProgressHistory(), { startedAt: START, scenarios: [], barriers: [], report, nowMs: 0 });
    expect(data.timePerItem.fit).toEqual({ exponent: 1.04, ci95: { low: 0.95, high: 1.1 }, verdict: 'linear' });
  });
});
