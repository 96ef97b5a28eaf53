import type { OrchestrationConfig } from '../config/schema.ts';
import { scenarioActorId } from '../machines/orchestratorMachine.ts';
import type { BarrierRecord, Report, ScenarioProgress } from '../report/schema.ts';
import { renderText } from '../report/renderText.ts';
import { graphOf } from './diagram.ts';
import { InspectorModel } from './InspectorModel.ts';
import type { InspectorSource } from './InspectorSource.ts';
import { activeStateIds } from './machineGraph.ts';

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
 * placed in the statechart by its status. Nothing runs, so there are no controls and no updates.
 */
export function storedInspectorSource(run: StoredRunData, now: () => number = Date.now): InspectorSource {
  const model = new InspectorModel({
    orchestrationId: run.id,
    skill: `${run.report.skill.name}@${run.report.skill.version}`,
    barrierTimeoutMs: run.config.barriers.timeoutMs,
    live: false,
    stored: { status: run.status },
  });
  const finished = run.progress.every((p) => p.status === 'complete' || p.status === 'failed');
  model.setActor({ id: 'orchestrator', machine: 'orchestrator', state: finished ? 'done' : 'running', activeStates: activeStateIds(graphOf('orchestrator'), finished ? 'done' : 'running'), status: finished ? 'done' : 'stopped' });
  for (const progress of run.progress) {
    model.setScenario({ name: progress.name, state: progress.status, progress });
    const done = progress.status === 'complete' || progress.status === 'failed';
    model.setActor({ id: scenarioActorId(progress.name), machine: 'scenario', state: progress.status, activeStates: activeStateIds(graphOf('scenario'), progress.status), status: done ? 'done' : 'stopped' });
  }
  for (const barrier of run.barriers) model.setBarrier(barrier);
  model.finish(run.report, renderText(run.report));
  return {
    view: () => model.view(now()),
    subscribe: () => () => undefined,
    controls: null,
    close: () => undefined,
  };
}
