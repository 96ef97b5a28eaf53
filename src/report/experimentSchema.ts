import { z } from 'zod';
import { ownRecord } from '../ownKeys.ts';
import { FailureReasonSchema, ScalingSchema, ScenarioStatusSchema } from './schema.ts';
import { ConfidenceIntervalSchema } from './stats.ts';

/**
 * The report of an experiment: N repeats of one orchestration (`scenarios run --repeat N`), summarised per
 * scenario over the repeats that completed it. These schemas are the only definition of its types and of the
 * `--json` output of an experiment.
 */

/** A stored repeat's status, or `missing` for a repeat the experiment has not run (yet). */
export const RepeatStatusSchema = z.enum(['running', 'paused', 'complete', 'failed', 'missing']);

export const ExperimentRunSchema = z.object({
  /** 1-based. */
  index: z.int().positive(),
  runId: z.string(),
  /** The seed the repeat ran with; null for a missing repeat. */
  seed: z.int().nullable(),
  status: RepeatStatusSchema,
  /** The order the repeat started its scenarios in (rotated by one per repeat); empty for a missing repeat. */
  scenarioOrder: z.array(z.string()),
});

/** One figure of one scenario over the repeats that measured it. */
export const RepeatedMeasureSchema = z.object({
  n: z.int().positive(),
  median: z.number(),
  /** Percentile bootstrap (2,000 seeded resamples); null below three values. */
  medianCi95: ConfidenceIntervalSchema.nullable(),
  /**
   * `geometric` for a figure that cannot be 0 or less (time per item, throughput) when every value is above 0:
   * the mean and its interval are taken on the log scale and brought back, so the interval never reaches below 0.
   * `arithmetic` otherwise (quality scores).
   */
  meanKind: z.enum(['arithmetic', 'geometric']),
  mean: z.number(),
  /** Student's t with n − 1 degrees of freedom (of the logs, for a geometric mean); null below three values. */
  meanCi95: ConfidenceIntervalSchema.nullable(),
  /** Sample standard deviation; null with one value. */
  standardDeviation: z.number().nullable(),
  /** Each repeat's value, in repeat order. */
  values: z.array(z.object({ runId: z.string(), value: z.number() })),
  /** Repeats whose value lies beyond Tukey's fences (1.5 × IQR past the quartiles); none below four values. */
  outliers: z.array(z.string()),
});

export const ExperimentScenarioSchema = z.object({
  /** Repeats that completed the scenario: every figure below is over these. */
  completedIn: z.array(z.string()),
  /** Repeats that ran it without completing it (failed, or stopped before its end), and how it stood. */
  notCompletedIn: z.array(z.object({ runId: z.string(), status: ScenarioStatusSchema, failureReason: FailureReasonSchema.optional() })),
  /** `overall` and each quality metric; null where no completing repeat measured it. */
  quality: ownRecord(RepeatedMeasureSchema.nullable()),
  /** Busy ms per item the skill processed, as in each run's report. */
  timePerItemMs: RepeatedMeasureSchema.nullable(),
  /** Items the skill processed per second of working time (elapsed without barrier waits and pauses). */
  throughputPerSecond: RepeatedMeasureSchema.nullable(),
});

/** One repeat of an A/B experiment, for one scenario: what its own report's A/B section found. */
export const ExperimentAbRepeatSchema = z.object({
  runId: z.string(),
  pairedBatches: z.int().nonnegative(),
  /** Mean of b − a over the repeat's paired batches (quality 0..1); null without a pair. */
  qualityDifference: z.number().nullable(),
  /** Geometric mean of b / a time per batch; null without a pair whose two times are above 0. */
  timeRatio: z.number().positive().nullable(),
  /** The repeat's own verdict on quality, as its report words it. */
  verdict: z.string(),
});

/** An A/B experiment (`--repeat N` with two skills), per scenario: the repeats' differences summarised over the repeats. */
export const ExperimentAbSchema = z.object({
  /** `name@version` of a and b, from the first A/B repeat. */
  versions: z.object({ a: z.string(), b: z.string() }),
  scenarios: ownRecord(
    z.object({
      /** Each repeat's paired quality difference (b − a), summarised: does b beat a from run to run? */
      qualityDifference: RepeatedMeasureSchema.nullable(),
      /** Each repeat's time ratio b / a, summarised (geometric mean). */
      timeRatio: RepeatedMeasureSchema.nullable(),
      repeats: z.array(ExperimentAbRepeatSchema),
    }),
  ),
});

export const ExperimentReportSchema = z.object({
  experimentId: z.string(),
  /** The skill of the first stored repeat; null when none is stored. */
  skill: z.object({ name: z.string(), version: z.string() }).nullable(),
  /** The experiment's seed, from which each repeat's seed is derived (or which every repeat uses, with sameData). */
  seed: z.int(),
  sameData: z.boolean(),
  /** Repeats planned (`--repeat N`). */
  repeats: z.int().positive(),
  runs: z.array(ExperimentRunSchema),
  /** What each figure is, in words. */
  definitions: z.object({
    timePerItemMs: z.string(),
    throughputPerSecond: z.string(),
    quality: z.string(),
    intervals: z.string(),
    outliers: z.string(),
  }),
  /** In the config's order. */
  scenarios: ownRecord(ExperimentScenarioSchema),
  /** An A/B experiment's comparison of b with a over the repeats; null when the repeats ran one skill. */
  ab: ExperimentAbSchema.nullable(),
  /** The scaling fit over every completed scenario of every repeat: one point per (repeat, scenario). */
  scaling: ScalingSchema,
  /** What a reader needs to know: few repeats, repeats that failed or are missing, outliers. */
  notes: z.array(z.string()),
});

export type RepeatStatus = z.output<typeof RepeatStatusSchema>;
export type ExperimentRun = z.output<typeof ExperimentRunSchema>;
export type RepeatedMeasure = z.output<typeof RepeatedMeasureSchema>;
export type ExperimentScenario = z.output<typeof ExperimentScenarioSchema>;
export type ExperimentReport = z.output<typeof ExperimentReportSchema>;
export type ExperimentAb = z.output<typeof ExperimentAbSchema>;
export type ExperimentAbRepeat = z.output<typeof ExperimentAbRepeatSchema>;
