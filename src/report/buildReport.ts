import type { OrchestrationConfig, ScenarioDefinition } from '../config/schema.ts';
import { copyRecord, emptyRecord } from '../ownKeys.ts';
import { checkBudgets } from './budgets.ts';
import { isoFromEpochMs } from './format.ts';
import { computeQualityScores, ignoredSkillMetrics, unmeasuredMetrics, type QualityScores } from './quality.ts';
import { rankByQuality } from './ranking.ts';
import { recommend } from './recommendations.ts';
import { roundTo } from './round.ts';
import { fitScaling } from './scaling.ts';
import { itemsTheSkillProcessed, timePerItemMs as timePerItemOf } from './timePerItem.ts';
import { matrixReport } from './matrix.ts';
import type { IgnoredSkillMetric, MissingMetric, Report, RunOutcome, ScenarioProgress, ScenarioReport } from './schema.ts';

function definitionFor(progress: ScenarioProgress, config: OrchestrationConfig): ScenarioDefinition {
  const definition = config.scenarios.find((s) => s.name === progress.name);
  if (definition === undefined) {
    const known = config.scenarios.map((s) => `"${s.name}"`).join(', ');
    throw new Error(
      `Cannot build the report: the run has a scenario "${progress.name}" that the configuration does not define (it defines ${known}).`,
    );
  }
  return definition;
}

function scenarioReport(progress: ScenarioProgress, qualityScores: QualityScores): ScenarioReport {
  return {
    status: progress.status,
    ...(progress.failureReason === undefined ? {} : { failureReason: progress.failureReason }),
    progressPct: progress.progressPct,
    itemsProcessed: progress.itemsProcessed,
    itemsFailed: progress.itemsFailed,
    batchCount: progress.batchCount,
    cachedBatches: progress.cachedBatches ?? 0,
    cachedItems: progress.cachedItems ?? 0,
    milestonesReached: [...progress.milestonesReached],
    milestoneElapsedMs: { ...progress.milestoneElapsedMs },
    elapsedMs: progress.elapsedMs,
    busyMs: progress.busyMs,
    waitingMs: progress.waitingMs,
    pausedMs: progress.pausedMs,
    memoryUsedMb: progress.memoryUsedMb,
    qualityScores,
    errors: progress.errors.map((e) => ({
      at: isoFromEpochMs(e.at),
      message: e.message,
      ...(e.batchIndex === undefined ? {} : { batchIndex: e.batchIndex }),
    })),
  };
}

/** `{ matrix }` for a config with a scenario matrix, nothing otherwise (the report of a config without one is as it was). */
function withMatrix(config: OrchestrationConfig): Pick<Report, 'matrix'> {
  const matrix = matrixReport(config);
  return matrix === undefined ? {} : { matrix };
}

/** Turns what a run produced into the report every renderer and `--json` share. */
export function buildReport(outcome: RunOutcome, config: OrchestrationConfig): Report {
  // No prototype: scenario names such as `toString` or `__proto__` are keys like any other.
  const scenarios: Report['scenarios'] = emptyRecord();
  const budgets: Report['budgets'] = emptyRecord();
  const timePerItemMs: Report['comparison']['timePerItemMs'] = emptyRecord();
  // One entry per metric and reason, listing the scenarios it applies to, in the order first seen.
  const missing = new Map<string, MissingMetric>();
  const ignored = new Map<string, IgnoredSkillMetric>();

  for (const progress of outcome.scenarios) {
    const definition = definitionFor(progress, config);
    const qualityScores = computeQualityScores(progress, definition);
    scenarios[progress.name] = scenarioReport(progress, qualityScores);
    budgets[progress.name] = checkBudgets(progress, definition, qualityScores.overall ?? null);
    timePerItemMs[progress.name] = timePerItemOf(progress);
    for (const { metric, reason } of unmeasuredMetrics(progress, definition, qualityScores)) {
      const key = `${reason}/${metric}`;
      const entry = missing.get(key) ?? { metric, reason, scenarios: [] };
      entry.scenarios.push(progress.name);
      missing.set(key, entry);
    }
    for (const metric of ignoredSkillMetrics(progress, definition)) {
      const entry = ignored.get(metric) ?? { metric, scenarios: [] };
      entry.scenarios.push(progress.name);
      ignored.set(metric, entry);
    }
  }

  const { qualityRanking, rankingBasis } = rankByQuality(scenarios);
  const scaling = fitScaling(
    outcome.scenarios
      .filter((p) => p.status === 'complete')
      .map((p) => ({
        name: p.name,
        items: itemsTheSkillProcessed(p),
        batches: p.batchCount - (p.cachedBatches ?? 0),
        busyMs: p.busyMs,
        batchSize: p.batchSize,
        cachedBatches: p.cachedBatches ?? 0,
      })),
  );

  const draft: Omit<Report, 'recommendations'> = {
    orchestrationId: outcome.orchestrationId,
    skill: { ...outcome.skill },
    seed: config.seed,
    startedAt: outcome.startedAt === null ? null : isoFromEpochMs(outcome.startedAt),
    finishedAt: outcome.finishedAt === null ? null : isoFromEpochMs(outcome.finishedAt),
    downtimeMs: outcome.downtimeMs,
    ...(outcome.process === undefined ? {} : { process: { peakHeapMb: roundTo(outcome.process.peakHeapMb, 1), peakRssMb: roundTo(outcome.process.peakRssMb, 1) } }),
    scenarios,
    barriers: outcome.barriers.map((b) => ({ ...b, arrived: [...b.arrived], late: [...b.late], arrivedAtMs: copyRecord(b.arrivedAtMs) })),
    comparison: { qualityRanking, rankingBasis, missingMetrics: [...missing.values()], ignoredSkillMetrics: [...ignored.values()], timePerItemMs, scaling },
    budgets,
    ...withMatrix(config),
  };
  return { ...draft, recommendations: recommend(draft) };
}
