import { setTimeout as sleep } from 'node:timers/promises';
import { createOrchestration, type Orchestration } from '../../../src/api/createOrchestration.ts';
import { defineSkill } from '../../../src/actors/skill.ts';
import type { OrchestrationConfigInput, ScenarioDefinitionInput } from '../../../src/config/schema.ts';

export const latencySkill = (latencyMs: number) =>
  defineSkill({
    name: 'latency',
    version: '1.0.0',
    async run(items, ctx) {
      await sleep(latencyMs, undefined, { signal: ctx.signal });
      return { qualityScore: 0.9, processed: items.length };
    },
  });

const scenario = (name: string, inputSize: number): ScenarioDefinitionInput => ({
  name,
  difficulty: 'easy',
  complexityMultiplier: 1,
  inputSize,
  timeBudgetSeconds: 120,
  memoryLimitMb: 1_000_000,
  errorTolerance: 0,
  skillParams: { batchSize: 2 },
  expectedQuality: 'basic',
  qualityMetrics: ['accuracy'],
});

/** Three scenarios of `batches` batches each, at `latencyMs` per batch, with one barrier at 20%. */
export function slowConfig(batches: number): OrchestrationConfigInput {
  return {
    seed: 1,
    milestones: [0, 20, 50, 100],
    barriers: { at: [20], timeoutMs: 30_000 },
    scenarios: [scenario('alpha', batches * 2), scenario('beta', batches * 2), scenario('gamma', batches * 2)],
  };
}

export function slowRun(batches: number, latencyMs: number): Orchestration {
  return createOrchestration(slowConfig(batches), { skill: latencySkill(latencyMs) });
}
