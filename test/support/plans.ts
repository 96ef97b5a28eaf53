import type { ScenarioDefinitionInput } from '../../src/config/schema.ts';
import { ScenarioDefinitionSchema } from '../../src/config/schema.ts';
import { planScenario, type ScenarioPlan } from '../../src/machines/scenarioPlan.ts';

/** A valid scenario definition for tests: 4 items in batches of 1 unless overridden. */
export function scenarioDefinition(overrides: Partial<ScenarioDefinitionInput> = {}): ScenarioDefinitionInput {
  return {
    name: 'alpha',
    difficulty: 'easy',
    complexityMultiplier: 1,
    inputSize: 4,
    timeBudgetSeconds: 1,
    memoryLimitMb: 4096,
    errorTolerance: 0.25,
    skillParams: { batchSize: 1 },
    expectedQuality: 'basic',
    qualityMetrics: ['accuracy'],
    ...overrides,
  };
}

export interface TestPlanOptions {
  definition?: Partial<ScenarioDefinitionInput>;
  orchestrationId?: string;
  seed?: number;
  milestones?: number[];
  barriers?: number[];
  maxAttempts?: number;
  backoffMs?: number;
}

/**
 * A plan built the way the library builds one (planScenario over a parsed definition). Defaults: 4 batches
 * of 1 item, milestones every 25 %, one barrier at 50 %, 2 attempts per batch with a 10 ms backoff,
 * error tolerance 0.25 (one failed item is fine, two are not), 1 s time budget, 4 GiB memory limit.
 */
export function testPlan(options: TestPlanOptions = {}): ScenarioPlan {
  const definition = ScenarioDefinitionSchema.parse(scenarioDefinition(options.definition));
  const { inputSize } = definition;
  if (inputSize === undefined) throw new Error('testPlan needs an inputSize');
  return planScenario({
    orchestrationId: options.orchestrationId ?? 'orch-test',
    definition: { ...definition, inputSize },
    seed: options.seed ?? 1,
    milestones: options.milestones ?? [0, 25, 50, 75, 100],
    barriers: options.barriers ?? [50],
    retry: { maxAttempts: options.maxAttempts ?? 2, backoffMs: options.backoffMs ?? 10 },
  });
}
