import { z } from 'zod';
import { DifferenceSchema, SampleSummarySchema } from '../report/stats.ts';

/**
 * The shape of `scenarios compare --json` and of what the regression gate judges: two sides (a run or an
 * experiment each), and per scenario both had, one row per compared figure with each side's sample summary
 * and the difference b − a (Welch's t, from src/report/stats.ts).
 */

/** What one side of a comparison is, and what its samples are. */
export const ComparisonSideSchema = z.object({
  /** What was asked for: a run id, an experiment id or a baseline name. */
  ref: z.string(),
  kind: z.enum(['run', 'experiment']),
  /** The run or experiment id `ref` resolved to. */
  id: z.string(),
  /** The baseline `ref` named, when it named one. */
  baseline: z.string().nullable(),
  /** The stored runs read: the run itself, or the experiment's repeats in order. */
  runs: z.array(z.string()),
  skill: z.object({ name: z.string(), version: z.string() }),
  /** One sample value per batch of the run (from its batch journal), or per repeat of the experiment. */
  sampleUnit: z.enum(['batch', 'repeat']),
});

/** The figures compared: `quality` is the overall score; every other quality metric goes by its own name. */
export const FIGURE_UNITS = { quality: 'score', timePerItem: 'ms/item', throughput: 'items/s' } as const;

export const FigureComparisonSchema = z.object({
  /** `quality` (overall), a quality metric's name, `timePerItem` (busy ms per item) or `throughput` (items per busy second). */
  figure: z.string(),
  unit: z.enum(['score', 'ms/item', 'items/s']),
  /** null when that side has no value of this figure. */
  a: SampleSummarySchema.nullable(),
  b: SampleSummarySchema.nullable(),
  /** b − a; null when either side has no value. */
  difference: DifferenceSchema.nullable(),
});

export const ScenarioComparisonSchema = z.object({
  scenario: z.string(),
  /** Each side's status of the scenario (a run's, or `complete` when repeats completed it). */
  status: z.object({ a: z.string(), b: z.string() }),
  figures: z.array(FigureComparisonSchema),
  /** What a reader needs to weigh the figures: samples left out and why, coarse timings, mixed sample units. */
  notes: z.array(z.string()),
});

export const ComparisonSchema = z.object({
  a: ComparisonSideSchema,
  b: ComparisonSideSchema,
  /** Scenarios present on both sides, in a's order. */
  scenarios: z.array(ScenarioComparisonSchema),
  /** Scenarios present on one side only: listed, not compared. */
  onlyIn: z.object({ a: z.array(z.string()), b: z.array(z.string()) }),
  notes: z.array(z.string()),
});

export type ComparisonSide = z.output<typeof ComparisonSideSchema>;
export type FigureComparison = z.output<typeof FigureComparisonSchema>;
export type ScenarioComparison = z.output<typeof ScenarioComparisonSchema>;
export type Comparison = z.output<typeof ComparisonSchema>;
