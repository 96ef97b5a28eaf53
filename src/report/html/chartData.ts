import { mean } from 'simple-statistics';
import { z } from 'zod';
import { ownValue } from '../../ownKeys.ts';
import type { Report, ScenarioReport } from '../schema.ts';
import { meanCi95, type SampleSummary } from '../stats.ts';
import { placeDowntime } from './downtimeAxis.ts';

/**
 * What the charts of the HTML report (and of the live inspector, which builds the same shape in the page)
 * draw, as plain JSON. Built from the report and the batch journal by `buildChartData`, a pure function;
 * drawn by `src/inspect/public/charts.js`. Times are ms since the orchestration started, the process's
 * downtime left out (as the report's elapsed times leave it out; see downtimeAxis.ts).
 */

/** One journal row as the charts need it (a subset of the store's BatchRecord). */
export const BatchSampleSchema = z.object({
  scenario: z.string(),
  batchIndex: z.int().nonnegative(),
  items: z.int().nonnegative(),
  itemsFailed: z.int().nonnegative(),
  /** null for a batch that failed every retry. */
  qualityScore: z.number().nullable(),
  /** Epoch ms: when its (last) attempt began, and when it settled. */
  startedAt: z.number(),
  finishedAt: z.number(),
});

/** A quality figure with its 95% CI, e.g. a repeat experiment's median over runs (passed in by the caller). */
export const QualityEstimateSchema = z.object({
  scenario: z.string(),
  estimate: z.number(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** Samples behind the estimate (batches, or runs). */
  n: z.int().nonnegative(),
});

/** One version's quality in one scenario of an A/B run: the mean of its per-batch scores with the mean's 95% CI. */
const AbQualitySchema = z.object({ mean: z.number(), low: z.number().nullable(), high: z.number().nullable(), n: z.int().nonnegative() });

export const ChartDataSchema = z.object({
  /** Every scenario, in report order: a scenario's colour is its index here. */
  scenarios: z.array(z.string()),
  progress: z.object({
    /** Per scenario, [ms since start, items processed so far], from (0, 0) to its last batch. */
    series: z.array(z.object({ scenario: z.string(), points: z.array(z.tuple([z.number(), z.number()])) })),
    /** Each scenario's wait at a barrier: its arrival to the barrier's release. */
    barrierWaits: z.array(z.object({ scenario: z.string(), milestone: z.number(), fromMs: z.number(), toMs: z.number() })),
    /** When each scenario reached a milestone (0% left out: every scenario starts there). */
    milestones: z.array(z.object({ scenario: z.string(), milestone: z.number(), atMs: z.number() })),
    /**
     * Where the process was down, cut out of the axis (every time above is on it): the cut sits at `atMs` and
     * lasted `downMs`. `unplacedMs`: downtime the journal had no idle stretch for, so it stays on the axis.
     */
    downtime: z.object({ periods: z.array(z.object({ atMs: z.number(), downMs: z.number().positive() })), unplacedMs: z.number().nonnegative() }),
  }),
  timePerItem: z.object({
    /** One point per scenario with items the skill ran and busy time; `complete` ones are what the scaling fit used. */
    points: z.array(z.object({ scenario: z.string(), items: z.number().positive(), busyMs: z.number().positive(), complete: z.boolean() })),
    /** The report's log-log fit of busy time against items, when it has an exponent. */
    fit: z
      .object({
        exponent: z.number(),
        ci95: z.object({ low: z.number(), high: z.number() }).nullable(),
        verdict: z.string(),
      })
      .nullable(),
  }),
  quality: z.object({
    /** `batches`: mean of the per-batch qualityScore with a Student's t CI; `repeats`: estimates passed in; `running`: live means, no CI. */
    basis: z.enum(['batches', 'repeats', 'running']),
    scenarios: z.array(QualityEstimateSchema),
  }),
  /** An A/B run's quality of each version per scenario (the report's `ab`), in report order; null for one skill. */
  ab: z
    .object({
      versions: z.object({ a: z.string(), b: z.string() }),
      scenarios: z.array(z.object({ scenario: z.string(), a: AbQualitySchema.nullable(), b: AbQualitySchema.nullable() })),
    })
    .nullable(),
});

export type BatchSample = z.output<typeof BatchSampleSchema>;
export type QualityEstimate = z.output<typeof QualityEstimateSchema>;
export type ChartData = z.output<typeof ChartDataSchema>;

export interface ChartDataOptions {
  /** Quality per scenario from elsewhere (an experiment's repeats); replaces the per-batch CIs when given. */
  quality?: readonly QualityEstimate[];
}

/** ms since the orchestration started; a report with no start time counts from its first batch. */
function runStartMs(report: Report, batches: readonly BatchSample[]): number {
  // Parsing a recorded ISO timestamp is deterministic; no clock is read.
  // eslint-disable-next-line no-restricted-globals
  const parsed = report.startedAt === null ? Number.NaN : Date.parse(report.startedAt);
  if (Number.isFinite(parsed)) return parsed;
  return batches.length === 0 ? 0 : Math.min(...batches.map((b) => b.finishedAt));
}

/** Items processed against time: one point per batch, in the order batches finished. */
function progressPoints(batches: readonly BatchSample[], startMs: number, toAxis: (ms: number) => number): [number, number][] {
  const points: [number, number][] = [[0, 0]];
  let processed = 0;
  const ordered = [...batches].sort((a, b) => a.finishedAt - b.finishedAt || a.batchIndex - b.batchIndex);
  for (const batch of ordered) {
    processed += batch.items - batch.itemsFailed;
    points.push([toAxis(Math.max(0, batch.finishedAt - startMs)), processed]);
  }
  return points;
}

/**
 * When a scenario reached each milestone past 0%, on the chart's axis: the finish of the batch (in the order
 * batches are counted) whose settled items first reach the milestone's share of the input, which is the
 * progress the scenario machine judges milestones by, so the mark sits on the line. The report's
 * milestoneElapsedMs counts from the scenario's own start and moves a batch replayed after a resume to the
 * resume, so it is only the fallback, for a milestone the journal cannot place (no rows, or no progress to
 * recover the input size from).
 */
function milestoneMarks(name: string, scenario: ScenarioReport, batches: readonly BatchSample[], startMs: number, toAxis: (ms: number) => number): ChartData['progress']['milestones'] {
  const settled = scenario.itemsProcessed + scenario.itemsFailed;
  // progressPct is settled items over the input size (×100), so the input size comes back from it.
  const inputSize = scenario.progressPct > 0 ? Math.round((settled * 100) / scenario.progressPct) : 0;
  const crossings: { settledPct: number; atMs: number }[] = [];
  let cumulative = 0;
  for (const batch of [...batches].sort((a, b) => a.batchIndex - b.batchIndex)) {
    cumulative += batch.items;
    if (inputSize > 0) crossings.push({ settledPct: (cumulative * 100) / inputSize, atMs: toAxis(Math.max(0, batch.finishedAt - startMs)) });
  }
  return scenario.milestonesReached
    .filter((m) => m > 0)
    .flatMap((milestone) => {
      const atMs = crossings.find((c) => c.settledPct >= milestone)?.atMs ?? ownValue(scenario.milestoneElapsedMs, String(milestone));
      return atMs === undefined ? [] : [{ scenario: name, milestone, atMs }];
    });
}

function batchQuality(name: string, batches: readonly BatchSample[]): QualityEstimate | undefined {
  const scores = batches.flatMap((b) => (b.qualityScore === null ? [] : [b.qualityScore]));
  if (scores.length === 0) return undefined;
  const ci = meanCi95(scores);
  return { scenario: name, estimate: mean(scores), low: ci?.low ?? null, high: ci?.high ?? null, n: scores.length };
}

function abQuality(summary: SampleSummary | null): z.output<typeof AbQualitySchema> | null {
  return summary === null ? null : { mean: summary.mean, low: summary.meanCi95?.low ?? null, high: summary.meanCi95?.high ?? null, n: summary.n };
}

/** The A/B block's quality per version, for the report's scenarios that have one, in report order. */
function abChart(report: Report, scenarios: readonly string[]): ChartData['ab'] {
  const { ab } = report;
  if (!ab) return null;
  return {
    versions: { a: ab.versions.a, b: ab.versions.b },
    scenarios: scenarios.flatMap((name) => {
      const s = ownValue(ab.scenarios, name);
      return s === undefined ? [] : [{ scenario: name, a: abQuality(s.quality.a), b: abQuality(s.quality.b) }];
    }),
  };
}

/**
 * The charts' data for a run: progress over time per scenario from the journal's batch finish times, with
 * barrier waits and milestones; busy time per item of each scenario against the items the skill ran, with
 * the report's scaling fit; and quality per scenario, the mean of its batches' scores with a 95% CI
 * (batches are the samples), unless `options.quality` brings figures from repeats.
 */
export function buildChartData(report: Report, batches: readonly BatchSample[], options: ChartDataOptions = {}): ChartData {
  const scenarios = Object.keys(report.scenarios);
  const startMs = runStartMs(report, batches);
  const byScenario = new Map<string, BatchSample[]>(scenarios.map((name) => [name, []]));
  for (const batch of batches) byScenario.get(batch.scenario)?.push(batch);

  // Wall-clock ms since the start → the axis without the process's downtime, as the report's elapsed times.
  const axis = placeDowntime(
    batches.filter((b) => byScenario.has(b.scenario)).map((b) => ({ fromMs: b.startedAt - startMs, toMs: b.finishedAt - startMs })),
    report.downtimeMs,
  );
  const { toAxis } = axis;
  const downtime = { periods: axis.periods.map((p) => ({ atMs: toAxis(p.fromMs), downMs: p.downMs })), unplacedMs: axis.unplacedMs };

  const series = scenarios.map((name) => ({ scenario: name, points: progressPoints(byScenario.get(name) ?? [], startMs, toAxis) }));

  const barrierWaits = report.barriers.flatMap((barrier) =>
    barrier.arrived.flatMap((name) => {
      const fromMs = ownValue(barrier.arrivedAtMs, name);
      // Barrier times are wall-clock since the start too (downtime included), as the journal's.
      return fromMs === undefined ? [] : [{ scenario: name, milestone: barrier.milestone, fromMs: toAxis(fromMs), toMs: toAxis(Math.max(fromMs, barrier.releasedAtMs)) }];
    }),
  );

  const milestones = scenarios.flatMap((name) => {
    const scenario = ownValue(report.scenarios, name);
    return scenario === undefined ? [] : milestoneMarks(name, scenario, byScenario.get(name) ?? [], startMs, toAxis);
  });

  const points = scenarios.flatMap((name) => {
    const s = ownValue(report.scenarios, name);
    if (s === undefined) return [];
    // The items the skill ran: cached batches have no busy time, as in the report's time per item and fit.
    const items = s.itemsProcessed - s.cachedItems;
    return items > 0 && s.busyMs > 0 ? [{ scenario: name, items, busyMs: s.busyMs, complete: s.status === 'complete' }] : [];
  });
  const { scaling } = report.comparison;
  const fit =
    scaling.exponent === null
      ? null
      : {
          exponent: scaling.exponent,
          ci95: scaling.exponentCi95 === null ? null : { low: scaling.exponentCi95.low, high: scaling.exponentCi95.high },
          verdict: scaling.verdict,
        };

  const quality =
    options.quality === undefined
      ? { basis: 'batches' as const, scenarios: scenarios.flatMap((name) => batchQuality(name, byScenario.get(name) ?? []) ?? []) }
      : { basis: 'repeats' as const, scenarios: options.quality.filter((q) => scenarios.includes(q.scenario)).map((q) => ({ ...q })) };

  return { scenarios, progress: { series, barrierWaits, milestones, downtime }, timePerItem: { points, fit }, quality, ab: abChart(report, scenarios) };
}
