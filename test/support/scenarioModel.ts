import { assign, setup } from 'xstate';
import type { FailureReason } from '../../src/report/schema.ts';

/**
 * An abstract model of one scenario for model-based testing, written from the scenario's rules rather
 * than from its code: 4 batches of 1 item, a barrier after batch 2 (50 %), 2 attempts per batch, and an
 * error tolerance of 0.25 (one failed item is fine, two are not). There are no invocations and no timers:
 * what the batch runner and the alarms do arrives as explicit events. Its states carry the real machine's
 * names, so a state value of the model is the state value the real scenario must be in.
 */
export const MODEL_PLAN = { batches: 4, barrierAfter: 2, barrierMilestone: 50, maxAttempts: 2, toleratedFailedItems: 1 } as const;

export interface ScenarioModelContext {
  /** Batches settled. */
  cursor: number;
  /** Attempt the next run of the current batch will be. */
  attempt: number;
  failedItems: number;
  /** The 50 % barrier was released for this scenario. */
  passed: boolean;
  reason: FailureReason | null;
  /** A restore told the scenario about downtime (at most once in the model). */
  downtime: boolean;
}

export type ScenarioModelEvent =
  /** scenario.start */
  | { type: 'START' }
  /** The runner settles the current batch: all items processed. */
  | { type: 'OK' }
  /** The runner settles the current batch, reporting memory over the limit. */
  | { type: 'HEAVY' }
  /** The current attempt throws: batch.failed if another attempt is allowed, else batch.done with the item failed. */
  | { type: 'FAIL' }
  /** The retry alarm fires. */
  | { type: 'RETRY_DUE' }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  /** The orchestrator releases the 50 % barrier. */
  | { type: 'RELEASE' }
  /** The time-budget alarm fires. */
  | { type: 'BUDGET' }
  | { type: 'RUNNER_ERROR' }
  | { type: 'CANCEL' }
  /** clock.resumed after a restore (the orchestrator relays it only to started scenarios). */
  | { type: 'CLOCK' };

export const scenarioModelEvents: ScenarioModelEvent['type'][] = ['START', 'OK', 'HEAVY', 'FAIL', 'RETRY_DUE', 'PAUSE', 'RESUME', 'RELEASE', 'BUDGET', 'RUNNER_ERROR', 'CANCEL', 'CLOCK'];

type Ctx = { context: ScenarioModelContext };

const settledCursor = ({ context }: Ctx) => context.cursor + 1;
const reachesBarrier = (c: Ctx) => settledCursor(c) === MODEL_PLAN.barrierAfter && !c.context.passed;
const completes = (c: Ctx) => settledCursor(c) === MODEL_PLAN.batches;

export const scenarioModel = setup({
  types: { context: {} as ScenarioModelContext, events: {} as ScenarioModelEvent },
  guards: {
    reachesBarrier,
    completes,
    canRetry: ({ context }) => context.attempt < MODEL_PLAN.maxAttempts,
    giveUpExceedsTolerance: ({ context }) => context.failedItems + 1 > MODEL_PLAN.toleratedFailedItems,
    giveUpReachesBarrier: (c) => reachesBarrier(c),
    giveUpCompletes: (c) => completes(c),
    awaitingBarrier: ({ context }) => context.cursor >= MODEL_PLAN.barrierAfter && !context.passed,
    noDowntimeYet: ({ context }) => !context.downtime,
  },
  actions: {
    settleOk: assign(({ context }) => ({ cursor: context.cursor + 1, attempt: 1 })),
    settleGiveUp: assign(({ context }) => ({ cursor: context.cursor + 1, attempt: 1, failedItems: context.failedItems + 1 })),
    nextAttempt: assign(({ context }) => ({ attempt: context.attempt + 1 })),
    pass: assign({ passed: true }),
    fail: assign((_, params: { reason: FailureReason }) => ({ reason: params.reason })),
    noteDowntime: assign({ downtime: true }),
  },
}).createMachine({
  id: 'scenario',
  context: { cursor: 0, attempt: 1, failedItems: 0, passed: false, reason: null, downtime: false },
  initial: 'pending',
  states: {
    pending: {
      on: {
        START: 'running',
        CANCEL: { target: 'failed', actions: { type: 'fail', params: { reason: 'cancelled' } } },
      },
    },
    running: {
      initial: 'working',
      on: {
        CANCEL: { target: 'failed', actions: { type: 'fail', params: { reason: 'cancelled' } } },
        CLOCK: { guard: 'noDowntimeYet', actions: 'noteDowntime' },
      },
      states: {
        working: {
          initial: 'processing',
          on: { BUDGET: { target: '#scenario.failed', actions: { type: 'fail', params: { reason: 'time_budget_exceeded' } } } },
          states: {
            processing: {
              initial: 'active',
              on: {
                HEAVY: { target: '#scenario.failed', actions: ['settleOk', { type: 'fail', params: { reason: 'memory_limit_exceeded' } }] },
                RUNNER_ERROR: '#scenario.paused',
              },
              states: {
                active: {
                  on: {
                    OK: [
                      { guard: 'reachesBarrier', target: '#scenario.running.atBarrier', actions: 'settleOk' },
                      { guard: 'completes', target: '#scenario.complete', actions: 'settleOk' },
                      { actions: 'settleOk' },
                    ],
                    FAIL: [
                      { guard: 'canRetry', target: '#scenario.running.working.retrying', actions: 'nextAttempt' },
                      { guard: 'giveUpExceedsTolerance', target: '#scenario.failed', actions: ['settleGiveUp', { type: 'fail', params: { reason: 'error_tolerance_exceeded' } }] },
                      { guard: 'giveUpReachesBarrier', target: '#scenario.running.atBarrier', actions: 'settleGiveUp' },
                      { guard: 'giveUpCompletes', target: '#scenario.complete', actions: 'settleGiveUp' },
                      { actions: 'settleGiveUp' },
                    ],
                    PAUSE: 'draining',
                  },
                },
                // A pause was asked for: the batch in flight settles first, then the scenario pauses.
                draining: {
                  on: {
                    OK: [
                      // The pause wins over a barrier the batch reaches (resume goes to the barrier), not over completion.
                      { guard: 'completes', target: '#scenario.complete', actions: 'settleOk' },
                      { target: '#scenario.paused', actions: 'settleOk' },
                    ],
                    FAIL: [
                      // A failed attempt with a retry left settles the pause; the retry waits for the resume.
                      { guard: 'canRetry', target: '#scenario.paused', actions: 'nextAttempt' },
                      { guard: 'giveUpExceedsTolerance', target: '#scenario.failed', actions: ['settleGiveUp', { type: 'fail', params: { reason: 'error_tolerance_exceeded' } }] },
                      { guard: 'giveUpCompletes', target: '#scenario.complete', actions: 'settleGiveUp' },
                      { target: '#scenario.paused', actions: 'settleGiveUp' },
                    ],
                    RESUME: 'active',
                  },
                },
              },
            },
            retrying: {
              on: {
                RETRY_DUE: 'processing',
                PAUSE: '#scenario.paused',
              },
            },
          },
        },
        atBarrier: {
          on: {
            RELEASE: { target: 'working', actions: 'pass' },
            PAUSE: '#scenario.paused',
          },
        },
      },
    },
    paused: {
      on: {
        RESUME: [{ guard: 'awaitingBarrier', target: 'running.atBarrier' }, { target: 'running.working' }],
        RELEASE: { guard: 'awaitingBarrier', actions: 'pass' },
        CANCEL: { target: 'failed', actions: { type: 'fail', params: { reason: 'cancelled' } } },
        CLOCK: { guard: 'noDowntimeYet', actions: 'noteDowntime' },
      },
    },
    complete: { type: 'final' },
    failed: { type: 'final' },
  },
});
