/**
 * What every benchmark runs: the skills, the scenario configs, and the bare baseline (a plain async loop
 * over the same scenarios calling the same skill on the same batches) that the project is measured against.
 */
import { generateItems } from '../src/actors/inputData.ts';
import { randomFor } from '../src/actors/seededRandom.ts';
import { SkillResultSchema, defineSkill, type Skill, type SkillContext } from '../src/actors/skill.ts';
import type { OrchestrationConfigInput } from '../src/config/schema.ts';

/** A skill that returns at once, so a benchmark measures the orchestration, not the work. */
export const noopSkill = defineSkill({ name: 'noop', version: '1', run: (items) => ({ qualityScore: 0.9, processed: items.length }) });

/** A skill that waits `ms` on a timer per batch (a stand-in for I/O-bound work such as a model call). */
export function sleepSkill(ms: number): Skill {
  return defineSkill({
    name: `sleep-${ms}ms`,
    version: '1',
    run: (items) => new Promise((resolve) => setTimeout(() => resolve({ qualityScore: 0.9, processed: items.length }), ms)),
  });
}

export const benchScenarioNames = ['simple', 'medium', 'complex'];

/** `n` scenario names: the seed's three for n = 3, else `s0`, `s1`, ... */
export function scenarioNames(n: number): string[] {
  return n === 3 ? benchScenarioNames : Array.from({ length: n }, (_, i) => `s${i}`);
}

export interface BenchShape {
  scenarios: number;
  /** Batches per scenario. */
  batches: number;
  /** Items per batch. */
  batchSize: number;
}

/** `scenarios` scenarios of `batches` batches of `batchSize` items, barriers at 30% and 70%, budgets out of the way. */
export function benchConfig(shape: BenchShape): OrchestrationConfigInput {
  return {
    seed: 42,
    // Released only by the last arrival, never by the timeout, however long arrivals take at scale.
    barriers: { at: [30, 70], timeoutMs: 3_600_000 },
    scenarios: scenarioNames(shape.scenarios).map((name) => ({
      name,
      inputSize: shape.batches * shape.batchSize,
      timeBudgetSeconds: 36_000,
      memoryLimitMb: 1e6,
      errorTolerance: 0,
      skillParams: { batchSize: shape.batchSize },
      expectedQuality: 'basic' as const,
      qualityMetrics: ['accuracy'],
    })),
  };
}

export const totalBatches = (shape: BenchShape) => shape.scenarios * shape.batches;

/**
 * One batch as the project's batch runner does it, minus the orchestration: the same items
 * (`generateItems`), the same context fields, the same result validation. The bare loop and the
 * LangGraph port both call this, so what differs between contenders is the framework around it.
 */
export async function runBatch(name: string, index: number, batchSize: number, skill: Skill, signal: AbortSignal) {
  const ctx: SkillContext = {
    scenario: name, params: { batchSize }, signal, batchIndex: index, attempt: 1,
    idempotencyKey: `bare/${name}/batch/${index}`, seed: 42, random: randomFor(42, name, 'batch', index, 1),
  };
  return SkillResultSchema.parse(await skill.run(generateItems(42, name, { distribution: 'uniform' }, index * batchSize, batchSize), ctx));
}

/**
 * The bare baseline: one plain async loop per scenario over batches [from, to), all awaited together
 * (no actors, barriers, progress, journal or report). Returns the number of batches run.
 */
export async function bareLoop(shape: BenchShape, skill: Skill, from = 0, to = shape.batches): Promise<number> {
  const signal = new AbortController().signal;
  let done = 0;
  await Promise.all(
    scenarioNames(shape.scenarios).map(async (name) => {
      for (let i = from; i < to; i++) {
        await runBatch(name, i, shape.batchSize, skill, signal);
        done += 1;
      }
    }),
  );
  return done;
}
