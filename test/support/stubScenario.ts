import { assign, sendParent, setup } from 'xstate';
import type { OrchestratorEvent, ScenarioEvent } from '../../src/machines/events.ts';
import { initialProgress, type ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import type { ScenarioInput } from '../../src/machines/scenarioMachine.ts';

/** What a test tells a stub scenario to do. */
export type StubCommand =
  /** Arrive at a barrier: tell the parent `barrier.arrived` and wait for its release. */
  | { type: 'stub.arrive'; at: number; milestone: number }
  /** Finish: tell the parent `scenario.finished` with a final progress. */
  | { type: 'stub.finish'; at: number; status: 'complete' | 'failed' };

export interface StubContext {
  plan: ScenarioPlan;
  /** Every event the orchestrator sent this scenario, in order (type, plus the milestone of releases). */
  heard: string[];
  waitingAt: number | null;
  passed: number[];
  paused: boolean;
  failedBy: 'cancel' | 'command' | null;
}

type StubEvent = ScenarioEvent | StubCommand;

/**
 * A stand-in for the scenario machine under the orchestrator: same id scheme and the same events to its
 * parent (`barrier.arrived`, `scenario.finished` with a ScenarioProgress), but the test decides when it
 * arrives and how it ends. It records what the orchestrator tells it.
 */
export const stubScenario = setup({
  types: { context: {} as StubContext, events: {} as StubEvent, input: {} as ScenarioInput },
  actions: {
    hear: assign(({ context, event }) => ({ heard: [...context.heard, event.type === 'barrier.release' ? `barrier.release:${event.milestone}` : event.type] })),
    arrive: assign(({ event }) => ({ waitingAt: event.type === 'stub.arrive' ? event.milestone : null })),
    announce: sendParent(({ context, event }): OrchestratorEvent => ({ type: 'barrier.arrived', at: event.at, scenario: context.plan.name, milestone: context.waitingAt ?? -1 })),
    pass: assign(({ context }) => ({ passed: [...context.passed, context.waitingAt ?? -1], waitingAt: null })),
    pause: assign({ paused: true }),
    unpause: assign({ paused: false }),
    cancelled: assign({ failedBy: 'cancel' as const }),
    commanded: assign({ failedBy: 'command' as const }),
    report: sendParent(({ context, event }): OrchestratorEvent => {
      const failed = context.failedBy !== null;
      return {
        type: 'scenario.finished',
        at: event.at,
        scenario: context.plan.name,
        progress: {
          ...initialProgress(context.plan),
          status: failed ? 'failed' : 'complete',
          ...(failed ? { failureReason: context.failedBy === 'cancel' ? ('cancelled' as const) : ('error_tolerance_exceeded' as const) } : {}),
          milestonesReached: context.passed,
          finishedAt: event.at,
        },
      };
    }),
  },
  guards: {
    isAwaitedRelease: ({ context, event }) => event.type === 'barrier.release' && event.milestone === context.waitingAt,
    finishesComplete: ({ event }) => event.type === 'stub.finish' && event.status === 'complete',
  },
}).createMachine({
  id: 'stub',
  context: ({ input }) => ({ plan: input.plan, heard: [], waitingAt: null, passed: [], paused: false, failedBy: null }),
  initial: 'pending',
  on: {
    // Heard in any state that does not handle it (a stray release is recorded, never acted on).
    'scenario.start': { actions: 'hear' },
    'scenario.pause': { actions: 'hear' },
    'scenario.resume': { actions: 'hear' },
    'scenario.cancel': { actions: 'hear' },
    'barrier.release': { actions: 'hear' },
    'clock.resumed': { actions: 'hear' },
  },
  states: {
    pending: {
      on: {
        'scenario.start': { target: 'running', actions: 'hear' },
        'scenario.cancel': { target: 'failed', actions: ['hear', 'cancelled'] },
      },
    },
    running: {
      on: {
        'stub.arrive': { target: 'atBarrier', actions: 'arrive' },
        'stub.finish': [
          { guard: 'finishesComplete', target: 'complete' },
          { target: 'failed', actions: 'commanded' },
        ],
        'scenario.cancel': { target: 'failed', actions: ['hear', 'cancelled'] },
        'scenario.pause': { actions: ['hear', 'pause'] },
        'scenario.resume': { actions: ['hear', 'unpause'] },
      },
    },
    atBarrier: {
      entry: 'announce',
      on: {
        'barrier.release': [{ guard: 'isAwaitedRelease', target: 'running', actions: ['hear', 'pass'] }, { actions: 'hear' }],
        'stub.finish': { target: 'failed', actions: 'commanded' },
        'scenario.cancel': { target: 'failed', actions: ['hear', 'cancelled'] },
        'scenario.pause': { actions: ['hear', 'pause'] },
        'scenario.resume': { actions: ['hear', 'unpause'] },
      },
    },
    complete: { type: 'final', entry: 'report' },
    failed: { type: 'final', entry: 'report' },
  },
});
