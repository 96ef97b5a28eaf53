import { z } from 'zod';
import { ownRecord } from '../ownKeys.ts';
import { DifferenceSchema, SampleSummarySchema } from '../report/stats.ts';

/** One measure (quality or time) of both versions over a scenario's paired batches, and b − a. */
export const AbMeasureSchema = z.object({
  /** Batches in the comparison. */
  n: z.int().nonnegative(),
  /** Per batch; null with no batch. */
  a: SampleSummarySchema.nullable(),
  b: SampleSummarySchema.nullable(),
  /** Paired by batch (the same items): mean of b − a, paired-t 95% CI and p; null with no batch. */
  difference: DifferenceSchema.nullable(),
});

/**
 * b's time per batch as a multiple of a's: the geometric mean of b_i / a_i, from the mean of ln(b_i / a_i) with a
 * paired-t 95% CI, taken back with exp. A ratio of positive times, so its interval never reaches 0 (−100 %), and
 * one slow batch moves it by its log, not by its milliseconds.
 */
export const AbTimeRatioSchema = z.object({
  /** Pairs in the ratio: those whose two times are above 0 ms (a log needs them). */
  n: z.int().positive(),
  /** exp(mean of ln(b_i / a_i)): 1.12 reads "b takes 12% more time than a". */
  estimate: z.number().positive(),
  /** exp of the paired-t interval of the mean log ratio; null below two pairs. */
  ci95: z.object({ low: z.number().positive(), high: z.number().positive(), level: z.literal(0.95), method: z.literal('paired-t-of-log-ratio'), degreesOfFreedom: z.number().positive() }).nullable(),
  /** Two-sided, of mean ln(b_i / a_i) = 0; null as ci95. */
  pValue: z.number().min(0).max(1).nullable(),
  /** pValue < 0.05; false when it cannot be told. */
  significant: z.boolean(),
});

export const AbScenarioSchema = z.object({
  /** Recorded batches that hold both versions' figures. */
  pairedBatches: z.int().nonnegative(),
  /** Recorded batches without them: failed after every retry (neither version's result is kept), or run by another skill on resume. */
  unpairedBatches: z.int().nonnegative(),
  /** Each version's qualityScore per batch (0..1). */
  quality: AbMeasureSchema,
  /** Milliseconds inside each version's `run` per batch; batches taken from the cache are left out. */
  timeMs: AbMeasureSchema,
  /** b's time per batch over a's (geometric mean of the pairs' ratios); null when no pair has both times above 0 ms. */
  timeRatio: AbTimeRatioSchema.nullable(),
  /** In how many paired batches each version ran first (they alternate). */
  ranFirst: z.object({ a: z.int().nonnegative(), b: z.int().nonnegative() }),
  /** One line: whether b's quality differs from a's, by how much, with its CI and p. */
  verdict: z.string(),
  /** One line: the same for time per batch. */
  timeVerdict: z.string(),
});

/** The report of an A/B run (`skills`): both versions on the same items of every batch, compared per scenario. */
export const AbReportSchema = z.object({
  /** `name@version` (and a version's own params) of a and b. */
  versions: z.object({ a: z.string(), b: z.string() }),
  /** What is paired, in words. */
  pairing: z.string(),
  scenarios: ownRecord(AbScenarioSchema),
});

export type AbMeasure = z.output<typeof AbMeasureSchema>;
export type AbTimeRatio = z.output<typeof AbTimeRatioSchema>;
export type AbScenario = z.output<typeof AbScenarioSchema>;
export type AbReport = z.output<typeof AbReportSchema>;
