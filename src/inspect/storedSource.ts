import type { OrchestrationConfig } from '../config/schema.ts';
import { scenarioActorId } from '../machines/orchestratorMachine.ts';
import type { BarrierRecord, Report, ScenarioProgress } from '../report/schema.ts';
import { renderText } from '../report/renderText.ts';
import { graphOf } from './diagram.ts';
import { InspectorModel } from './InspectorModel.ts';
import type { InspectorSource } from './InspectorSource.ts';
import type { LogEntry } from './inspectorView.ts';
import { activeStateIds } from './machineGraph.ts';
import { skillLabel } from '../ab/skillLabel.ts';

/** An orchestration read back from the store (the shape `loadStoredRun` returns). */
export interface StoredRunData {
  id: string;
  config: OrchestrationConfig;
  /** The stored status: running (interrupted), paused, complete or failed. */
  status: string;
  progress: ScenarioProgress[];
  barriers: BarrierRecord[];
  report: Report;
}

/**
 * A stored run as the inspector shows it: final (or last saved) cards, barriers and report, each scenario
 * placed in the statechart by its status, and an event log rebuilt from what the store keeps. Nothing
 * runs, so there are no controls and no updates.
 */
export function storedInspectorSource(run: StoredRunData, now: () => number = Date.now): InspectorSource {
  const model = new InspectorModel({
    orchestrationId: run.id,
    skill: skillLabel(run.report.skill),
    barrierTimeoutMs: run.config.barriers.timeoutMs,
    live: false,
    stored: { status: run.status },
  });
  const finished = run.progress.every((p) => p.status === 'complete' || p.status === 'failed');
  model.setActor({ id: 'orchestrator', machine: 'orchestrator', state: finished ? 'done' : 'running', activeStates: activeStateIds(graphOf('orchestrator'), finished ? 'done' : 'running'), status: finished ? 'done' : 'stopped' });
  for (const saved of run.progress) {
    const progress = asStored(saved, run.status);
    model.setScenario({ name: progress.name, state: progress.status, progress });
    const done = progress.status === 'complete' || progress.status === 'failed';
    model.setActor({ id: scenarioActorId(progress.name), machine: 'scenario', state: progress.status, activeStates: activeStateIds(graphOf('scenario'), progress.status), status: done ? 'done' : 'stopped' });
  }
  for (const barrier of run.barriers) model.setBarrier(barrier);
  for (const entry of storedLog(run)) model.log(entry);
  model.finish(run.report, renderText(run.report));
  return {
    view: () => model.view(now()),
    subscribe: () => () => undefined,
    controls: null,
    close: () => undefined,
  };
}

/**
 * A scenario's card as stored: in a run saved as paused, a scenario that had not finished is paused (its
 * snapshot may still say running, e.g. when the interrupt aborted a batch in flight).
 */
function asStored(progress: ScenarioProgress, runStatus: string): ScenarioProgress {
  if (runStatus !== 'paused' || progress.status !== 'running') return progress;
  return { ...progress, status: 'paused' };
}

/**
 * The event log of a stored run, rebuilt from what the store keeps (it keeps no live events): each
 * scenario's start, milestones, failed batches and outcome with its batch totals, and each barrier's
 * arrivals and release, in time order. Times after a resume are approximate: elapsed times exclude the downtime.
 */
export function storedLog(run: StoredRunData): Omit<LogEntry, 'seq'>[] {
  const starts = run.progress.flatMap((p) => (p.startedAt === null ? [] : [p.startedAt]));
  const runStart = run.report.startedAt !== null ? Date.parse(run.report.startedAt) : Math.min(...starts);
  const entries: Omit<LogEntry, 'seq'>[] = [];
  const add = (at: number, kind: LogEntry['kind'], actor: string, type: string, detail: string, source: string | null = null) => {
    if (Number.isFinite(at)) entries.push({ at, kind, actor, source, type, detail });
  };
  for (const saved of run.progress) {
    const p = asStored(saved, run.status);
    const actor = scenarioActorId(p.name);
    if (p.startedAt === null) continue;
    add(p.startedAt, 'state', actor, 'scenario.start', '→ running');
    for (const milestone of p.milestonesReached) {
      const elapsed = p.milestoneElapsedMs[String(milestone)];
      if (elapsed !== undefined) add(p.startedAt + elapsed, 'event', actor, 'milestone.reached', `${milestone}% after ${formatMs(elapsed)}`);
    }
    for (const error of p.errors) {
      const where = error.batchIndex === undefined ? '' : `batch ${error.batchIndex}${error.attempt === undefined ? '' : `, attempt ${error.attempt}`}: `;
      add(error.at, 'event', actor, error.batchIndex === undefined ? 'scenario.error' : 'batch.failed', `${where}${error.message}`);
    }
    const last = p.finishedAt ?? p.startedAt + p.elapsedMs;
    const retries = p.retries > 0 ? `, ${p.retries} retries` : '';
    const failed = p.itemsFailed > 0 ? `, ${p.itemsFailed} items failed` : '';
    add(last, 'event', actor, 'batches', `${p.batchCount} of ${p.batchesTotal} batches settled, ${p.itemsProcessed} of ${p.inputSize} items processed${failed}${retries}`);
    const outcome = p.status === 'failed' && p.failureReason ? `failed (${p.failureReason.replaceAll('_', ' ')})` : p.status;
    add(last, 'state', actor, p.finishedAt === null ? 'scenario.saved' : `scenario.${p.status}`, `→ ${outcome} after ${formatMs(p.elapsedMs)}`);
  }
  for (const barrier of run.barriers) {
    for (const [scenario, ms] of Object.entries(barrier.arrivedAtMs)) {
      add(runStart + ms, 'event', 'orchestrator', 'barrier.arrived', `${barrier.milestone}%`, scenarioActorId(scenario));
    }
    const late = barrier.late.length > 0 ? `; late: ${barrier.late.join(', ')}` : '';
    add(runStart + barrier.releasedAtMs, 'event', 'orchestrator', 'barrier.released', `${barrier.milestone}% by ${barrier.releasedBy}${late}`);
  }
  // Stable: at equal times the order above (start, milestone, batches, outcome) holds.
  return entries.sort((a, b) => a.at - b.at);
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
