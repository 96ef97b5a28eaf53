import type { AnyActorRef, Snapshot } from 'xstate';
import type { Orchestration } from '../api/createOrchestration.ts';
import { scenarioActorId } from '../machines/orchestratorMachine.ts';
import { toError } from '../errors.ts';
import { renderText } from '../report/renderText.ts';
import type { InspectorDelta } from './inspectorView.ts';
import { InspectorModel } from './InspectorModel.ts';
import type { InspectorSource } from './InspectorSource.ts';
import { actorView, observeInspection } from './inspectionFeed.ts';
import { skillLabel } from '../ab/skillLabel.ts';

export interface LiveSourceOptions {
  /** How often changes are sent to pages, in ms (default 100): a fast run cannot flood the browser. */
  flushMs?: number;
  /** Log entries kept for late pages (default 1000). */
  logCapacity?: number;
  /** @internal clock (tests) */
  now?: () => number;
}

/**
 * Watches a running orchestration from the outside: XState inspection (`actor.system.inspect`) for actor
 * states and the event log, the progress stream for the cards and barriers, and `result` for the report.
 * What happened before it was attached is read from current snapshots, so the cards and statecharts are
 * complete whenever it attaches; the event log starts at attachment.
 */
export function liveInspectorSource(orchestration: Orchestration, options: LiveSourceOptions = {}): InspectorSource {
  const now = options.now ?? Date.now;
  const flushMs = options.flushMs ?? 100;
  const model = new InspectorModel({
    orchestrationId: orchestration.id,
    skill: skillLabel(orchestration.skill),
    barrierTimeoutMs: orchestration.config.barriers.timeoutMs,
    live: true,
    ...(options.logCapacity !== undefined ? { logCapacity: options.logCapacity } : {}),
  });

  const root = orchestration.actor;
  const rootView = actorView(root.id, root.getSnapshot());
  if (rootView) model.setActor(rootView);
  const children: Record<string, AnyActorRef | undefined> = root.getSnapshot().children;
  for (const progress of orchestration.progress()) {
    const id = scenarioActorId(progress.name);
    const child = children[id];
    const view = child ? actorView(id, child.getSnapshot() as Snapshot<unknown>) : undefined;
    model.setScenario({ name: progress.name, state: view?.state ?? progress.status, progress });
    if (view) model.setActor(view);
  }
  // Barriers reached before attaching: released ones whole, open ones with who is already waiting.
  const barriers = orchestration.barriers();
  for (const barrier of barriers.released) model.applyProgress({ type: 'barrier.released', barrier });
  for (const open of barriers.open) {
    for (const arrival of open.arrivals) model.applyProgress({ type: 'barrier.arrived', milestone: open.milestone, ...arrival });
    model.setBarrierDeadline(open.milestone, open.deadlineMs);
  }

  const listeners = new Set<(delta: InspectorDelta) => void>();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const delta = model.takeDelta(now());
    if (delta) for (const listener of listeners) listener(delta);
  };
  const schedule = () => {
    if (timer || listeners.size === 0) return;
    timer = setTimeout(flush, flushMs);
    // A pending update must not keep a finished process alive.
    timer.unref();
  };

  let inspectorFault: Error | undefined;
  const inspection = root.system.inspect((event) => {
    // An observer that throws would break the run it watches: the inspector fails alone, and says so once.
    if (inspectorFault) return;
    try {
      observeInspection(model, event, now());
      schedule();
    } catch (error) {
      inspectorFault = toError(error);
      model.warn(`the inspector stopped following this run: ${inspectorFault.message}`);
    }
  });
  const unsubscribeProgress = orchestration.subscribe((event) => {
    model.applyProgress(event);
    if (event.type === 'barrier.arrived') {
      // The stream says who arrived; the orchestrator's barrier book says when the barrier times out.
      const open = orchestration.barriers().open.find((b) => b.milestone === event.milestone);
      if (open) model.setBarrierDeadline(open.milestone, open.deadlineMs);
    }
    schedule();
  });
  orchestration.result.then(
    (report) => {
      // The progress stream can end before the last scenario's final update reaches it: read the final state.
      for (const progress of orchestration.progress()) model.setProgress(progress);
      model.finish(report, renderText(report));
      // The last update goes out at once: nothing else will trigger it.
      flush();
    },
    (error: unknown) => {
      model.fail(toError(error).message);
      flush();
    },
  );

  return {
    view: () => model.view(now()),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    controls: {
      scenarios: orchestration.config.scenarios.map((s) => s.name),
      finished: () => model.status === 'finished' || model.status === 'failed',
      pause: (scenario) => orchestration.pause(scenario),
      resume: (scenario) => orchestration.resume(scenario),
      cancel: () => orchestration.cancel(),
    },
    close() {
      inspection.unsubscribe();
      unsubscribeProgress();
      if (timer) clearTimeout(timer);
      timer = undefined;
      listeners.clear();
    },
  };
}
