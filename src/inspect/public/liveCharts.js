// The live inspector's chart data: the ChartData shape src/report/html/chartData.ts builds from the journal,
// built here from what the inspector's stream carries (each scenario's current progress, the barriers and,
// at the end, the report), for charts.js to draw.

/**
 * Items processed per scenario as the inspector's updates arrive, in ms since the run started: the live
 * counterpart of the journal's batch finish times (a page opened late draws a straight line up to its
 * first update).
 */
export class LiveProgressHistory {
  constructor(maxPoints = 4000) {
    this.maxPoints = maxPoints;
    this.series = new Map();
  }

  /**
   * @param {number|null} startedAt the run's start, epoch ms
   * @param {object[]} scenarios ScenarioView[]
   * @param {number} serverTime the server's clock when the update was sent
   * @param {boolean} live false for a stored run, whose server time says nothing about when it ran
   */
  record(startedAt, scenarios, serverTime, live = true) {
    if (startedAt === null || startedAt === undefined) return;
    for (const scenario of scenarios) {
      const points = this.series.get(scenario.name) ?? [[0, 0]];
      this.series.set(scenario.name, points);
      const { progress } = scenario;
      const items = progress.itemsProcessed;
      const last = points[points.length - 1];
      if (items === last[1]) continue;
      // A finished scenario's items were all in by its finish; a stored one's by the end of its saved elapsed time.
      const asOf = progress.finishedAt ?? (live || progress.startedAt === null ? serverTime : progress.startedAt + progress.elapsedMs);
      points.push([Math.max(asOf - startedAt, last[0], 0), items]);
      // A long run keeps every other point of its older half: the line keeps its shape, memory stays bounded.
      if (points.length > this.maxPoints) {
        const half = Math.floor(points.length / 2);
        this.series.set(scenario.name, [...points.slice(0, half).filter((_, i) => i % 2 === 0), ...points.slice(half)]);
      }
    }
  }

  points(name) {
    return this.series.get(name) ?? [[0, 0]];
  }
}

/** The scaling fit as the charts draw it, from a report (null until there is one with an exponent). */
function fitOf(report) {
  const scaling = report?.comparison?.scaling;
  if (!scaling || scaling.exponent === null) return null;
  const ci = scaling.exponentCi95;
  return { exponent: scaling.exponent, ci95: ci ? { low: ci.low, high: ci.high } : null, verdict: scaling.verdict };
}

/**
 * ChartData for the live inspector: progress from `history`, barrier waits from the barrier views (an open
 * barrier's wait runs to `nowMs`), milestones and busy time per item from each scenario's progress, the fit
 * once the report is in, and quality as each scenario's running mean (the stream carries no per-batch scores,
 * so there is no CI here; the HTML report has them).
 */
export function liveChartData(history, { startedAt, scenarios, barriers, report, nowMs }) {
  const names = scenarios.map((s) => s.name);
  const series = names.map((name) => ({ scenario: name, points: history.points(name) }));
  const barrierWaits = barriers.flatMap((b) =>
    b.arrivals.map((a) => ({ scenario: a.scenario, milestone: b.milestone, fromMs: a.elapsedMs, toMs: Math.max(a.elapsedMs, b.record ? b.record.releasedAtMs : nowMs) })),
  );
  const milestones = scenarios.flatMap(({ name, progress }) => {
    const offset = progress.startedAt !== null && startedAt !== null ? progress.startedAt - startedAt : 0;
    return progress.milestonesReached
      .filter((m) => m > 0 && progress.milestoneElapsedMs[String(m)] !== undefined)
      .map((milestone) => ({ scenario: name, milestone, atMs: offset + progress.milestoneElapsedMs[String(milestone)] }));
  });
  const points = scenarios.flatMap(({ name, progress }) => {
    const items = progress.itemsProcessed - (progress.cachedItems ?? 0);
    return items > 0 && progress.busyMs > 0 ? [{ scenario: name, items, busyMs: progress.busyMs, complete: progress.status === 'complete' }] : [];
  });
  const quality = scenarios.flatMap(({ name, progress }) => {
    const { quality: totals } = progress;
    const weight = totals.weights?.accuracy ?? totals.items;
    const sum = totals.sums.accuracy;
    return typeof sum === 'number' && weight > 0 ? [{ scenario: name, estimate: sum / weight, low: null, high: null, n: progress.batchCount }] : [];
  });
  return {
    scenarios: names,
    // Times here are as the page saw them; there is no journal to find the process's down periods in.
    progress: { series, barrierWaits, milestones, downtime: { periods: [], unplacedMs: 0 } },
    timePerItem: { points, fit: fitOf(report) },
    quality: { basis: 'running', scenarios: quality },
    // The A/B comparison is in the report (its tables); the stream carries no per-version scores.
    ab: null,
  };
}
