import type { AnyStateMachine, AnyStateNode } from 'xstate';

/**
 * A statechart as plain data, read from the machine definition itself (`machine.root`), so every diagram
 * format is generated from the code that runs and cannot drift from it.
 */

export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface GraphState {
  /** XState's state node id, e.g. `scenario.running.working`: unique within the machine. */
  id: string;
  key: string;
  /** Keys from the root, e.g. `['running', 'working']`; empty for the root. */
  path: string[];
  parent: string | null;
  kind: StateKind;
  /** Id of the child entered first (compound states only). */
  initial: string | null;
  entry: string[];
  exit: string[];
  /** Actors that run while the state is active. */
  invoke: { id: string; src: string }[];
}

export interface GraphTransition {
  /** `${source}#${n}`: unique within the graph, stable while the definition is unchanged. */
  id: string;
  source: string;
  /** Empty for a targetless transition, which runs its actions and stays in the state. */
  targets: string[];
  /** The event type as XState matches it (`''` for an eventless `always` transition). */
  event: string;
  /** What diagrams print: the event type, `always`, `after 5000`, `done: runner`, `error: runner`. */
  label: string;
  guard: string | null;
  actions: string[];
}

export interface MachineGraph {
  /** The machine id, which is also the id of its root state. */
  id: string;
  /** Depth first, in definition order: a parent comes before its children. */
  states: GraphState[];
  transitions: GraphTransition[];
}

/** Reads a machine's states and transitions (on, always, after, invoke done/error) into a MachineGraph. */
export function toMachineGraph(machine: AnyStateMachine): MachineGraph {
  const states: GraphState[] = [];
  const transitions: GraphTransition[] = [];
  const visit = (node: AnyStateNode, parent: string | null) => {
    states.push({
      id: node.id,
      key: node.key,
      path: [...node.path],
      parent,
      kind: node.type,
      initial: node.initial?.target[0]?.id ?? null,
      entry: node.entry.map(behaviourName),
      exit: node.exit.map(behaviourName),
      invoke: node.invoke.map((i) => ({ id: i.id, src: typeof i.src === 'string' ? i.src : behaviourName(i.src) })),
    });
    const own = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    own.forEach((t, n) => {
      const event = String(t.eventType);
      transitions.push({
        id: `${node.id}#${n}`,
        source: node.id,
        targets: (t.target ?? []).map((target) => target.id),
        event,
        label: eventLabel(event),
        guard: t.guard === undefined ? null : behaviourName(t.guard),
        actions: t.actions.map(behaviourName),
      });
    });
    for (const child of Object.values(node.states)) visit(child, node.id);
  };
  visit(machine.root, null);
  return { id: machine.root.id, states, transitions };
}

/** XState's internal event names, spelled the way a reader of the machine config knows them. */
export function eventLabel(event: string): string {
  if (event === '') return 'always';
  if (event === '*') return 'any event';
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after) return `after ${after[1] ?? ''}`;
  if (event.startsWith('xstate.done.actor.')) return `done: ${event.slice('xstate.done.actor.'.length)}`;
  if (event.startsWith('xstate.error.actor.')) return `error: ${event.slice('xstate.error.actor.'.length)}`;
  if (event.startsWith('xstate.done.state.')) return 'done';
  return event;
}

/** Actions, guards and actor sources are named strings, `{ type }` objects, or functions (inline or built in). */
function behaviourName(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && (typeof value === 'object' || typeof value === 'function')) {
    const { type, id, name } = value as { type?: unknown; id?: unknown; name?: unknown };
    if (typeof type === 'string' && type !== '') return type;
    if (typeof id === 'string' && id !== '') return id;
    if (typeof name === 'string' && name !== '') return name;
  }
  return 'inline';
}

/** The ids of every state a snapshot's `value` is in, ancestors included (root first). */
export function activeStateIds(graph: MachineGraph, value: unknown): string[] {
  const byPath = new Map(graph.states.map((s) => [s.path.join('.'), s.id]));
  const ids: string[] = [graph.id];
  const walk = (v: unknown, prefix: string[]) => {
    if (typeof v === 'string') {
      const id = byPath.get([...prefix, v].join('.'));
      if (id !== undefined) ids.push(id);
      return;
    }
    if (v && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
        const id = byPath.get([...prefix, key].join('.'));
        if (id !== undefined) ids.push(id);
        walk(inner, [...prefix, key]);
      }
    }
  };
  walk(value, []);
  return ids;
}
