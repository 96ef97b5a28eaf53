import type { AnyActorRef, AnyStateMachine, AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';

/** Every state node of a machine, by id, walked from `machine.root` (the root included). */
export function allStateNodeIds(machine: AnyStateMachine): string[] {
  const ids: string[] = [];
  const walk = (node: AnyStateNode) => {
    ids.push(node.id);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root);
  return ids.sort();
}

function allStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  const nodes: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    nodes.push(node);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root);
  return nodes;
}

const targets = (t: AnyTransitionDefinition) => (t.target && t.target.length > 0 ? t.target.map((n) => n.id).join(',') : '(no target)');

/**
 * A stable name for one transition candidate: source, event (or `always`), its position among the
 * candidates for that event, and its targets. Stable across `machine.provide()`, which rebuilds the nodes.
 */
export function transitionKey(t: AnyTransitionDefinition): string | undefined {
  const source = t.source;
  const alwaysIndex = source.always?.indexOf(t) ?? -1;
  if (alwaysIndex >= 0) return `${source.id} always[${alwaysIndex}] -> ${targets(t)}`;
  const eventType = t.eventType as string;
  const candidates = source.transitions.get(eventType);
  const index = candidates?.indexOf(t) ?? -1;
  return index >= 0 ? `${source.id} ${eventType}[${index}] -> ${targets(t)}` : undefined;
}

/** Every transition candidate of a machine: each state node's `transitions` map and `always` list. */
export function allTransitionKeys(machine: AnyStateMachine): string[] {
  const keys: string[] = [];
  for (const node of allStateNodes(machine)) {
    for (const candidates of node.transitions.values()) for (const t of candidates) keys.push(transitionKey(t) ?? '?');
    for (const t of node.always ?? []) keys.push(transitionKey(t) ?? '?');
  }
  return keys.sort();
}

interface NodesSnapshot {
  _nodes: readonly AnyStateNode[];
}

function hasNodes(snapshot: unknown): snapshot is NodesSnapshot {
  return typeof snapshot === 'object' && snapshot !== null && Array.isArray((snapshot as { _nodes?: unknown })._nodes);
}

/**
 * Records the state nodes and transitions one actor actually visits, from XState's inspection stream:
 * every microstep's snapshot and `_transitions`, plus every macrostep snapshot (which covers the
 * initial state). Give the actor by a predicate, since ids repeat across runs.
 */
export class CoverageCollector {
  readonly states = new Set<string>();
  readonly transitions = new Set<string>();

  inspector(isTarget: (actor: AnyActorRef) => boolean): (event: InspectionEvent) => void {
    return (event) => {
      if (event.type === '@xstate.microstep') {
        if (!isTarget(event.actorRef as AnyActorRef)) return;
        for (const t of event._transitions) {
          const key = transitionKey(t);
          if (key !== undefined) this.transitions.add(key);
        }
        this.addNodes(event.snapshot);
      } else if (event.type === '@xstate.snapshot') {
        if (isTarget(event.actorRef as AnyActorRef)) this.addNodes(event.snapshot);
      }
    };
  }

  private addNodes(snapshot: unknown): void {
    if (hasNodes(snapshot)) for (const node of snapshot._nodes) this.states.add(node.id);
  }
}

/**
 * XState's development build warns when an event reaches an actor that has already finished, which a
 * model run does on purpose (and the orchestrator does when it releases a barrier for a scenario whose
 * final event is still queued). Mutes just that warning; anything else still reaches the console.
 */
export function muteStoppedActorWarnings(): () => void {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('was sent to stopped actor')) return;
    original(...args);
  };
  return () => {
    console.warn = original;
  };
}

/**
 * The routes a model test drives, noted when its `it.each` rows are declared, and which of them a test
 * actually drove. Its coverage check drives the rest itself, so the check holds on its own: after a full
 * run it drives nothing more, and run alone (`-t "covers all"`) it drives every route.
 */
export class RouteLedger<R extends { description: string }, K = undefined> {
  readonly #planned: [R, K][] = [];
  readonly #driven = new Map<K, Set<R>>();

  /** Notes `routes` (to be driven as `kind`) and returns them as `it.each` rows: `[description, route]`. */
  plan(routes: readonly R[], kind?: K): (readonly [string, R])[] {
    for (const route of routes) this.#planned.push([route, kind as K]);
    return routes.map((route) => [route.description, route] as const);
  }

  /** Call when a route starts being driven. */
  driving(route: R, kind?: K): void {
    const driven = this.#driven.get(kind as K) ?? new Set<R>();
    driven.add(route);
    this.#driven.set(kind as K, driven);
  }

  /** The planned routes no test has driven (yet): what the coverage check drives itself. */
  undriven(): [R, K][] {
    return this.#planned.filter(([route, kind]) => !this.#driven.get(kind)?.has(route));
  }
}
