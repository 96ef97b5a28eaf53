import type { AnyActorRef, InspectionEvent, Snapshot } from 'xstate';
import { statePath } from '../api/progressTracker.ts';
import { graphOf, isDiagramMachineName } from './diagram.ts';
import type { InspectorModel } from './InspectorModel.ts';
import type { ActorView } from './inspectorView.ts';
import { activeStateIds } from './machineGraph.ts';

const detailLimit = 200;

/**
 * Feeds XState inspection events into the model: machine actors' states for the statecharts, and the
 * event log. Per-batch snapshots that leave the state unchanged are not logged: they would drown the
 * log in a fast run, and the cards already show their effect. Microsteps and actions are not logged.
 */
export function observeInspection(model: InspectorModel, event: InspectionEvent, now: number): void {
  const actor = displayId(event.actorRef as AnyActorRef);
  switch (event.type) {
    case '@xstate.event':
      model.log({ at: now, kind: 'event', actor, source: event.sourceRef ? displayId(event.sourceRef as AnyActorRef) : null, type: event.event.type, detail: summarize(event.event) });
      break;
    case '@xstate.snapshot': {
      const view = actorView(actor, event.snapshot);
      if (!view) break;
      const before = model.actor(actor);
      if (before && before.state === view.state && before.status === view.status) break;
      model.setActor(view);
      model.log({ at: now, kind: 'state', actor, source: null, type: event.event.type, detail: `→ ${view.state}${view.status === 'active' ? '' : ` (${view.status})`}` });
      break;
    }
    case '@xstate.actor': {
      const src = (event.actorRef as AnyActorRef).src;
      // Sent from the actor's constructor, before it has a snapshot: its state arrives with its first @xstate.snapshot.
      model.log({ at: now, kind: 'actor', actor, source: null, type: 'created', detail: typeof src === 'string' ? src : '' });
      break;
    }
    default:
      break;
  }
}

/** The view of a machine actor from its snapshot; undefined for actors that are not one of our machines. */
export function actorView(id: string, snapshot: Snapshot<unknown> | undefined): ActorView | undefined {
  if (!snapshot) return undefined;
  const machineId = (snapshot as { machine?: { id?: unknown } }).machine?.id;
  if (!isDiagramMachineName(machineId)) return undefined;
  const value = (snapshot as { value?: unknown }).value;
  return { id, machine: machineId, state: statePath(value), activeStates: activeStateIds(graphOf(machineId), value), status: snapshot.status };
}

/**
 * `orchestrator`, `scenario:simple`, and for actors deeper down their parent's id and their own
 * (`scenario:simple/runner`), because invoked ids like `runner` repeat in every scenario.
 */
export function displayId(ref: AnyActorRef): string {
  const parent = ref._parent;
  if (!parent || !parent._parent) return ref.id;
  return `${displayId(parent)}/${ref.id}`;
}

function summarize(event: { type: string }): string {
  const payload: Record<string, unknown> = { ...event };
  delete payload.type;
  if (Object.keys(payload).length === 0) return '';
  let text: string;
  try {
    text = JSON.stringify(payload);
  } catch {
    text = '[unserializable]';
  }
  return text.length > detailLimit ? `${text.slice(0, detailLimit - 1)}…` : text;
}
