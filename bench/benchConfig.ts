import { defineSkill } from '../src/actors/skill.ts';

/** A skill that returns at once, so a benchmark measures the orchestration, not the work. */
export const noopSkill = defineSkill({ name: 'noop', version: '1', run: (items) => ({ qualityScore: 0.9, processed: items.length }) });

export const benchScenarioNames = ['simple', 'medium', 'complex'];

/** Three scenarios of `batches` one-item batches each, barriers at 30% and 70%, budgets out of the way. */
export function benchConfig(batches: number) {
  return {
    barriers: { at: [30, 70] },
    scenarios: benchScenarioNames.map((name) => ({
      name,
      difficulty: 'easy' as const,
      complexityMultiplier: 1,
      inputSize: batches,
      timeBudgetSeconds: 3600,
      memoryLimitMb: 1e6,
      errorTolerance: 0,
      skillParams: { batchSize: 1 },
      expectedQuality: 'basic' as const,
      qualityMetrics: ['accuracy'],
    })),
  };
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
