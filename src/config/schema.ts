import { z } from 'zod';
import { ownRecord } from '../ownKeys.ts';

/** Percentages of a scenario's input at which progress is recorded. */
const Percent = z.number().min(0, 'must be between 0 and 100').max(100, 'must be between 0 and 100');

export const DatasetSchema = z.strictObject({
  distribution: z.enum(['uniform', 'skewed']).default('uniform'),
});

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
  cacheEnabled: z.boolean().optional(),
  parallelWorkers: z.int('must be a positive integer').positive('must be a positive integer').optional(),
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
  inputSize: z
    .int({ error: 'must be a positive integer', abort: true })
    .positive('must be a positive integer')
    .max(MAX_INPUT_SIZE, 'must be at most 10,000,000: more than one process should run (split it into several scenarios or runs)'),
  dataset: DatasetSchema.default({ distribution: 'uniform' }),
  timeBudgetSeconds: z.number().positive('must be a positive number'),
  memoryLimitMb: z.number().positive('must be a positive number'),
  errorTolerance: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  skillParams: SkillParamsSchema,
  expectedQuality: QualityLevelSchema,
  qualityMetrics: z.array(z.string().min(1)).min(1, 'must name at least one metric'),
});

export const SkillRefSchema = z.union(
  [
    z.strictObject({ name: z.string().min(1), params: ownRecord(z.unknown()).optional() }),
    // A relative path is resolved against the config file's folder by loadConfigFile (against the working
    // directory for a config object built in code).
    z.strictObject({ module: z.string().min(1), params: ownRecord(z.unknown()).optional() }),
  ],
  { error: 'must be { "name": "<built-in skill>" } or { "module": "<path to a skill module>" } (one of them), with optional "params"' },
);

export const RetrySchema = z.strictObject({
  maxAttempts: z.int().min(1, 'must be at least 1').max(20, 'must be at most 20').default(3),
  backoffMs: z.int().min(0, 'must be 0 or more').default(100),
});

const ascending = (values: readonly number[]) => values.every((v, i) => i === 0 || v > (values[i - 1] ?? -1));

export const OrchestrationConfigSchema = z
  .strictObject({
    seed: z.int('must be an integer').default(42),
    skill: SkillRefSchema.default({ name: 'simulated' }),
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
    scenarios: z.array(ScenarioDefinitionSchema).min(1, 'must hold at least one scenario'),
  })
  .superRefine((config, ctx) => {
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
export type SkillParams = z.output<typeof SkillParamsSchema>;
export type QualityLevel = z.output<typeof QualityLevelSchema>;
export type ScenarioDefinition = z.output<typeof ScenarioDefinitionSchema>;
export type ScenarioDefinitionInput = z.input<typeof ScenarioDefinitionSchema>;
export type SkillRef = z.output<typeof SkillRefSchema>;
export type RetryPolicy = z.output<typeof RetrySchema>;
/** A validated configuration, with every default filled in. */
export type OrchestrationConfig = z.output<typeof OrchestrationConfigSchema>;
/** What a user writes: defaults may be left out. */
export type OrchestrationConfigInput = z.input<typeof OrchestrationConfigSchema>;
