import { assign, setup } from 'xstate';

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
