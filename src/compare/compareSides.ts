import { roundTo } from '../report/round.ts';
import { summarize, welchDifference, type Difference, type SampleSummary } from '../report/stats.ts';
import type { ScenarioSamples } from './samples.ts';
import { FIGURE_UNITS, type Comparison, type ComparisonSide, type FigureComparison, type ScenarioComparison } from './schema.ts';

/** One side as loaded from a store: what it is, and per scenario (in its config's order) its samples. */
export interface LoadedSide {
  side: ComparisonSide;
  scenarios: Map<string, ScenarioSamples>;
  /** About the side as a whole: an ambiguous name, unfinished runs, mixed skills. */
  notes: string[];
}

const unitOf = (figure: string): FigureComparison['unit'] => (Object.hasOwn(FIGURE_UNITS, figure) ? FIGURE_UNITS[figure as keyof typeof FIGURE_UNITS] : 'score');

/** Decimals of each unit in the JSON, as the report rounds them: scores and ratios 4, time per item and throughput 3. */
const DECIMALS: Record<FigureComparison['unit'], number> = { score: 4, 'ms/item': 3, 'items/s': 3 };
const RATIO_DECIMALS = 4;

/** Welch's degrees of freedom are fractional: rounded as a ratio. */
const roundCi = <T extends { low: number; high: number; degreesOfFreedom?: number | undefined }>(ci: T | null, decimals: number): T | null =>
  ci === null
    ? null
    : { ...ci, low: roundTo(ci.low, decimals), high: roundTo(ci.high, decimals), ...(ci.degreesOfFreedom === undefined ? {} : { degreesOfFreedom: roundTo(ci.degreesOfFreedom, RATIO_DECIMALS) }) };

/** A side's summary as printed: rounded after the statistics were computed from the raw samples. */
function roundSummary(summary: SampleSummary, decimals: number): SampleSummary {
  return {
    ...summary,
    mean: roundTo(summary.mean, decimals),
    median: roundTo(summary.median, decimals),
    standardDeviation: summary.standardDeviation === null ? null : roundTo(summary.standardDeviation, decimals),
    meanCi95: roundCi(summary.meanCi95, decimals),
    medianCi95: roundCi(summary.medianCi95, decimals),
  };
}

/** `significant` is kept as computed (p < 0.05 before rounding). */
function roundDifference(difference: Difference, decimals: number): Difference {
  return {
    ...difference,
    estimate: roundTo(difference.estimate, decimals),
    relative: difference.relative === null ? null : roundTo(difference.relative, RATIO_DECIMALS),
    ci95: roundCi(difference.ci95, decimals),
    pValue: difference.pValue === null ? null : roundTo(difference.pValue, RATIO_DECIMALS),
  };
}

function compareFigure(figure: string, a: readonly number[], b: readonly number[]): FigureComparison {
  const unit = unitOf(figure);
  const decimals = DECIMALS[unit];
  return {
    figure,
    unit,
    a: a.length > 0 ? roundSummary(summarize(a), decimals) : null,
    b: b.length > 0 ? roundSummary(summarize(b), decimals) : null,
    difference: a.length > 0 && b.length > 0 ? roundDifference(welchDifference(a, b), decimals) : null,
  };
}

function compareScenario(scenario: string, a: ScenarioSamples, b: ScenarioSamples): ScenarioComparison {
  // Quality metrics both sides name; `quality`, `timePerItem` and `throughput` are on every side.
  const common = [...a.figures.keys()].filter((figure) => b.figures.has(figure));
  const oneSided = [
    ...[...a.figures.keys()].filter((f) => !b.figures.has(f)).map((f) => `${f} is measured in a only: not compared`),
    ...[...b.figures.keys()].filter((f) => !a.figures.has(f)).map((f) => `${f} is measured in b only: not compared`),
  ];
  return {
    scenario,
    status: { a: a.status, b: b.status },
    figures: common.map((figure) => compareFigure(figure, a.figures.get(figure) ?? [], b.figures.get(figure) ?? [])),
    notes: [...a.notes.map((n) => `a: ${n}`), ...b.notes.map((n) => `b: ${n}`), ...oneSided],
  };
}

/**
 * Side a against side b, scenario by scenario: every difference is b − a, so with a as the reference a
 * positive time-per-item difference means b is slower. Scenarios on one side only are listed, not compared.
 */
export function compareSides(a: LoadedSide, b: LoadedSide): Comparison {
  const both = [...a.scenarios.keys()].filter((name) => b.scenarios.has(name));
  const notes: string[] = [...a.notes.map((n) => `a: ${n}`), ...b.notes.map((n) => `b: ${n}`)];
  if (a.side.sampleUnit !== b.side.sampleUnit) {
    notes.push(
      `a's samples are per ${a.side.sampleUnit} and b's per ${b.side.sampleUnit}: the difference of means is fair, but its interval mixes batch-to-batch spread with run-to-run spread; compare like with like (two runs, or two experiments) for a sharper answer`,
    );
  }
  if (a.side.kind === 'run' && b.side.kind === 'run') {
    notes.push('two single runs: samples are batches, so the intervals say how sure the difference is for these two runs, not for repeats of them (an experiment, --repeat N, samples whole runs)');
  }
  return {
    a: a.side,
    b: b.side,
    scenarios: both.map((name) => compareScenario(name, a.scenarios.get(name) as ScenarioSamples, b.scenarios.get(name) as ScenarioSamples)),
    onlyIn: { a: [...a.scenarios.keys()].filter((n) => !b.scenarios.has(n)), b: [...b.scenarios.keys()].filter((n) => !a.scenarios.has(n)) },
    notes,
  };
}
