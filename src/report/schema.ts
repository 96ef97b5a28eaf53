import { z } from 'zod';
import { AbReportSchema } from '../ab/abReportSchema.ts';
import { ownRecord } from '../ownKeys.ts';

/**
 * The shapes a run produces. The machines fill ScenarioProgress and BarrierRecord; the report functions
 * turn them into a Report. These schemas are the only definition of those types (and of the `--json` output);
 * what each figure means, how it is measured and what it leaves out is in docs/metrics.md.
 * Records keyed by scenario or metric names are `ownRecord`s: they keep a `__proto__` key, which z.record drops.
 */

export const ScenarioStatusSchema = z.enum(['pending', 'running', 'paused', 'complete', 'failed']);

export const FailureReasonSchema = z.enum([
  'time_budget_exceeded',
  'error_tolerance_exceeded',
  'memory_limit_exceeded',
  'cancelled',
]);

export const ScenarioErrorEntrySchema = z.object({
  /** Epoch milliseconds. */
  at: z.number(),
  message: z.string(),
  batchIndex: z.int().optional(),
  attempt: z.int().optional(),
});

/** Running, item-weighted sums of the scores batches reported; the report turns them into means. */
export const QualityTotalsSchema = z.object({
  /** Items whose batch reported scores. */
  items: z.number(),
  /** `accuracy` holds the skill's qualityScore; other keys are the skill's own metrics. */
  sums: ownRecord(z.number()),
  /**
   * Per metric, the items whose batch reported it: the weight its sum is divided by. Absent from snapshots
   * written before it was kept; every metric then weighs `items` (as it used to).
   */
  weights: ownRecord(z.number()).optional(),
});

/** Live state of one scenario: small and flat, so it can sit in every snapshot. */
export const ScenarioProgressSchema = z.object({
  name: z.string(),
  status: ScenarioStatusSchema,
  failureReason: FailureReasonSchema.optional(),
  progressPct: z.number(),
  itemsProcessed: z.int(),
  itemsFailed: z.int(),
  inputSize: z.int(),
  batchSize: z.int(),
  /** Batches settled (succeeded, or failed after every retry). */
  batchCount: z.int(),
  batchesTotal: z.int(),
  /**
   * Of `batchCount`, those whose result came from the batch cache (`cacheEnabled`), and the items they
   * processed: the skill did not run for them, so per-item time and the scaling fit leave them out. Absent
   * from snapshots written before the cache was honoured (read as 0).
   */
  cachedBatches: z.int().optional(),
  cachedItems: z.int().optional(),
  milestonesReached: z.array(z.number()),
  currentMilestone: z.number().nullable(),
  /** Milestone (as a string key) -> elapsed ms since the scenario started, when it was reached. */
  milestoneElapsedMs: z.record(z.string(), z.number()),
  /** Epoch ms, or null before the scenario starts. */
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  /** Wall time from start to now/finish, minus time the process was down. */
  elapsedMs: z.number(),
  /** Time spent inside the skill (the only basis for per-item figures). */
  busyMs: z.number(),
  /** Time spent at barriers waiting for other scenarios. */
  waitingMs: z.number(),
  /** Time spent paused. */
  pausedMs: z.number(),
  memoryUsedMb: z.number(),
  quality: QualityTotalsSchema,
  errors: z.array(ScenarioErrorEntrySchema),
  /** All errors, including those beyond the ones kept in `errors`. */
  errorCount: z.int(),
  retries: z.int(),
});

export const BarrierRecordSchema = z.object({
  milestone: z.number(),
  releasedBy: z.enum(['all-arrived', 'timeout']),
  /** Scenarios that arrived before release, in arrival order. */
  arrived: z.array(z.string()),
  /** Scenarios still live but not arrived when the timeout released the barrier. */
  late: z.array(z.string()),
  /** Scenario -> ms since the orchestration started, when it arrived. */
  arrivedAtMs: ownRecord(z.number()),
  openedAtMs: z.number(),
  releasedAtMs: z.number(),
});

export const ScenarioReportSchema = z.object({
  status: ScenarioStatusSchema,
  failureReason: FailureReasonSchema.optional(),
  progressPct: z.number(),
  itemsProcessed: z.int(),
  itemsFailed: z.int(),
  batchCount: z.int(),
  /** Of `batchCount`, batches taken from the batch cache, and the items they processed (not in busy time or per-item figures). */
  cachedBatches: z.int(),
  cachedItems: z.int(),
  milestonesReached: z.array(z.number()),
  milestoneElapsedMs: z.record(z.string(), z.number()),
  elapsedMs: z.number(),
  busyMs: z.number(),
  waitingMs: z.number(),
  pausedMs: z.number(),
  memoryUsedMb: z.number(),
  /** One score per metric the scenario names, plus `overall`; null where it was not measured (see comparison.missingMetrics). */
  qualityScores: ownRecord(z.number().nullable()),
  errors: z.array(z.object({ at: z.string(), message: z.string(), batchIndex: z.int().optional() })),
});

const BudgetCheckSchema = z.object({
  /** null: not judged, because nothing measured it (a memory limit without worker isolation or memoryMb from the skill). */
  held: z.boolean().nullable(),
  limit: z.union([z.number(), z.string()]),
  actual: z.union([z.number(), z.string()]),
  unit: z.string(),
});

const CoefficientSchema = z.object({ estimate: z.number(), standardError: z.number() });

export const ScalingSchema = z.object({
  /** Slope of log(busy ms) against log(items processed) across completed scenarios; null if it cannot be fitted. */
  exponent: z.number().nullable(),
  /**
   * `negative`: busy time fell as items grew; then below 0.9 `sublinear`, up to 1.1 `linear`, above `superlinear`;
   * `inconclusive` with fewer than three different item counts, no exponent at all, or an exponent whose 95%
   * CI reaches into two of these bands.
   */
  verdict: z.enum(['negative', 'sublinear', 'linear', 'superlinear', 'inconclusive']),
  /** Points the fits used: one per completed scenario with items and busy time. */
  points: z.int().nonnegative(),
  /** Standard error of the exponent (residuals of the log-log fit); null with fewer than three points. */
  exponentStandardError: z.number().nullable(),
  /** 95% CI of the exponent from Student's t with points − 2 degrees of freedom; null with fewer than three points. */
  exponentCi95: z.object({ low: z.number(), high: z.number(), method: z.literal('student-t'), degreesOfFreedom: z.int().positive() }).nullable(),
  /** R² of the log-log fit; null with fewer than three points or when busy time is the same at every point. */
  rSquared: z.number().nullable(),
  /**
   * busy = perBatch × batches + perItem × items fitted without intercept (null with fewer than three points or
   * when batch count is proportional to items); R² is against the mean busy time, so it can be negative.
   */
  twoTerm: z
    .object({ perBatchMs: CoefficientSchema, perItemMs: CoefficientSchema, rSquared: z.number().nullable(), degreesOfFreedom: z.int().positive() })
    .nullable(),
  /** What the fit compares, in words. */
  basis: z.string(),
  /** twoTerm's estimates alone (null when it is): busy time split into a fixed cost per batch and a cost per item. */
  perBatchMs: z.number().nullable(),
  perItemMs: z.number().nullable(),
  /** Caveats a reader needs, such as differing batch sizes. */
  notes: z.array(z.string()),
});

/** How the quality ranking was made, or why none could be (docs/metrics.md, "Ranking"). */
export const RankingBasisSchema = z.object({
  /** Metrics every ranked scenario measured; the ranking compares their mean. Empty when nothing could be ranked. */
  metrics: z.array(z.string()),
  /** Ranked scenario -> mean of `metrics`, rounded to 4 decimals. */
  scores: ownRecord(z.number()),
  /** Scenario left out of the ranking -> why (only completed scenarios of a run that finished without a cancel are ranked). */
  unranked: ownRecord(z.string()),
  /** In words: what the ranking compares, or why there is none ("Cannot rank: ..."). */
  summary: z.string(),
});

/** A metric a scenario names in qualityMetrics but has no score for (null in qualityScores). See docs/metrics.md. */
export const MissingMetricSchema = z.object({
  metric: z.string(),
  /**
   * `not-reported`: batches were scored, but the skill never returned this metric; `no-scored-batches`: no batch
   * was scored; `no-target` (latency): the scenario has no `latencyTargetMsPerItem`; `no-timed-items` (latency):
   * the skill processed no item itself (every batch came from the cache, or none ran), so there is no time per item.
   */
  reason: z.enum(['not-reported', 'no-scored-batches', 'no-target', 'no-timed-items']),
  scenarios: z.array(z.string()),
});

/** A metric the run measures itself (`coverage`, `latency`) that the skill also returned, in scenarios naming it: the skill's figure is ignored. */
export const IgnoredSkillMetricSchema = z.object({
  metric: z.string(),
  scenarios: z.array(z.string()),
});

/**
 * The peak memory of the process that drove the run, sampled while it ran: all its scenarios together, so no
 * scenario's budget is judged against it. `peakHeapMb` is the orchestrator thread's JS heap (skills without
 * worker isolation run there); `peakRssMb` is the whole process (worker threads and embedded PGlite included).
 */
export const ProcessMemorySchema = z.object({
  peakHeapMb: z.number(),
  peakRssMb: z.number(),
});

/** A run's scenario matrix: the parameters varied, and each scenario's value of each (null where it has none). */
export const MatrixReportSchema = z.object({
  /** Scenario field paths, in the matrix's order: `skillParams.batchSize`, `dataset.file`. */
  parameters: z.array(z.string()),
  /** Scenario -> parameter -> value, as the scenario ran (a dataset file as an absolute path). */
  values: ownRecord(z.record(z.string(), z.unknown())),
});

/** One worker's part of a remote run, read from the journal rows that name it (src/remote/workerReport.ts). */
export const WorkerFiguresSchema = z.object({
  /** The worker's name as it reports it: `host/pid-xxxx`. */
  name: z.string(),
  /** Recorded batches it ran (a batch's failed attempts are not recorded: only the attempt that counted). */
  batches: z.int().nonnegative(),
  /** Items of those batches. */
  items: z.int().nonnegative(),
  /** Of `items`, those the skill did not process (a failed batch counts all of its items). */
  itemsFailed: z.int().nonnegative(),
  /**
   * The skill's call times on this worker, summed over its batches (its own clock: the queue and the network
   * are not in it). Concurrent calls each count, so with `--concurrency` above 1 it can exceed its wall time.
   */
  busyMs: z.number().nonnegative(),
  /** Items processed (`items` − `itemsFailed`) per second of `busyMs`; null when `busyMs` is 0. */
  itemsPerBusySecond: z.number().nonnegative().nullable(),
  /** `batches` over every recorded batch of the run (0..1). */
  batchShare: z.number().min(0).max(1),
});

/** Present when some batch of the run ran on a `scenarios worker` (execution `remote`): who ran what. */
export const WorkersReportSchema = z.object({
  /** One entry per worker that ran a recorded batch, by name. */
  perWorker: z.array(WorkerFiguresSchema),
  /** Recorded batches of the run, the workers' and the others'. */
  batches: z.int().nonnegative(),
  /** Of `batches`, those no worker ran: taken from the batch cache, or run in the orchestrating process (a run resumed with another execution mode). */
  otherBatches: z.int().nonnegative(),
  /** What the figures are, in words. */
  basis: z.string(),
});

export const ReportSchema = z.object({
  orchestrationId: z.string(),
  skill: z.object({ name: z.string(), version: z.string() }),
  seed: z.int(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Time the orchestration spent with no process driving it (crash to resume). */
  downtimeMs: z.number(),
  /** Absent from a report rebuilt from the store (`scenarios report`): only a running process can measure it. */
  process: ProcessMemorySchema.optional(),
  scenarios: ownRecord(ScenarioReportSchema),
  barriers: z.array(BarrierRecordSchema),
  comparison: z.object({
    /** Completed scenarios, best first, by `rankingBasis.scores`; empty when they cannot be ranked (a cancelled or unfinished run, no shared metric). */
    qualityRanking: z.array(z.string()),
    rankingBasis: RankingBasisSchema,
    missingMetrics: z.array(MissingMetricSchema),
    ignoredSkillMetrics: z.array(IgnoredSkillMetricSchema),
    /** Busy ms per item the skill processed (cached batches left out); null when it processed none. */
    timePerItemMs: ownRecord(z.number().nullable()),
    scaling: ScalingSchema,
  }),
  budgets: ownRecord(
    z.object({
      time: BudgetCheckSchema,
      memory: BudgetCheckSchema,
      errorTolerance: BudgetCheckSchema,
      expectedQuality: BudgetCheckSchema,
    }),
  ),
  /** Present when the config has a matrix: the report groups scenarios by what it varied. */
  matrix: MatrixReportSchema.optional(),
  /** Present for an A/B run (config `skills`): both versions on the same items, compared per scenario (src/ab). */
  ab: AbReportSchema.optional(),
  /** Present when some batch ran on a remote worker (`--workers remote`): each worker's batches, busy time and throughput. */
  workers: WorkersReportSchema.optional(),
  recommendations: z.array(z.string()),
});

export type ScenarioStatus = z.output<typeof ScenarioStatusSchema>;
export type FailureReason = z.output<typeof FailureReasonSchema>;
export type ScenarioErrorEntry = z.output<typeof ScenarioErrorEntrySchema>;
export type QualityTotals = z.output<typeof QualityTotalsSchema>;
export type ScenarioProgress = z.output<typeof ScenarioProgressSchema>;
export type BarrierRecord = z.output<typeof BarrierRecordSchema>;
export type ScenarioReport = z.output<typeof ScenarioReportSchema>;
export type BudgetCheck = z.output<typeof BudgetCheckSchema>;
export type Scaling = z.output<typeof ScalingSchema>;
export type RankingBasis = z.output<typeof RankingBasisSchema>;
export type MissingMetric = z.output<typeof MissingMetricSchema>;
export type IgnoredSkillMetric = z.output<typeof IgnoredSkillMetricSchema>;
export type ProcessMemory = z.output<typeof ProcessMemorySchema>;
export type MatrixReport = z.output<typeof MatrixReportSchema>;
export type WorkerFigures = z.output<typeof WorkerFiguresSchema>;
export type WorkersReport = z.output<typeof WorkersReportSchema>;
export type Report = z.output<typeof ReportSchema>;

/** What a finished (or interrupted) orchestration hands to the report: plain data, never machines. */
export const RunOutcomeSchema = z.object({
  orchestrationId: z.string(),
  skill: z.object({ name: z.string(), version: z.string() }),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  downtimeMs: z.number(),
  process: ProcessMemorySchema.optional(),
  scenarios: z.array(ScenarioProgressSchema),
  barriers: z.array(BarrierRecordSchema),
});

export type RunOutcome = z.output<typeof RunOutcomeSchema>;
