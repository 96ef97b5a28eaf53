import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import type { OrchestrationConfig, ScenarioDefinition } from '../../src/config/schema.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { startOrder } from '../../src/report/experimentOrder.ts';
import type { ExperimentRepeat } from '../../src/report/experimentReport.ts';
import type { Report, RunOutcome, ScenarioProgress } from '../../src/report/schema.ts';

export const config: OrchestrationConfig = parseConfig(defaultConfig);

export function definition(name: string): ScenarioDefinition {
  const found = config.scenarios.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no scenario ${name} in the default config`);
  return found;
}

/** A finished scenario that processed its whole input; override what a test is about. */
export function progress(name: string, overrides: Partial<ScenarioProgress> = {}): ScenarioProgress {
  const def = config.scenarios.find((s) => s.name === name);
  const inputSize = overrides.inputSize ?? def?.inputSize ?? 100;
  const batchSize = overrides.batchSize ?? def?.skillParams.batchSize ?? 10;
  const itemsProcessed = overrides.itemsProcessed ?? inputSize;
  return {
    name,
    status: 'complete',
    progressPct: 100,
    itemsProcessed,
    itemsFailed: 0,
    inputSize,
    batchSize,
    batchCount: Math.ceil(itemsProcessed / batchSize),
    batchesTotal: Math.ceil(inputSize / batchSize),
    milestonesReached: [0, 30, 50, 70, 90, 100],
    currentMilestone: 100,
    milestoneElapsedMs: {},
    startedAt: 1_700_000_000_000,
    finishedAt: 1_700_000_010_000,
    elapsedMs: 10_000,
    busyMs: itemsProcessed * 10,
    waitingMs: 0,
    pausedMs: 0,
    memoryUsedMb: 64,
    quality: { items: itemsProcessed, sums: { accuracy: itemsProcessed * 0.9 } },
    errors: [],
    errorCount: 0,
    retries: 0,
    ...overrides,
  };
}

export function outcome(scenarios: ScenarioProgress[], overrides: Partial<RunOutcome> = {}): RunOutcome {
  return {
    orchestrationId: 'run-1',
    skill: { name: 'simulated', version: '1.0.0' },
    startedAt: 1_700_000_000_000,
    finishedAt: 1_700_000_012_345,
    downtimeMs: 0,
    scenarios,
    barriers: [],
    ...overrides,
  };
}

/** Two completed scenarios, one failed, one barrier released by timeout: every section has content. */
export function smallReport(): Report {
  return buildReport(
    outcome(
      [
        progress('simple', { busyMs: 1_000, elapsedMs: 4_000, waitingMs: 3_000, quality: { items: 100, sums: { accuracy: 95 } } }),
        progress('medium', { busyMs: 2_400, quality: { items: 300, sums: { accuracy: 255 } } }),
        progress('complex', {
          status: 'failed',
          failureReason: 'error_tolerance_exceeded',
          progressPct: 62.5,
          itemsProcessed: 400,
          itemsFailed: 100,
          busyMs: 2_000,
          errors: [{ at: 1_700_000_005_000, message: 'upstream 503', batchIndex: 4 }],
        }),
      ],
      {
        barriers: [
          { milestone: 30, releasedBy: 'all-arrived', arrived: ['simple', 'medium', 'complex'], late: [], arrivedAtMs: {}, openedAtMs: 100, releasedAtMs: 900 },
          { milestone: 70, releasedBy: 'timeout', arrived: ['simple', 'medium'], late: ['complex'], arrivedAtMs: {}, openedAtMs: 1_000, releasedAtMs: 31_000 },
        ],
      },
    ),
    config,
  );
}

/** Two completed scenarios that measure different metrics (f1 and recall), so they share none to rank on. */
export function unrankableReport(): Report {
  const own: OrchestrationConfig = {
    ...config,
    scenarios: config.scenarios.map((s) => ({ ...s, qualityMetrics: s.name === 'simple' ? ['f1'] : ['recall'] })),
  };
  return buildReport(
    outcome([
      progress('simple', { quality: { items: 100, sums: { accuracy: 90, f1: 80 } } }),
      progress('medium', { quality: { items: 300, sums: { accuracy: 270, recall: 150 } } }),
    ]),
    own,
  );
}

/**
 * Repeat `index` of experiment E as a stored run, as `scenarios --repeat` keeps it: the scenarios of `names`
 * that have progress, in that repeat's rotated start order, with their batch sizes (1 when not given).
 */
export function storedRepeat(
  names: readonly string[],
  index: number,
  scenarios: ScenarioProgress[],
  status: ExperimentRepeat['status'] = 'complete',
  batchSizes: Record<string, number> = {},
): ExperimentRepeat {
  const order = startOrder([...names], index);
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const inOrder = order.flatMap((name) => (byName.has(name) ? [byName.get(name) as ScenarioProgress] : []));
  return {
    index,
    runId: `E.r${index}`,
    seed: 1000 + index,
    status,
    report: buildReport(outcome(inOrder, { orchestrationId: `E.r${index}` }), config),
    scenarios: order.map((name) => ({ name, batchSize: batchSizes[name] ?? 1 })),
  };
}
