/**
 * What `scenarios init` writes: a config that explains itself in comments (config files may hold them)
 * and a skill to replace with the user's own. The config runs as written, over the skill file.
 */

export const STARTER_CONFIG_FILE = 'scenarios.config.jsonc';

/** Where editors find the schema once the package is installed (`scenarios schema` prints the same). */
export const SCHEMA_REFERENCE = './node_modules/scenario-orchestrator/scenarios.schema.json';

export const skillFileName = (language: 'ts' | 'js') => (language === 'ts' ? 'skill.ts' : 'skill.mjs');

export function starterConfig(skillFile: string): string {
  return `// The scenarios to run your skill under: npx scenarios run ${STARTER_CONFIG_FILE}
// Comments are fine in this file. "$schema" lets editors complete and check every field
// (the same rules the CLI applies; print them with: npx scenarios schema).
{
  "$schema": "${SCHEMA_REFERENCE}",
  // Seeds the generated items and ctx.random(): the same seed gives the same data.
  "seed": 42,
  // The skill under test: ${skillFile} (its default export is defineSkill({ name, version, run })).
  // Others: { "name": "simulated" } (built in), { "command": ["python3", "my_skill.py"] } (any language).
  // "params" reach the skill as ctx.params, merged with each scenario's skillParams.
  "skill": { "module": "./${skillFile}", "params": { "delayMs": 5 } },
  // Scenarios wait for each other at these milestones (percent of their input), at most timeoutMs.
  "barriers": { "at": [30, 70], "timeoutMs": 30000 },
  "scenarios": [
    {
      "name": "simple",
      // Items to generate. To read your own instead: "dataset": { "file": "items.jsonl" }
      // (.jsonl, .json or .csv, relative to this file); inputSize then defaults to its record count.
      "inputSize": 100,
      "dataset": { "distribution": "uniform" }, // or "skewed"
      // Items per call of the skill; any other key here reaches ctx.params too.
      "skillParams": { "batchSize": 10 },
      "timeBudgetSeconds": 30, // working time (not barrier waits or pauses) before the scenario fails
      "memoryLimitMb": 256,
      "errorTolerance": 0, // share of the input whose batches may fail after every retry
      "expectedQuality": "good", // judged on the overall score: basic >= 0.6, good >= 0.75, excellent >= 0.9
      "qualityMetrics": ["accuracy", "coverage"] // accuracy: the skill's qualityScore; coverage: items processed
    },
    {
      "name": "medium",
      "inputSize": 300,
      "dataset": { "distribution": "uniform" },
      "skillParams": { "batchSize": 50 },
      "timeBudgetSeconds": 90,
      "memoryLimitMb": 512,
      "errorTolerance": 0.05,
      "expectedQuality": "good",
      "qualityMetrics": ["accuracy", "coverage"]
    },
    {
      "name": "complex",
      "inputSize": 800,
      "dataset": { "distribution": "skewed" },
      "skillParams": { "batchSize": 100 },
      "timeBudgetSeconds": 300,
      "memoryLimitMb": 1024,
      "errorTolerance": 0.1,
      "expectedQuality": "basic",
      "qualityMetrics": ["accuracy", "coverage"]
    }
  ]
  // Instead of writing every scenario, vary fields over a matrix: one scenario per combination,
  // named from its values (batchSize-10_inputSize-100, ...), and the report groups by them:
  // "template": { "timeBudgetSeconds": 60, "memoryLimitMb": 512, "errorTolerance": 0.05,
  //               "expectedQuality": "good", "qualityMetrics": ["accuracy"], "skillParams": { "batchSize": 10 } },
  // "matrix": { "skillParams.batchSize": [10, 50], "inputSize": [100, 800] }
}
`;
}

const skillBody = (typed: boolean) => `
/**
 * Your skill: called once per batch of items, in every scenario of ${STARTER_CONFIG_FILE}.
 * This one is a stand-in, a toy classifier over the generated items { id, value }: replace the
 * body of run with your own work (a model call, a parser, a prompt) and say how good its output was.
 * It must be idempotent per ctx.idempotencyKey: after a crash, the batch in flight runs again.
 */
export default defineSkill({
  name: 'my-skill',
  version: '0.1.0',
  async run(items, ctx) {
    // ctx.params: the config's skill.params merged with the scenario's skillParams.
    const delayMs = typeof ctx.params.delayMs === 'number' ? ctx.params.delayMs : 5;
    // Stop as soon as the scenario stops waiting for this batch (time budget, pause, cancel).
    await pause(delayMs, ctx.signal);
    // The toy rule calls a value "high" above 0.5, and gets it wrong within 0.05 of it.
    const correct = items.filter((item) => Math.abs(item.value - 0.5) > 0.05).length;
    return {
      qualityScore: items.length === 0 ? 1 : correct / items.length, // 0..1, reported as accuracy
      processed: items.length, // the rest of the batch, if any, counts as failed
    };
  },
});

/** Waits ms milliseconds, or rejects as soon as signal aborts. */
function pause(ms${typed ? ': number' : ''}, signal${typed ? ': AbortSignal' : ''})${typed ? ': Promise<void>' : ''} {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
`;

export function starterSkill(language: 'ts' | 'js'): string {
  return `import { defineSkill } from 'scenario-orchestrator';
${skillBody(language === 'ts')}`;
}
