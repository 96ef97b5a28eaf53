import { assign, createActor, setup, type SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap } from 'xstate/graph';

/**
 * An abstract model of the orchestrator over two scenarios, A and B, with barriers at 30 % and 70 %,
 * written from the rules: a barrier opens at its first arrival; it is released when every live scenario
 * has arrived, or by its timeout (naming the live scenarios that had not arrived); a released barrier
 * lets a late arrival straight through; a finished scenario never holds a barrier. No timers, no
 * children: arrivals, finishes and timeouts are explicit events.
 */
export const NAMES = ['A', 'B'] as const;
export type Name = (typeof NAMES)[number];
export const BARRIERS = [30, 70] as const;
export type Milestone = (typeof BARRIERS)[number];

/** Where a scenario is: before 30 (run0), at 30, between (run1), at 70, after 70 (run2), or finished. */
export type Phase = 'pending' | 'run0' | 'at30' | 'run1' | 'at70' | 'run2' | 'complete' | 'failed';

export interface BarrierModel {
  /** Scenarios that arrived before the release, in order. */
  arrived: Name[];
  releasedBy: 'all-arrived' | 'timeout' | null;
  late: Name[];
}

export interface OrchestratorModelContext {
  phase: Record<Name, Phase>;
  barriers: Record<Milestone, BarrierModel>;
  paused: Record<Name, boolean>;
  downtime: boolean;
}

export type OrchestratorModelEvent =
  | { type: 'START' }
  | { type: 'CANCEL' }
  | { type: 'ARRIVE_A' }
  | { type: 'ARRIVE_B' }
  | { type: 'COMPLETE_A' }
  | { type: 'COMPLETE_B' }
  | { type: 'FAIL_A' }
  | { type: 'FAIL_B' }
  | { type: 'TIMEOUT_30' }
  | { type: 'TIMEOUT_70' }
  | { type: 'PAUSE_ALL' }
  | { type: 'RESUME_ALL' }
  | { type: 'PAUSE_A' }
  | { type: 'RESUME_A' }
  | { type: 'CLOCK' };

export const orchestratorModelEvents: OrchestratorModelEvent['type'][] = [
  'START', 'CANCEL', 'ARRIVE_A', 'ARRIVE_B', 'COMPLETE_A', 'COMPLETE_B', 'FAIL_A', 'FAIL_B', 'TIMEOUT_30', 'TIMEOUT_70', 'PAUSE_ALL', 'RESUME_ALL', 'PAUSE_A', 'RESUME_A', 'CLOCK',
];

type Ctx = OrchestratorModelContext;

export const isFinished = (phase: Phase) => phase === 'complete' || phase === 'failed';
export const liveOf = (c: Ctx): Name[] => NAMES.filter((n) => !isFinished(c.phase[n]));
const nextPhase = (m: Milestone): Phase => (m === 30 ? 'run1' : 'run2');
const atPhase = (m: Milestone): Phase => (m === 30 ? 'at30' : 'at70');

function releaseBarrier(c: Ctx, m: Milestone, releasedBy: 'all-arrived' | 'timeout'): Ctx {
  const b = c.barriers[m];
  const live = liveOf(c);
  const phase = { ...c.phase };
  for (const n of b.arrived) if (phase[n] === atPhase(m)) phase[n] = nextPhase(m);
  return { ...c, phase, barriers: { ...c.barriers, [m]: { ...b, releasedBy, late: live.filter((n) => !b.arrived.includes(n)) } } };
}

/** Releases every open barrier at which all live scenarios have arrived (vacuously when none is live). */
function releaseReady(c: Ctx): Ctx {
  let next = c;
  for (const m of BARRIERS) {
    const b = next.barriers[m];
    if (b.releasedBy === null && b.arrived.length > 0 && liveOf(next).every((n) => b.arrived.includes(n))) next = releaseBarrier(next, m, 'all-arrived');
  }
  return next;
}

function arrive(c: Ctx, n: Name): Ctx {
  const m: Milestone = c.phase[n] === 'run0' ? 30 : 70;
  const b = c.barriers[m];
  if (b.releasedBy !== null) return { ...c, phase: { ...c.phase, [n]: nextPhase(m) } };
  return releaseReady({ ...c, phase: { ...c.phase, [n]: atPhase(m) }, barriers: { ...c.barriers, [m]: { ...b, arrived: [...b.arrived, n] } } });
}

function finish(c: Ctx, n: Name, how: 'complete' | 'failed'): Ctx {
  return releaseReady({ ...c, phase: { ...c.phase, [n]: how }, paused: { ...c.paused, [n]: false } });
}

const canArrive = (c: Ctx, n: Name) => c.phase[n] === 'run0' || c.phase[n] === 'run1';
const canFail = (c: Ctx, n: Name) => !isFinished(c.phase[n]) && c.phase[n] !== 'pending';
const isOpen = (c: Ctx, m: Milestone) => c.barriers[m].arrived.length > 0 && c.barriers[m].releasedBy === null;

const emptyBarrier: BarrierModel = { arrived: [], releasedBy: null, late: [] };

export const orchestratorModel = setup({
  types: { context: {} as OrchestratorModelContext, events: {} as OrchestratorModelEvent },
  guards: {
    allFinished: ({ context }) => liveOf(context).length === 0,
    canArriveA: ({ context }) => canArrive(context, 'A'),
    canArriveB: ({ context }) => canArrive(context, 'B'),
    canCompleteA: ({ context }) => context.phase.A === 'run2',
    canCompleteB: ({ context }) => context.phase.B === 'run2',
    canFailA: ({ context }) => canFail(context, 'A'),
    canFailB: ({ context }) => canFail(context, 'B'),
    open30: ({ context }) => isOpen(context, 30),
    open70: ({ context }) => isOpen(context, 70),
    anyToPause: ({ context }) => liveOf(context).some((n) => !context.paused[n]),
    anyToResume: ({ context }) => liveOf(context).some((n) => context.paused[n]),
    canPauseA: ({ context }) => !isFinished(context.phase.A) && !context.paused.A,
    canResumeA: ({ context }) => !isFinished(context.phase.A) && context.paused.A,
    noDowntimeYet: ({ context }) => !context.downtime,
  },
  actions: {
    start: assign({ phase: { A: 'run0', B: 'run0' } }),
    // The orchestrator relays cancel to each live scenario in config order; each finishes in turn.
    cancel: assign(({ context }) => liveOf(context).reduce((c, n) => finish(c, n, 'failed'), context)),
    arriveA: assign(({ context }) => arrive(context, 'A')),
    arriveB: assign(({ context }) => arrive(context, 'B')),
    completeA: assign(({ context }) => finish(context, 'A', 'complete')),
    completeB: assign(({ context }) => finish(context, 'B', 'complete')),
    failA: assign(({ context }) => finish(context, 'A', 'failed')),
    failB: assign(({ context }) => finish(context, 'B', 'failed')),
    timeout30: assign(({ context }) => releaseBarrier(context, 30, 'timeout')),
    timeout70: assign(({ context }) => releaseBarrier(context, 70, 'timeout')),
    pauseAll: assign(({ context }) => ({ paused: { A: !isFinished(context.phase.A), B: !isFinished(context.phase.B) } })),
    resumeAll: assign({ paused: { A: false, B: false } }),
    pauseA: assign(({ context }) => ({ paused: { ...context.paused, A: true } })),
    resumeA: assign(({ context }) => ({ paused: { ...context.paused, A: false } })),
    noteDowntime: assign({ downtime: true }),
  },
}).createMachine({
  id: 'orchestrator',
  context: { phase: { A: 'pending', B: 'pending' }, barriers: { 30: emptyBarrier, 70: emptyBarrier }, paused: { A: false, B: false }, downtime: false },
  initial: 'ready',
  states: {
    ready: {
      on: {
        START: { target: 'running', actions: 'start' },
        CANCEL: { target: 'done', actions: 'cancel' },
      },
    },
    running: {
      always: { guard: 'allFinished', target: 'done' },
      on: {
        CANCEL: { actions: 'cancel' },
        ARRIVE_A: { guard: 'canArriveA', actions: 'arriveA' },
        ARRIVE_B: { guard: 'canArriveB', actions: 'arriveB' },
        COMPLETE_A: { guard: 'canCompleteA', actions: 'completeA' },
        COMPLETE_B: { guard: 'canCompleteB', actions: 'completeB' },
        FAIL_A: { guard: 'canFailA', actions: 'failA' },
        FAIL_B: { guard: 'canFailB', actions: 'failB' },
        TIMEOUT_30: { guard: 'open30', actions: 'timeout30' },
        TIMEOUT_70: { guard: 'open70', actions: 'timeout70' },
        PAUSE_ALL: { guard: 'anyToPause', actions: 'pauseAll' },
        RESUME_ALL: { guard: 'anyToResume', actions: 'resumeAll' },
        PAUSE_A: { guard: 'canPauseA', actions: 'pauseA' },
        RESUME_A: { guard: 'canResumeA', actions: 'resumeA' },
        CLOCK: { guard: 'noDowntimeYet', actions: 'noteDowntime' },
      },
    },
    done: { type: 'final' },
  },
});

export type OrchestratorModelSnapshot = SnapshotFrom<typeof orchestratorModel>;

/** A path through the model as the tests drive it: the first step is the initial state (`xstate.init`). */
export interface ModelRoute {
  description: string;
  steps: ReadonlyArray<{ state: OrchestratorModelSnapshot; event: OrchestratorModelEvent }>;
}

/** One state-changing transition of the model: the model is deterministic, so a state and an event name it. */
export interface ModelTransition {
  key: string;
  fromKey: string;
  event: OrchestratorModelEvent;
  to: OrchestratorModelSnapshot;
  toKey: string;
}

export interface ModelGraph {
  initial: OrchestratorModelSnapshot;
  initialKey: string;
  /** The state-changing transitions out of each state, by state key (in event order). */
  out: Map<string, ModelTransition[]>;
  /** The states with a transition into each state, by state key. */
  into: Map<string, string[]>;
  /** Every state-changing transition's key. */
  transitions: Set<string>;
}

export const modelStateKey = (s: OrchestratorModelSnapshot): string => JSON.stringify([s.value, s.context]);
const transitionKeyOf = (fromKey: string, event: OrchestratorModelEvent): string => `${fromKey} ${event.type}`;

/** The model's whole graph from its initial state, keeping the transitions that change the state (a refused event changes nothing). */
export function orchestratorModelGraph(): ModelGraph {
  const edges = adjacencyMapToArray(getAdjacencyMap(orchestratorModel, { events: orchestratorModelEvents.map((type) => ({ type })) }));
  const out = new Map<string, ModelTransition[]>();
  const into = new Map<string, string[]>();
  const transitions = new Set<string>();
  const listIn = <T>(map: Map<string, T[]>, key: string): T[] => map.get(key) ?? (map.set(key, []).get(key) as T[]);
  for (const { state, event, nextState } of edges) {
    const fromKey = modelStateKey(state);
    const toKey = modelStateKey(nextState);
    if (fromKey === toKey) continue;
    const key = transitionKeyOf(fromKey, event);
    if (transitions.has(key)) continue;
    transitions.add(key);
    listIn(out, fromKey).push({ key, fromKey, event, to: nextState, toKey });
    listIn(into, toKey).push(fromKey);
  }
  const initial = createActor(orchestratorModel).getSnapshot();
  return { initial, initialKey: modelStateKey(initial), out, into, transitions };
}

/** The model transitions that these routes take. */
export function transitionsTaken(routes: readonly ModelRoute[]): Set<string> {
  const taken = new Set<string>();
  for (const route of routes) {
    for (let i = 1; i < route.steps.length; i++) {
      const from = route.steps[i - 1];
      const step = route.steps[i];
      if (from && step && modelStateKey(from.state) !== modelStateKey(step.state)) taken.add(transitionKeyOf(modelStateKey(from.state), step.event));
    }
  }
  return taken;
}

/** A small seeded generator (mulberry32): the same seed gives the same walks on every machine. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seeded random walks from the initial state, steered to transitions no route has taken yet: at each
 * state a walk takes an untaken transition if there is one (chosen at random), otherwise a random step
 * towards the nearest untaken one (by a breadth-first search backwards from the states that still have
 * one); it ends where none is reachable or after `maxLength` steps. Walks are added until the routes so
 * far and the walks take `target` of the model's state-changing transitions.
 */
export function guidedWalks(graph: ModelGraph, options: { seed: number; taken: ReadonlySet<string>; target: number; maxLength?: number; maxWalks?: number }): ModelRoute[] {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // The graph by numbers: states 0..n-1 (0 the initial one), transitions 0..m-1.
  const states = [graph.initialKey, ...[...graph.out.keys()].filter((k) => k !== graph.initialKey)];
  const stateIndex = new Map(states.map((k, i) => [k, i]));
  const transitions = states.flatMap((k) => graph.out.get(k) ?? []);
  const outOf = states.map(() => [] as number[]);
  const into = states.map(() => [] as number[]);
  const toOf = transitions.map((t) => stateIndex.get(t.toKey) ?? -1);
  transitions.forEach((t, i) => {
    const from = stateIndex.get(t.fromKey) as number;
    outOf[from]?.push(i);
    if ((toOf[i] as number) >= 0) into[toOf[i] as number]?.push(from);
  });
  const taken = transitions.map((t) => options.taken.has(t.key));
  let count = taken.filter(Boolean).length;
  const wanted = Math.ceil(options.target * graph.transitions.size);
  const walks: ModelRoute[] = [];
  const dist = new Int32Array(states.length);
  while (count < wanted && walks.length < (options.maxWalks ?? 10_000)) {
    dist.fill(-1);
    const queue: number[] = [];
    outOf.forEach((out, s) => {
      if (out.some((t) => !taken[t])) {
        dist[s] = 0;
        queue.push(s);
      }
    });
    for (let i = 0; i < queue.length; i++) {
      const s = queue[i] as number;
      for (const from of into[s] ?? []) {
        if (dist[from] === -1) {
          dist[from] = (dist[s] as number) + 1;
          queue.push(from);
        }
      }
    }
    if (dist[0] === -1) break;
    const steps: { state: OrchestratorModelSnapshot; event: OrchestratorModelEvent }[] = [{ state: graph.initial, event: { type: 'xstate.init' } as unknown as OrchestratorModelEvent }];
    let at = 0;
    while (steps.length <= (options.maxLength ?? 40) && count < wanted) {
      const out = outOf[at] ?? [];
      const untaken = out.filter((t) => !taken[t]);
      const d = dist[at] as number;
      const towards = d > 0 ? out.filter((t) => dist[toOf[t] as number] === d - 1) : [];
      const next = untaken.length > 0 ? pick(untaken) : towards.length > 0 ? pick(towards) : undefined;
      if (next === undefined) break;
      if (!taken[next]) count++;
      taken[next] = true;
      const t = transitions[next] as ModelTransition;
      steps.push({ state: t.to, event: t.event });
      at = toOf[next] as number;
    }
    walks.push({ description: `walk ${walks.length + 1} (seed ${options.seed}): ${steps.slice(1).map((s) => s.event.type).join(' → ')}`, steps });
  }
  return walks;
}
