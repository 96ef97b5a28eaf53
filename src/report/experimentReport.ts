import { emptyRecord, ownValue, setOwn } from '../ownKeys.ts';
import { experimentAb } from './experimentAb.ts';
import { configOrder } from './experimentOrder.ts';
import type { ExperimentReport, ExperimentScenario, RepeatStatus, RepeatedMeasure } from './experimentSchema.ts';
import { listInProse } from './format.ts';
import { roundTo } from './round.ts';
import { fitScaling, type ScalingPoint } from './scaling.ts';
import type { Report, ScenarioReport } from './schema.ts';
import { summarize, type ConfidenceInterval } from './stats.ts';
import { workingMs } from './budgets.ts';

/** One repeat of an experiment as the report sees it: its stored run's report, or nothing yet. */
export interface ExperimentRepeat {
  /** 1-based. */
  index: number;
  runId: string;
  /** The seed it ran with; null for a missing repeat. */
  seed: number | null;
  status: RepeatStatus;
  /** The run's report (as it finished, or rebuilt from the store); null for a missing repeat. */
  report: Report | null;
  /** Its scenarios in the order it started them, with their batch sizes (its stored config's scenarios). */
  scenarios: readonly { name: string; batchSize: number }[];
}

export interface ExperimentInput {
  experimentId: string;
  seed: number;
  sameData: boolean;
  /** Repeats planned. */
  repeats: number;
  /** The stored repeats and placeholders for missing ones, in any order. */
  runs: readonly ExperimentRepeat[];
  /** The config's scenario order (default: the first stored repeat's order, rotated back). */
  scenarioOrder?: readonly string[];
}

/** Below this many values the intervals are close to the sample's range: the report says so. */
const FEW_REPEATS = 5;

export const EXPERIMENT_DEFINITIONS: ExperimentReport['definitions'] = {
  timePerItemMs: 'Busy time per item: time inside the skill (overlapping batches once) over the items it processed, batches taken from the cache left out; the same figure as each run\'s timePerItemMs.',
  throughputPerSecond:
    'Items the skill processed (cached batches left out) per second of working time: the scenario\'s elapsed time without barrier waits and pauses (at least its busy time), so it includes the orchestrator\'s own time between batches, which busy time does not.',
  quality: 'Each run\'s quality scores (overall and every metric the scenario names), over the repeats that completed the scenario and measured the metric.',
  intervals:
    '95% confidence intervals, from 3 repeats on: of the median, a percentile bootstrap (2,000 resamples, seeded, so a rebuilt report shows the same interval); of the mean, Student\'s t with n − 1 degrees of freedom. Time per item and throughput cannot be 0 or less, so their mean is geometric: the mean and its t interval are taken of the logarithms and brought back, and the interval stays above 0. The median\'s interval is the headline: it assumes no distribution, and one slow repeat moves it less than the mean\'s.',
  outliers: 'Repeats whose value lies beyond Tukey\'s fences (more than 1.5 × the interquartile range past the quartiles); judged from four repeats on.',
};

/** Items the skill processed per second of working time (as the time budget counts it); null without either. */
export function throughputPerSecond(s: ScenarioReport): number | null {
  const items = s.itemsProcessed - s.cachedItems;
  const seconds = workingMs(s) / 1000;
  return items > 0 && seconds > 0 ? roundTo(items / seconds, 3) : null;
}

const round4 = (value: number) => roundTo(value, 4);

/**
 * Fewest values that get an interval. With two, Student's t has 1 degree of freedom (t = 12.7) and the bootstrap
 * can only return the two values: neither says anything a reader could use, and a mean's interval of a positive
 * figure then reaches far below 0.
 */
export const MIN_VALUES_FOR_INTERVAL = 3;

/** Whether a figure can only be above 0 (time, throughput: its mean is geometric) or may be any number (quality). */
type FigureKind = 'positive' | 'any';

/** Mean and its t interval on the log scale, brought back: the geometric mean, whose interval stays above 0. */
function geometricMean(values: readonly number[]): { mean: number; meanCi95: ConfidenceInterval | null } {
  const logs = summarize(values.map(Math.log));
  const ci = logs.meanCi95;
  return { mean: Math.exp(logs.mean), meanCi95: ci === null ? null : { ...ci, low: Math.exp(ci.low), high: Math.exp(ci.high) } };
}

/** The summary of one figure over the repeats that measured it; null when none did. */
function measure(values: readonly { runId: string; value: number }[], kind: FigureKind): RepeatedMeasure | null {
  if (values.length === 0) return null;
  const numbers = values.map((v) => v.value);
  const summary = summarize(numbers);
  const geometric = kind === 'positive' && numbers.every((v) => v > 0);
  const { mean, meanCi95 } = geometric ? geometricMean(numbers) : summary;
  const enough = values.length >= MIN_VALUES_FOR_INTERVAL;
  const roundCi = (ci: ConfidenceInterval | null) => (ci === null || !enough ? null : { ...ci, low: round4(ci.low), high: round4(ci.high) });
  return {
    n: summary.n,
    median: round4(summary.median),
    medianCi95: roundCi(summary.medianCi95),
    meanKind: geometric ? 'geometric' : 'arithmetic',
    mean: round4(mean),
    meanCi95: roundCi(meanCi95),
    standardDeviation: summary.standardDeviation === null ? null : round4(summary.standardDeviation),
    values: [...values],
    outliers: summary.outliers.map((i) => values[i]?.runId ?? ''),
  };
}

/** Scenario names in the config's order: the given order, else the first stored repeat's rotated back. */
function scenarioNames(input: ExperimentInput, stored: readonly ExperimentRepeat[]): string[] {
  if (input.scenarioOrder) return [...input.scenarioOrder];
  const first = stored[0];
  if (!first) return [];
  return configOrder(first.scenarios.map((s) => s.name), first.index);
}

function scenarioSummary(name: string, stored: readonly ExperimentRepeat[]): ExperimentScenario {
  const completed: { runId: string; s: ScenarioReport; timePerItemMs: number | null }[] = [];
  const notCompletedIn: ExperimentScenario['notCompletedIn'] = [];
  for (const run of stored) {
    const s = run.report ? ownValue(run.report.scenarios, name) : undefined;
    if (!s) continue;
    if (s.status === 'complete') completed.push({ runId: run.runId, s, timePerItemMs: ownValue(run.report?.comparison.timePerItemMs ?? {}, name) ?? null });
    else notCompletedIn.push({ runId: run.runId, status: s.status, ...(s.failureReason ? { failureReason: s.failureReason } : {}) });
  }
  // Metrics in the order the first completing repeat lists them (overall last, as the run report has it).
  const metrics = [...new Set(completed.flatMap(({ s }) => Object.keys(s.qualityScores)))];
  const quality = emptyRecord<RepeatedMeasure | null>();
  for (const metric of metrics) {
    setOwn(quality, metric, measure(completed.flatMap(({ runId, s }) => {
      const value = ownValue(s.qualityScores, metric);
      return typeof value === 'number' ? [{ runId, value }] : [];
    }), 'any'));
  }
  return {
    completedIn: completed.map((c) => c.runId),
    notCompletedIn,
    quality,
    // The run report's own figure, so the experiment and its runs never disagree on it.
    timePerItemMs: measure(completed.flatMap(({ runId, timePerItemMs }) => (timePerItemMs === null ? [] : [{ runId, value: timePerItemMs }])), 'positive'),
    throughputPerSecond: measure(completed.flatMap(({ runId, s }) => {
      const value = throughputPerSecond(s);
      return value === null ? [] : [{ runId, value }];
    }), 'positive'),
  };
}

/** One point per completed scenario of every stored repeat, named `scenario@rK`. */
function scalingPoints(stored: readonly ExperimentRepeat[]): ScalingPoint[] {
  return stored.flatMap((run) =>
    run.report === null
      ? []
      : run.scenarios.flatMap(({ name, batchSize }) => {
          const s = ownValue(run.report?.scenarios ?? {}, name);
          if (!s || s.status !== 'complete') return [];
          return [{ name: `${name}@r${run.index}`, items: s.itemsProcessed - s.cachedItems, batches: s.batchCount - s.cachedBatches, busyMs: s.busyMs, batchSize, cachedBatches: s.cachedBatches }];
        }),
  );
}

/** How fitScaling's note on differing batch sizes begins; it lists every point's batch size. */
const BATCH_SIZES_NOTE = 'Batch sizes differ (';

/**
 * The batch-size note with the sizes grouped (`10, 50, 100 across 15 points`): over repeats, naming each of
 * 15 points' batch size (`simple@r1 10, …`) says three numbers fifteen times.
 */
function groupedBatchSizes(note: string, points: readonly ScalingPoint[], used: number): string {
  const close = note.indexOf('), ');
  if (close === -1) return note;
  const sizes = [...new Set(points.map((p) => p.batchSize))].sort((a, b) => a - b);
  return `${BATCH_SIZES_NOTE}${sizes.join(', ')} across ${used} points${note.slice(close)}`;
}

/** fitScaling over every repeat's points; its basis counts points as (repeat, scenario) pairs, not scenarios. */
function scalingOverRepeats(stored: readonly ExperimentRepeat[]): ExperimentReport['scaling'] {
  const points = scalingPoints(stored);
  const scaling = fitScaling(points);
  const repeats = new Set(points.map((p) => p.name.slice(p.name.lastIndexOf('@')))).size;
  return {
    ...scaling,
    notes: scaling.notes.map((note) => (note.startsWith(BATCH_SIZES_NOTE) ? groupedBatchSizes(note, points, scaling.points) : note)),
    basis:
      `Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed ` +
      `over ${scaling.points} points: each completed scenario of each of ${repeats} repeat${repeats === 1 ? '' : 's'}.`,
  };
}

/** Each figure of a scenario by the name the notes use for it. */
function namedFigures(s: ExperimentScenario): [string, RepeatedMeasure | null][] {
  return [
    ['time per item', s.timePerItemMs],
    ['throughput', s.throughputPerSecond],
    ...Object.entries(s.quality).map(([metric, m]): [string, RepeatedMeasure | null] => [`${metric} quality`, m]),
  ];
}

/**
 * With 3 or 4 values the intervals are wide, except for a figure that was the same in every repeat (quality on
 * the same data, say): its interval has no width, and calling it wide would contradict the table.
 */
function fewRepeatsNote(name: string, n: number, s: ExperimentScenario): string {
  const figures = namedFigures(s).filter((f): f is [string, RepeatedMeasure] => f[1] !== null);
  const identical = figures.filter(([, m]) => m.standardDeviation === 0).map(([figure]) => figure);
  const varying = figures.length - identical.length;
  const same = identical.length > 0 ? `${listInProse(identical)} ${identical.length === 1 ? 'was' : 'were'} identical in every repeat` : '';
  if (varying === 0) return `${name}: n = ${n}; ${same}.`;
  const wide = `${name}: n = ${n}, so the intervals are wide (with fewer than ${FEW_REPEATS} values a bootstrap interval of the median is about the range of the values)`;
  return same === '' ? `${wide}.` : `${wide}; ${same}.`;
}

function experimentNotes(input: ExperimentInput, runs: readonly ExperimentRepeat[], scenarios: Record<string, ExperimentScenario>): string[] {
  const notes: string[] = [];
  const missing = runs.filter((r) => r.status === 'missing').map((r) => r.runId);
  const unfinished = runs.filter((r) => r.status === 'running' || r.status === 'paused').map((r) => `${r.runId} (${r.status})`);
  if (unfinished.length > 0 || missing.length > 0) {
    const parts = [...(unfinished.length > 0 ? [`${listInProse(unfinished)} did not finish`] : []), ...(missing.length > 0 ? [`${listInProse(missing)} did not run`] : [])];
    notes.push(`${parts.join('; ')}: scenarios resume ${input.experimentId} finishes the experiment. The figures are over the repeats that completed each scenario.`);
  }
  for (const [name, s] of Object.entries(scenarios)) {
    for (const miss of s.notCompletedIn) {
      notes.push(`${name} ${miss.status === 'failed' ? `failed${miss.failureReason ? ` (${miss.failureReason})` : ''}` : `did not complete (${miss.status})`} in ${miss.runId}, so its figures leave that repeat out.`);
    }
    const n = s.completedIn.length;
    if (n === 0) notes.push(`${name} completed in no repeat: it has no figures.`);
    else if (n === 1) notes.push(`${name} completed in one repeat only: no intervals.`);
    else if (n < MIN_VALUES_FOR_INTERVAL) notes.push(`${name}: n = ${n}: too few repeats for an interval (intervals from ${MIN_VALUES_FOR_INTERVAL} repeats on).`);
    else if (n < FEW_REPEATS) notes.push(fewRepeatsNote(name, n, s));
    const flagged = [
      ...Object.entries(s.quality).flatMap(([metric, m]) => (m && m.outliers.length > 0 ? [`${metric} quality in ${m.outliers.join(', ')}`] : [])),
      ...(s.timePerItemMs && s.timePerItemMs.outliers.length > 0 ? [`time per item in ${s.timePerItemMs.outliers.join(', ')}`] : []),
      ...(s.throughputPerSecond && s.throughputPerSecond.outliers.length > 0 ? [`throughput in ${s.throughputPerSecond.outliers.join(', ')}`] : []),
    ];
    if (flagged.length > 0) notes.push(`${name}: outliers: ${flagged.join('; ')} (beyond Tukey's fences; a first repeat is often slower while the process warms up).`);
  }
  if (input.sameData) notes.push('Every repeat ran on the same seed (sameData), so the same items and draws: the intervals show run-to-run noise in time, not how results vary with the data.');
  return notes;
}

/** Summarises the repeats of an experiment per scenario: medians and means with 95% CIs, outliers, one scaling fit over all. */
export function buildExperimentReport(input: ExperimentInput): ExperimentReport {
  const runs = [...input.runs].sort((a, b) => a.index - b.index);
  const stored = runs.filter((r) => r.report !== null);
  const scenarios = emptyRecord<ExperimentScenario>();
  const names = scenarioNames(input, stored);
  for (const name of names) setOwn(scenarios, name, scenarioSummary(name, stored));
  const firstReport = stored[0]?.report;
  return {
    experimentId: input.experimentId,
    skill: firstReport ? { ...firstReport.skill } : null,
    seed: input.seed,
    sameData: input.sameData,
    repeats: input.repeats,
    runs: runs.map((r) => ({ index: r.index, runId: r.runId, seed: r.seed, status: r.status, scenarioOrder: r.scenarios.map((s) => s.name) })),
    definitions: EXPERIMENT_DEFINITIONS,
    scenarios,
    ab: experimentAb(stored, names, measure),
    scaling: scalingOverRepeats(stored),
    notes: experimentNotes(input, runs, scenarios),
  };
}
