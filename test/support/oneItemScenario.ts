/** A scenario of one-item batches with budgets out of the way, for tests that care about batch counts. */
export function oneItemScenario(name: string, inputSize: number) {
  return {
    name,
    difficulty: 'easy' as const,
    complexityMultiplier: 1,
    inputSize,
    timeBudgetSeconds: 300,
    memoryLimitMb: 1e6,
    errorTolerance: 0,
    skillParams: { batchSize: 1 },
    expectedQuality: 'basic' as const,
    qualityMetrics: ['accuracy'],
  };
}
