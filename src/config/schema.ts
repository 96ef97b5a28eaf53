import { z } from 'zod';
import { ownRecord } from '../ownKeys.ts';

/** Percentages of a scenario's input at which progress is recorded. */
const Percent = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

/** Items generated from the seed: `{ id, value }` with `value` in [0, 1). */
export const GeneratedDatasetSchema = z.strictObject({
  distribution: z.enum(['uniform', 'skewed']).default('uniform'),
});

/** What identifies a dataset file's content; recorded when a run starts, so a resume can refuse a changed file. */
export const DatasetFingerprintSchema = z.strictObject({
  bytes: z.int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  records: z.int().min(0),
});

/** Items read from the user's file, one record per item, as written. */
export const FileDatasetSchema = z.strictObject({
  /** .jsonl, .json (an array) or .csv (header row); relative to the config file's folder. */
  file: z.string().min(1, 'must not be empty'),
  /** Which records a smaller `inputSize` takes: the first N, or a sample seeded by the config's seed. */
  sample: z.enum(['first', 'random']).default('first'),
  /** Written by the run when it opens the file (do not write it yourself). */
  fingerprint: DatasetFingerprintSchema.optional(),
});

export const DatasetSchema = z.union([FileDatasetSchema, GeneratedDatasetSchema], {
  error: 'must be { "file": "<path to .jsonl, .json or .csv>", "sample"?: "first" | "random" } or { "distribution": "uniform" | "skewed" }',
});

export const isFileDataset = (dataset: Dataset): dataset is FileDataset => 'file' in dataset;

/**
 * Upper bounds on sizes, so a config one process cannot hold is refused with a message instead of aborting V8.
 * A batch's items are generated (as `{ id, value }` objects, about 50 bytes each) and handed to the skill at
 * once, one batch per scenario at a time: 100,000 items is a few MB, while `batchSize: 1e9` asks for an array
 * of a billion objects. The input itself is never held (batches are generated as they run), but each scenario
 * journals one row per batch and runs one skill call per batch; 10,000,000 items per scenario keeps both
 * within what one process, and the in-memory store, can hold.
 */
export const MAX_BATCH_SIZE = 100_000;
export const MAX_INPUT_SIZE = 10_000_000;

export const SkillParamsSchema = z.looseObject({
  batchSize: z
    // abort: a non-integer (or one past 2^53) gets one message, not also "must be at most".
    .int({ error: 'must be a positive integer', abort: true })
    .positive('must be a positive integer')
    .max(MAX_BATCH_SIZE, `must be at most 100,000: a batch's items are generated and held in memory at once, so a larger batch could exhaust the process's memory`),
  /** Reuse a batch's stored result when the same skill version ran the same params on the same items. */
  cacheEnabled: z.boolean().optional(),
  /** Batches of this scenario in flight at once (results are still recorded in batch order). */
  parallelWorkers: z.int('must be a positive integer').positive('must be a positive integer').max(64, 'must be at most 64').optional(),
});

/**
 * Where a scenario's skill runs: in this process (`none`, the default), or in its own worker thread whose
 * heap is capped at `memoryLimitMb` (`worker`), so the limit is enforced and the memory figure is its own.
 */
export const IsolationSchema = z.enum(['none', 'worker']);

export const ExecutionSchema = z.strictObject({
  mode: z.enum(['local', 'remote']).default('local'),
});

export const QualityLevelSchema = z.enum(['basic', 'good', 'excellent']);

export const ScenarioDefinitionSchema = z.strictObject({
  name: z
    .string()
    .min(1, 'must not be empty')
    .max(64, 'must be at most 64 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must start with a letter or digit and use only letters, digits, "_", "." and "-"'),
  /** A label for people (and the inspector's cards); the orchestrator does not read it. */
  difficulty: z.enum(['easy', 'intermediate', 'advanced']).optional(),
  /** A label for people (and the inspector's cards), e.g. how much harder than the simplest scenario. */
  complexityMultiplier: z.number().positive('must be a positive number').optional(),
  /** Required for generated data; with `dataset.file` it defaults to the file's record count. */
  inputSize: z
    .int({ error: 'must be a positive integer', abort: true })
    .positive('must be a positive integer')
    .max(MAX_INPUT_SIZE, 'must be at most 10,000,000: more than one process should run (split it into several scenarios or runs)')
    .optional(),
  dataset: DatasetSchema.default({ distribution: 'uniform' }),
  /** Overrides the config's `isolation` for this scenario. */
  isolation: IsolationSchema.optional(),
  timeBudgetSeconds: z.number().positive('must be a positive number'),
  memoryLimitMb: z.number().positive('must be a positive number'),
  errorTolerance: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  skillParams: SkillParamsSchema,
  expectedQuality: QualityLevelSchema,
  qualityMetrics: z.array(z.string().min(1)).min(1, 'must name at least one metric'),
  /**
   * Busy ms per item (the report's time per item) at or under which the `latency` metric scores 1; above it
   * latency scores target / actual. Without it a scenario's `latency` is not measured (see docs/metrics.md).
   */
  latencyTargetMsPerItem: z.number().positive('must be a positive number (busy ms per item)').optional(),
});

export const SkillRefSchema = z.union(
  [
    z.strictObject({ name: z.string().min(1), params: ownRecord(z.unknown()).optional() }),
    // A relative path is resolved against the config file's folder by loadConfigFile (against the working
    // directory for a config object built in code).
    z.strictObject({ module: z.string().min(1), params: ownRecord(z.unknown()).optional() }),
    // A program speaking the JSON-lines protocol (docs/skill-protocol.md); one long-lived child per scenario.
    z.strictObject({
      command: z.array(z.string().min(1)).min(1, 'must name the program to run'),
      /** The skill's name and version in reports and cache keys (default: the program's file name, and a hash of it). */
      name: z.string().min(1).optional(),
      version: z.string().min(1).optional(),
      /** Working directory of the child (default: the config file's folder). */
      cwd: z.string().min(1).optional(),
      /** How long a cancelled request may go unanswered before the child is killed and restarted. */
      cancelGraceMs: z.int().min(0).default(2_000),
      params: ownRecord(z.unknown()).optional(),
    }),
  ],
  {
    error:
      'must be { "name": "<built-in skill>" }, { "module": "<path to a skill module>" } or { "command": ["<program>", "<arg>", ...] } (one of them), with optional "params"',
  },
);

/** Every scenario field but `name`, each optional: what the scenarios a `matrix` makes have in common. */
export const ScenarioTemplateSchema = ScenarioDefinitionSchema.omit({ name: true })
  .partial()
  .describe('Every scenario field but "name": what the scenarios the matrix makes share');

/**
 * Scenario field paths (`inputSize`, `skillParams.batchSize`, `dataset.file`, …) and the values to try: one
 * scenario per combination, expanded by validateConfig (see src/config/matrix.ts).
 */
export const MatrixSchema = z
  .record(z.string().min(1, 'must name a scenario field'), z.array(z.unknown()).min(1, 'must list at least one value'))
  .describe('Scenario field paths (e.g. "skillParams.batchSize", "dataset.file") and the values to try: one scenario per combination of values, named from them');

export const RetrySchema = z.strictObject({
  maxAttempts: z.int().min(1, 'must be at least 1').max(20, 'must be at most 20').default(3),
  backoffMs: z.int().min(0, 'must be 0 or more').default(100),
});

/**
 * Which experiment a stored run is a repeat of (see src/api/experiments.ts): written by `scenarios run --repeat`
 * into each repeat's stored config, as a dataset's fingerprint is, so a resume and the experiment report know
 * where the run belongs. `seed` is the experiment's seed, from which each repeat's own seed is derived.
 */
export const ExperimentMembershipSchema = z
  .strictObject({
    id: z.string().min(1),
    index: z.int().min(1),
    of: z.int().min(1).max(100),
    seed: z.int(),
  })
  .describe('Written by the run for each repeat of an experiment (do not write it yourself)');

const ascending = (values: readonly number[]) => values.every((v, i) => i === 0 || v > (values[i - 1] ?? -1));

export const OrchestrationConfigSchema = z
  .strictObject({
    /** For editors (e.g. "./scenarios.schema.json"); the orchestrator ignores it. */
    $schema: z.string().optional().describe('The JSON Schema editors check this file against (ignored when running)'),
    seed: z.int('must be an integer').default(42),
    skill: SkillRefSchema.default({ name: 'simulated' }),
    /**
     * A/B mode: two skills, version a then version b, both run on the same items of every batch in place of
     * `skill` (whose `params` still apply to every scenario); the report compares them (src/ab).
     */
    skills: z.array(SkillRefSchema).length(2, 'must name exactly two skills: version a, then version b (A/B)').optional(),
    milestones: z
      .array(Percent)
      .min(1)
      .refine(ascending, 'must be strictly ascending')
      .default([0, 30, 50, 70, 90, 100]),
    barriers: z
      .strictObject({
        at: z.array(Percent).refine(ascending, 'must be strictly ascending').default([30, 70]),
        timeoutMs: z.int('must be a positive integer').positive('must be a positive integer').default(30_000),
      })
      .default({ at: [30, 70], timeoutMs: 30_000 }),
    retry: RetrySchema.default({ maxAttempts: 3, backoffMs: 100 }),
    /** Batches in flight across all scenarios at once (default: no bound beyond each scenario's parallelWorkers). */
    maxConcurrency: z.int('must be a positive integer').positive('must be a positive integer').optional(),
    /** Where every scenario's skill runs, unless the scenario says otherwise. */
    isolation: IsolationSchema.default('none'),
    /** Where batches run: in this process (`local`), or on `scenarios worker` processes through the Postgres store (`remote`). */
    execution: ExecutionSchema.optional().describe('Where batches run: "local" (this process, the default) or "remote" (scenarios worker processes on any host, through the Postgres store; README "Running on several machines")'),
    /** Runs of the whole orchestration, one after another, grouped as one experiment (default 1: a single run). */
    repeat: z
      .int('must be an integer from 1 to 100')
      .min(1, 'must be an integer from 1 to 100')
      .max(100, 'must be an integer from 1 to 100')
      .optional()
      .describe('Runs of the whole orchestration, one after another, each stored as <experiment>.r<k>, with medians and 95% CIs over them (default 1: one run)'),
    /** With `repeat`: every repeat runs on the config's seed (the same items and draws) instead of a seed of its own. */
    sameData: z.boolean().optional().describe("With repeat: every repeat uses the config's seed (the same items and simulated draws) instead of one derived from it"),
    experiment: ExperimentMembershipSchema.optional(),
    scenarios: z.array(ScenarioDefinitionSchema).min(1, 'must hold at least one scenario'),
    /** With `matrix`: expanded into scenarios (and removed) by validateConfig, beside any `scenarios`. */
    template: ScenarioTemplateSchema.optional(),
    /** Kept after expansion: the report groups scenarios by these parameters. */
    matrix: MatrixSchema.optional(),
  })
  // Runs even when other fields are invalid, so a missing inputSize is named with the rest (the value may
  // then be partly unparsed: read defensively).
  .superRefine(
    (config, ctx) => {
      const scenarios: unknown = (config as { scenarios?: unknown }).scenarios;
      if (!Array.isArray(scenarios)) return;
      scenarios.forEach((scenario: unknown, index) => {
        if (typeof scenario !== 'object' || scenario === null || 'inputSize' in scenario) return;
        const dataset: unknown = (scenario as { dataset?: unknown }).dataset;
        if (typeof dataset === 'object' && dataset !== null && 'file' in dataset) return;
        ctx.addIssue({ code: 'custom', path: ['scenarios', index, 'inputSize'], message: 'is required (expected a positive integer) unless dataset.file is given' });
      });
    },
    { when: () => true },
  )
  .superRefine((config, ctx) => {
    // skill.params are the skill's own, except the ones the orchestrator reads from the merged params too:
    // checked like a scenario's skillParams, so a wrong type is refused instead of silently doing nothing.
    const params = config.skill.params ?? {};
    for (const key of ['cacheEnabled', 'parallelWorkers'] as const) {
      if (!Object.hasOwn(params, key)) continue;
      const checked = SkillParamsSchema.shape[key].safeParse(params[key]);
      if (!checked.success) for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', path: ['skill', 'params', key], message: issue.message });
    }
    const seen = new Map<string, number>();
    config.scenarios.forEach((scenario, index) => {
      const first = seen.get(scenario.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['scenarios', index, 'name'],
          message: `must be unique ("${scenario.name}" is also scenarios[${first}].name)`,
        });
      } else seen.set(scenario.name, index);
    });
    // A/B runs both versions inside one batch call, in this process (src/ab/abSkill.ts).
    if (config.skills && (config.isolation === 'worker' || config.scenarios.some((s) => s.isolation === 'worker'))) {
      ctx.addIssue({ code: 'custom', path: ['skills'], message: 'A/B runs both versions in this process: isolation "worker" is not supported with skills' });
    }
    if (config.execution?.mode === 'remote') {
      if (config.skills) ctx.addIssue({ code: 'custom', path: ['execution', 'mode'], message: 'A/B runs both versions in this process: remote execution is not supported with skills' });
      if (config.isolation === 'worker' || config.scenarios.some((s) => s.isolation === 'worker')) {
        ctx.addIssue({ code: 'custom', path: ['execution', 'mode'], message: 'isolation "worker" runs the skill in threads of this process: with remote execution each worker process is the isolation; remove isolation' });
      }
    }
    config.barriers.at.forEach((milestone, index) => {
      if (milestone === 0) {
        ctx.addIssue({ code: 'custom', path: ['barriers', 'at', index], message: 'must be greater than 0 (every scenario starts together anyway)' });
      } else if (!config.milestones.includes(milestone)) {
        ctx.addIssue({
          code: 'custom',
          path: ['barriers', 'at', index],
          message: `must be one of the milestones (${config.milestones.join(', ')})`,
        });
      }
    });
  });

export type Dataset = z.output<typeof DatasetSchema>;
export type GeneratedDataset = z.output<typeof GeneratedDatasetSchema>;
export type FileDataset = z.output<typeof FileDatasetSchema>;
export type DatasetFingerprint = z.output<typeof DatasetFingerprintSchema>;
export type Isolation = z.output<typeof IsolationSchema>;
export type Execution = z.output<typeof ExecutionSchema>;
export type SkillParams = z.output<typeof SkillParamsSchema>;
export type QualityLevel = z.output<typeof QualityLevelSchema>;
/** A scenario as validated: `inputSize` may still be unknown (a dataset file not yet opened). */
export type ParsedScenarioDefinition = z.output<typeof ScenarioDefinitionSchema>;
/** A scenario ready to run: its input size is known. */
export type ScenarioDefinition = ParsedScenarioDefinition & { inputSize: number };
export type ScenarioDefinitionInput = z.input<typeof ScenarioDefinitionSchema>;
export type SkillRef = z.output<typeof SkillRefSchema>;
export type RetryPolicy = z.output<typeof RetrySchema>;
export type ExperimentMembership = z.output<typeof ExperimentMembershipSchema>;
/** A validated configuration, with every default filled in; a dataset file's size may still be unknown. */
export type ParsedConfig = z.output<typeof OrchestrationConfigSchema>;
/** A configuration ready to run: every scenario's input size is known (see openDatasets). */
export type OrchestrationConfig = Omit<ParsedConfig, 'scenarios'> & { scenarios: ScenarioDefinition[] };
/** What a user writes: defaults may be left out. */
export type OrchestrationConfigInput = z.input<typeof OrchestrationConfigSchema>;
