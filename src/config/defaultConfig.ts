import type { OrchestrationConfigInput } from './schema.ts';

/** The seed's three scenarios: the same skill under growing input, batch size, budget and tolerance. */
export const defaultConfig = {
  seed: 42,
  skill: { name: 'simulated' },
  milestones: [0, 30, 50, 70, 90, 100],
  barriers: { at: [30, 70], timeoutMs: 30_000 },
  // No `cacheEnabled` (the seed had it on every scenario, where it did nothing): with the cache honoured, a
  // second `scenarios run` would take every batch from the first and measure nothing. Turn it on yourself.
  scenarios: [
    {
      name: 'simple',
      difficulty: 'easy',
      complexityMultiplier: 1,
      inputSize: 100,
      dataset: { distribution: 'uniform' },
      timeBudgetSeconds: 30,
      memoryLimitMb: 256,
      errorTolerance: 0,
      skillParams: { batchSize: 10 },
      expectedQuality: 'basic',
      qualityMetrics: ['accuracy', 'coverage'],
    },
    {
      name: 'medium',
      difficulty: 'intermediate',
      complexityMultiplier: 3,
      inputSize: 300,
      dataset: { distribution: 'uniform' },
      timeBudgetSeconds: 90,
      memoryLimitMb: 512,
      errorTolerance: 0.05,
      skillParams: { batchSize: 50 },
      expectedQuality: 'good',
      qualityMetrics: ['accuracy', 'coverage'],
    },
    {
      name: 'complex',
      difficulty: 'advanced',
      complexityMultiplier: 8,
      inputSize: 800,
      dataset: { distribution: 'skewed' },
      timeBudgetSeconds: 300,
      memoryLimitMb: 1024,
      errorTolerance: 0.1,
      skillParams: { batchSize: 100, parallelWorkers: 4 },
      expectedQuality: 'excellent',
      qualityMetrics: ['accuracy', 'coverage', 'latency'],
      // The simulated skill's 100 ms per batch of 100 is 1 ms per item before overhead on one worker; busy
      // time counts overlapping batches once, so with 4 in flight a default run takes about 0.4 ms per item.
      latencyTargetMsPerItem: 1,
    },
  ],
} as const satisfies OrchestrationConfigInput;
