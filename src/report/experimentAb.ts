import type { AbReport } from '../ab/abReportSchema.ts';
import { emptyRecord, ownValue, setOwn } from '../ownKeys.ts';
import type { ExperimentAb, ExperimentAbRepeat, RepeatedMeasure } from './experimentSchema.ts';

/**
 * The A/B part of an experiment (`--repeat N` with two skills): each repeat's report compares version b with a
 * on the same items of every batch; over the repeats, per scenario, the paired quality difference and the time
 * ratio each repeat found, summarised like any other figure, and each repeat's verdict.
 */

/** A stored repeat as the A/B summary needs it. */
export interface AbRepeatInput {
  runId: string;
  report: { ab?: AbReport | undefined } | null;
}

type Measure = (values: readonly { runId: string; value: number }[], kind: 'positive' | 'any') => RepeatedMeasure | null;

/** null when no stored repeat is an A/B run. */
export function experimentAb(runs: readonly AbRepeatInput[], scenarioNames: readonly string[], measure: Measure): ExperimentAb | null {
  const withAb = runs.flatMap((run) => (run.report?.ab ? [{ runId: run.runId, ab: run.report.ab }] : []));
  const first = withAb[0];
  if (!first) return null;
  const scenarios = emptyRecord<ExperimentAb['scenarios'][string]>();
  for (const name of scenarioNames) {
    const repeats = withAb.flatMap(({ runId, ab }): ExperimentAbRepeat[] => {
      const s = ownValue(ab.scenarios, name);
      if (!s) return [];
      return [{ runId, pairedBatches: s.pairedBatches, qualityDifference: s.quality.difference?.estimate ?? null, timeRatio: s.timeRatio?.estimate ?? null, verdict: s.verdict }];
    });
    if (repeats.length === 0) continue;
    setOwn(scenarios, name, {
      qualityDifference: measure(repeats.flatMap((r) => (r.qualityDifference === null ? [] : [{ runId: r.runId, value: r.qualityDifference }])), 'any'),
      timeRatio: measure(repeats.flatMap((r) => (r.timeRatio === null ? [] : [{ runId: r.runId, value: r.timeRatio }])), 'positive'),
      repeats,
    });
  }
  return { versions: first.ab.versions, scenarios };
}
