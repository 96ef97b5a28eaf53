import { z } from 'zod';
import {
  FileDatasetSchema,
  GeneratedDatasetSchema,
  OrchestrationConfigSchema,
  RetrySchema,
  ScenarioDefinitionSchema,
  SkillParamsSchema,
} from './schema.ts';

const config = OrchestrationConfigSchema.shape;
const scenario = ScenarioDefinitionSchema.shape;

/**
 * What editors show beside each field (hover, completion). Kept with the JSON Schema rather than on the
 * fields, so the config schema reads as rules; the wording follows the README's config table.
 */
const descriptions: [z.ZodType, string][] = [
  [config.seed, 'Seeds the generated items and ctx.random(): the same seed gives the same data'],
  [config.skill, 'The skill under test: a built-in { "name" }, a module { "module": "./skill.ts" } (relative to this file) or a program { "command": [...] }, with optional "params" for every scenario'],
  [config.milestones, 'Ascending percentages of each scenario\'s input at which progress is recorded'],
  [config.barriers, 'Milestones where scenarios wait for each other ("at", each one of the milestones), released after "timeoutMs" even if someone is late'],
  [config.retry, 'Attempts per batch and the first backoff (doubling)'],
  [RetrySchema.shape.maxAttempts, 'Attempts per batch, the first included'],
  [RetrySchema.shape.backoffMs, 'Wait before the first retry, in ms (doubling after each)'],
  [config.maxConcurrency, 'Batches in flight across all scenarios at once (default: no bound beyond each scenario\'s parallelWorkers)'],
  [config.isolation, '"worker" runs each scenario\'s skill in its own worker thread whose heap is capped at memoryLimitMb; "none" (default) in this process'],
  [config.scenarios, 'The scenarios to run the skill under (unique names); optional beside "template" and "matrix"'],
  [scenario.name, 'Unique; letters, digits, "_", "." and "-", starting with a letter or digit'],
  [scenario.difficulty, 'A label for people; nothing reads it'],
  [scenario.complexityMultiplier, 'A label for people; nothing reads it'],
  [scenario.inputSize, 'Items to run; required for generated data, defaults to the record count of dataset.file'],
  [scenario.dataset, 'Where items come from: { "file": "items.jsonl" } (.jsonl, .json or .csv, relative to this file) or generated { "distribution": "uniform" | "skewed" }'],
  [FileDatasetSchema.shape.file, 'A .jsonl, .json (an array) or .csv (header row) file, relative to this config file; one item per record'],
  [FileDatasetSchema.shape.sample, 'Which records a smaller inputSize takes: the first N, or a sample seeded by the config\'s seed'],
  [FileDatasetSchema.shape.fingerprint, 'Written by the run when it opens the file: do not write it yourself'],
  [GeneratedDatasetSchema.shape.distribution, 'Items { id, value } generated from the seed; "skewed" squares each draw'],
  [scenario.isolation, 'Overrides the config\'s isolation for this scenario'],
  [scenario.timeBudgetSeconds, 'Working time (not barrier waits or pauses) before the scenario fails with time_budget_exceeded'],
  [scenario.memoryLimitMb, 'Enforced with isolation "worker" (the worker\'s heap), else checked against the memoryMb the skill reports'],
  [scenario.errorTolerance, 'Share of the input (0..1) whose batches may fail after every retry before the scenario fails'],
  [scenario.skillParams, 'Passed to the skill as ctx.params (over the config\'s skill.params); any key of your own too'],
  [SkillParamsSchema.shape.batchSize, 'Items per call of the skill'],
  [SkillParamsSchema.shape.cacheEnabled, 'Reuse a batch\'s stored result when the same skill version ran the same params on the same items'],
  [SkillParamsSchema.shape.parallelWorkers, 'Batches of this scenario in flight at once (results are still recorded in batch order)'],
  [scenario.expectedQuality, 'Judged on the overall score: basic >= 0.6, good >= 0.75, excellent >= 0.9'],
  [scenario.qualityMetrics, 'Scores to report: accuracy (the skill\'s qualityScore), coverage, latency (needs latencyTargetMsPerItem), or any metric the skill returns'],
  [scenario.latencyTargetMsPerItem, 'Busy ms per item at or under which the latency metric scores 1 (above it: target / actual); latency is not measured without it'],
];
for (const [schema, description] of descriptions) if (!z.globalRegistry.has(schema)) z.globalRegistry.add(schema, { description });

/**
 * The JSON Schema of a config file as a user writes it (defaults may be left out), generated from the zod
 * schema so editors complete and check configs by the same rules the loader applies. Draft-07, the draft
 * editors support best. What JSON Schema cannot say (name uniqueness, barriers among the milestones,
 * matrix paths) is still checked when a config loads.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(OrchestrationConfigSchema, {
    io: 'input',
    target: 'draft-07',
    // Records keyed by user-chosen names (skill params) are a zod custom type that keeps "__proto__" keys.
    unrepresentable: () => ({ type: 'object' }),
    override: ({ zodSchema, jsonSchema }) => {
      if (zodSchema !== (OrchestrationConfigSchema as unknown)) return;
      // Beside a template and a matrix, a config's own scenarios are optional.
      const required = (jsonSchema.required ?? []).filter((key) => key !== 'scenarios');
      if (required.length > 0) jsonSchema.required = required;
      else delete jsonSchema.required;
      jsonSchema.anyOf = [{ required: ['scenarios'] }, { required: ['template', 'matrix'] }];
    },
  }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'scenario-orchestrator config',
    description: 'A config for `scenarios run`: a skill, and the scenarios to run it under (written out, or a template and a matrix)',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}

/** The file `scenarios schema` prints and the package ships as scenarios.schema.json. */
export const configJsonSchemaText = (): string => `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
