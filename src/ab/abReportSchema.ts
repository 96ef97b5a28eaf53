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

export const AbScenarioSchema = z.object({
  /** Recorded batches that hold both versions' figures. */
  pairedBatches: z.int().nonnegative(),
  /** Recorded batches without them: failed after every retry (neither version's result is kept), or run by another skill on resume. */
  unpairedBatches: z.int().nonnegative(),
  /** Each version's qualityScore per batch (0..1). */
  quality: AbMeasureSchema,
  /** Milliseconds inside each version's `run` per batch; batches taken from the cache are left out. */
  timeMs: AbMeasureSchema,
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
export type AbScenario = z.output<typeof AbScenarioSchema>;
export type AbReport = z.output<typeof AbReportSchema>;
