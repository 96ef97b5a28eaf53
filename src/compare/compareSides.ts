import { summarize, welchDifference } from '../report/stats.ts';
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

function compareFigure(figure: string, a: readonly number[], b: readonly number[]): FigureComparison {
  return {
    figure,
    unit: unitOf(figure),
    a: a.length > 0 ? summarize(a) : null,
    b: b.length > 0 ? summarize(b) : null,
    difference: a.length > 0 && b.length > 0 ? welchDifference(a, b) : null,
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
