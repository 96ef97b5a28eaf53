import { withAbReport } from '../ab/attachAbReport.ts';
import { isRemoteRun, withWorkersReport } from '../remote/workerReport.ts';
import type { OrchestrationConfig } from '../config/schema.ts';
import { ScenarioError } from '../errors.ts';
import type { OrchestratorContext } from '../machines/orchestratorMachine.ts';
import { scenarioActorId } from '../machines/orchestratorMachine.ts';
import { finishedProgress } from '../machines/finishedScenarios.ts';
import type { OrchestrationStatus, SnapshotStore } from '../persistence/SnapshotStore.ts';
import { buildReport } from '../report/buildReport.ts';
import type { BarrierRecord, Report, ScenarioProgress } from '../report/schema.ts';
import { toOutcome } from './createOrchestration.ts';
import { checkStoredRow } from './durableOrchestration.ts';

export interface StoredRun {
  id: string;
  config: OrchestrationConfig;
  status: OrchestrationStatus;
  progress: ScenarioProgress[];
  barriers: BarrierRecord[];
  report: Report;
  owner: string | null;
  leaseExpiresAt: number | null;
  /** How long the lease has left by the store's clock (null: no lease). */
  leaseRemainingMs: number | null;
  updatedAt: number;
}

interface PersistedTree {
  status: string;
  context: OrchestratorContext;
  children: Record<string, { snapshot?: { context?: { progress?: ScenarioProgress } } } | undefined>;
}

/**
 * Reads a stored orchestration without running anything: progress from the persisted actor tree
 * (finished scenarios from the orchestrator's context, live ones from their child snapshots) and the
 * report built from it, so an interrupted run can be inspected too.
 */
export async function loadStoredRun(store: SnapshotStore, id: string): Promise<StoredRun> {
  const row = await store.load(id);
  if (!row) throw new ScenarioError('not_found', `no orchestration "${id}" in ${store.description} (see scenarios list)`);
  // Reading is not resuming: say what is missing rather than checkStoredRow's "cannot resume".
  if (row.snapshot === null) {
    throw new ScenarioError('snapshot_invalid', `orchestration "${id}" has no saved state to show: its process stopped before the run started (status ${row.status}); start it with scenarios resume ${id}`);
  }
  const config = checkStoredRow(row, 'read');
  const tree = row.snapshot as PersistedTree;
  const context = tree.context;
  const progress = config.scenarios.flatMap((s) => {
    const finished = finishedProgress(context.finished, s.name);
    if (finished) return [finished];
    const live = tree.children[scenarioActorId(s.name)]?.snapshot?.context?.progress;
    if (!live) return [];
    // Interrupted mid-batch, a scenario was still draining (its own status "running") when the process
    // stopped; the run is paused, and resuming re-runs that batch, so the scenario is paused too.
    return [row.status === 'paused' && live.status === 'running' ? { ...live, status: 'paused' as const } : live];
  });
  const barriers = context.book.released;
  const built = buildReport(
    toOutcome(id, row.skill, { startedAt: context.startedAt, finishedAt: context.finishedAt, downtimeMs: context.downtimeMs, scenarios: progress, barriers }),
    config,
  );
  // An A/B run's comparison comes from the journal (src/ab), as when it ran.
  const withAb = await withAbReport(built, config, store, row.skill);
  // A remote run's per-worker figures come from the journal too.
  const report = isRemoteRun(config) ? await withWorkersReport(withAb, config, store) : withAb;
  return { id, config, status: row.status, progress, barriers, report, owner: row.owner, leaseExpiresAt: row.leaseExpiresAt, leaseRemainingMs: row.leaseRemainingMs ?? null, updatedAt: row.updatedAt };
}
