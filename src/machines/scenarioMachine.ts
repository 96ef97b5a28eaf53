import { assertEvent, assign, fromCallback, sendParent, sendTo, setup } from 'xstate';
import type { EventObject } from 'xstate';
import type { FailureReason, ScenarioProgress } from '../report/schema.ts';
import type { BatchDoneEvent, OrchestratorEvent, ScenarioEvent } from './events.ts';
import { countBatch, decidesAfter, elapsedAt, initialProgress, nextAwaitedBarrier, withMilestones, type ScenarioPlan } from './scenarioPlan.ts';
import { notProvided } from './notProvided.ts';

/** What the batch runner actor needs to run (or replay) batches from `from` on. */
export interface BatchRunnerInput {
  plan: ScenarioPlan;
  from: number;
  /** Attempt number for batch `from` (later batches start at 1). */
  attempt: number;
}

/**
 * A timer whose deadline is absolute, so it survives a snapshot restore. Deadlines count only time the
 * process was up: the alarm fires at `at` plus whatever downtime was added after it was armed (the
 * orchestration's total downtime then was `downtimeAtArm`).
 */
export interface AlarmInput {
  at: number;
  event: EventObject;
  downtimeAtArm: number;
}

export interface ScenarioContext {
  plan: ScenarioPlan;
  progress: ScenarioProgress;
  /** Index of the next batch to settle; a batch.done for any other index is stale and ignored. */
  cursor: number;
  attempt: number;
  passedBarriers: number[];
  awaitingBarrier: number | null;
  barrierArrivedAt: number | null;
  /** Absolute deadline of the time budget while working (shifted by downtime); budget left is kept while not working. */
  budgetDeadline: number;
  budgetRemainingMs: number;
  /** Absolute time of the next attempt while retrying (shifted by downtime). */
  retryAt: number;
  pausedAt: number | null;
  /** Cursor when a pause was asked for; the next settled batch completes the pause. */
  drainFrom: number;
  downtimeMs: number;
  /**
   * When the last restore resumed the clock (0 before any). An event stamped earlier happened before the
   * crash (a batch replayed from the journal): it counts as happening at the resume, since downtime is
   * measured from the last save, so time never runs backwards and no deadline gets the gap back.
   */
  resumedAt: number;
}

export type ScenarioInput = { plan: ScenarioPlan };

/** The time of an event in the current clock: never before the last resume (see `resumedAt`). */
const timeOf = (context: ScenarioContext, event: { at: number }): number => (event.at < context.resumedAt ? context.resumedAt : event.at);

/** What happens after any batch settles, in priority order; then `active` waits at a reached barrier and `draining` pauses. */
const afterBatchSettled = [
  // Memory first: a batch whose skill ran out of memory counts its items as failed, but memory is why.
  { guard: 'memoryLimitExceeded', target: '#scenario.failed', actions: { type: 'markFailure', params: { reason: 'memory_limit_exceeded' } } },
  { guard: 'errorToleranceExceeded', target: '#scenario.failed', actions: { type: 'markFailure', params: { reason: 'error_tolerance_exceeded' } } },
  // A scenario with no batch left completes even if its last batch crossed a barrier: a finished
  // scenario never holds a barrier, so waiting there would only delay its own result.
  { guard: 'allBatchesSettled', target: '#scenario.complete' },
] as const;

/**
 * One scenario: runs its batches through the batch runner, records milestones, waits at barriers
 * until the orchestrator releases it, retries failed batches, and enforces its time budget, memory
 * limit and error tolerance. No I/O: the runner and alarms are actors provided from outside.
 */
export const scenarioMachine = setup({
  types: {
    context: {} as ScenarioContext,
    events: {} as ScenarioEvent,
    input: {} as ScenarioInput,
  },
  actors: {
    batchRunner: fromCallback<EventObject, BatchRunnerInput>(notProvided('batchRunner')),
    alarm: fromCallback<EventObject, AlarmInput>(notProvided('alarm')),
  },
  guards: {
    // A folded batch.done counts if the current batch is among its batches: a runner restored from a snapshot
    // replays from where it was invoked, so its first batches may be ones the machine has already counted.
    isCurrentBatch: ({ context, event }) => 'index' in event && (event.index === context.cursor || (event.type === 'batch.done' && event.index < context.cursor && (event.following?.at(-1)?.index ?? -1) >= context.cursor)),
    errorToleranceExceeded: ({ context }) => context.progress.itemsFailed / context.plan.inputSize > context.plan.errorTolerance,
    // Past the limit by the batch's figure, or cut off at it (an isolated worker's heap reached its cap: recordBatch).
    memoryLimitExceeded: ({ context }) => context.progress.memoryUsedMb > context.plan.memoryLimitMb || context.progress.failureReason === 'memory_limit_exceeded',
    isAwaitingBarrier: ({ context }) => context.awaitingBarrier !== null,
    allBatchesSettled: ({ context }) => context.cursor >= context.plan.batchesTotal,
    settledSincePause: ({ context }) => context.cursor > context.drainFrom,
    isAwaitedRelease: ({ context, event }) => event.type === 'barrier.release' && event.milestone === context.awaitingBarrier,
  },
  actions: {
    markStarted: assign(({ context, event }) => {
      const at = timeOf(context, event);
      const progress: ScenarioProgress = { ...context.progress, status: 'running', startedAt: at };
      return { progress: withMilestones(progress, context.plan, at, 0), budgetRemainingMs: context.plan.timeBudgetMs };
    }),
    armBudget: assign(({ context, event }) => ({ budgetDeadline: timeOf(context, event) + context.budgetRemainingMs })),
    keepBudgetLeft: assign(({ context, event }) => ({ budgetRemainingMs: Math.max(0, context.budgetDeadline - timeOf(context, event)) })),
    recordBatch: assign(({ context, event }) => {
      assertEvent(event, 'batch.done');
      const { plan, passedBarriers, downtimeMs, resumedAt } = context;
      // The batch and those the runner folded after it, one by one, up to the first that decides
      // something: the guards below then see the scenario exactly as after that batch.
      let progress = context.progress;
      let cursor = context.cursor;
      let awaitingBarrier = context.awaitingBarrier;
      const { counted, following } = event;
      // Batches before the cursor were counted already (see isCurrentBatch): counting starts at the cursor.
      let i = event.index >= cursor ? 0 : cursor - event.index;
      let next: BatchDoneEvent | undefined = i === 0 ? event : following?.[i - 1];
      const precounted =
        counted !== undefined && counted.from === progress && counted.downtimeMs === downtimeMs && counted.resumedAt === resumedAt && next?.index === cursor ? counted.progress : undefined;
      for (let c = 0; next !== undefined && next.index === cursor; c += 1, i += 1) {
        progress = precounted?.[c] ?? countBatch(progress, plan, next, downtimeMs, resumedAt);
        cursor += 1;
        awaitingBarrier = nextAwaitedBarrier(plan, progress, passedBarriers);
        if (awaitingBarrier !== null || decidesAfter(progress, plan, cursor)) break;
        next = following?.[i];
      }
      // Flushed for a pause: these settled before it was asked for, so it completes at the next one.
      if (event.settledBeforePause === true) return { progress, cursor, attempt: 1, awaitingBarrier, drainFrom: cursor };
      return { progress, cursor, attempt: 1, awaitingBarrier };
    }),
    scheduleRetry: assign(({ context, event }) => {
      assertEvent(event, 'batch.failed');
      const at = timeOf(context, event);
      const backoff = context.plan.retry.backoffMs * 2 ** (event.attempt - 1);
      const errors = [...context.progress.errors, { at, message: event.error, batchIndex: event.index, attempt: event.attempt }];
      return {
        attempt: event.attempt + 1,
        retryAt: at + backoff,
        progress: {
          ...context.progress,
          busyMs: context.progress.busyMs + event.durationMs,
          retries: context.progress.retries + 1,
          errorCount: context.progress.errorCount + 1,
          errors: errors.slice(-context.plan.maxErrorsKept),
        },
      };
    }),
    noteArrival: assign(({ context, event }) => ({ barrierArrivedAt: timeOf(context, event) })),
    announceArrival: sendParent(({ context, event }): OrchestratorEvent => ({
      type: 'barrier.arrived',
      at: timeOf(context, event),
      scenario: context.plan.name,
      milestone: context.awaitingBarrier ?? -1,
    })),
    passBarrier: assign(({ context, event }) => {
      assertEvent(event, 'barrier.release');
      const passedBarriers = [...context.passedBarriers, event.milestone];
      // Released while paused: endBarrierWait already closed the wait when the pause began.
      const waited = context.barrierArrivedAt === null ? 0 : Math.max(0, timeOf(context, event) - context.barrierArrivedAt);
      return {
        passedBarriers,
        awaitingBarrier: nextAwaitedBarrier(context.plan, context.progress, passedBarriers),
        barrierArrivedAt: null,
        progress: { ...context.progress, waitingMs: context.progress.waitingMs + waited },
      };
    }),
    endBarrierWait: assign(({ context, event }) => ({
      barrierArrivedAt: null,
      progress: {
        ...context.progress,
        waitingMs: context.progress.waitingMs + (context.barrierArrivedAt === null ? 0 : Math.max(0, timeOf(context, event) - context.barrierArrivedAt)),
      },
    })),
    requestDrain: assign(({ context }) => ({ drainFrom: context.cursor })),
    // Batches the runner has settled but not yet sent are counted before the pause takes effect.
    flushRunner: sendTo('runner', { type: 'runner.flush' }),
    markPaused: assign(({ context, event }) => ({ pausedAt: timeOf(context, event), progress: { ...context.progress, status: 'paused' as const } })),
    markUnpaused: assign(({ context, event }) => ({
      pausedAt: null,
      progress: {
        ...context.progress,
        status: 'running' as const,
        pausedMs: context.progress.pausedMs + (context.pausedAt === null ? 0 : Math.max(0, timeOf(context, event) - context.pausedAt)),
      },
    })),
    addDowntime: assign(({ context, event }) => {
      assertEvent(event, 'clock.resumed');
      // Open waits, pauses and deadlines shift by the downtime too, so none counts time nobody was running:
      // the budget and retry alarms fire later by the same amount (they add downtime since they were armed).
      const shift = (t: number | null) => (t === null ? null : t + event.downtimeMs);
      return {
        downtimeMs: context.downtimeMs + event.downtimeMs,
        barrierArrivedAt: shift(context.barrierArrivedAt),
        pausedAt: shift(context.pausedAt),
        budgetDeadline: context.budgetDeadline + event.downtimeMs,
        retryAt: context.retryAt + event.downtimeMs,
        resumedAt: Math.max(context.resumedAt, event.at),
      };
    }),
    markFailure: assign(({ context }, params: { reason: FailureReason }) => ({
      progress: { ...context.progress, failureReason: params.reason },
    })),
    recordRunnerError: assign(({ context, event }) => {
      assertEvent(event, 'runner.error');
      const errors = [...context.progress.errors, { at: timeOf(context, event), message: event.error }];
      return { progress: { ...context.progress, errorCount: context.progress.errorCount + 1, errors: errors.slice(-context.plan.maxErrorsKept) } };
    }),
    finish: assign(({ context, event }) => {
      const status = context.progress.failureReason === undefined ? ('complete' as const) : ('failed' as const);
      return {
        progress: { ...context.progress, status, finishedAt: timeOf(context, event), elapsedMs: elapsedAt(context.progress, timeOf(context, event), context.downtimeMs) },
      };
    }),
    reportFinished: sendParent(({ context, event }): OrchestratorEvent => ({
      type: 'scenario.finished',
      at: timeOf(context, event),
      scenario: context.plan.name,
      progress: context.progress,
    })),
  },
}).createMachine({
  id: 'scenario',
  context: ({ input }) => ({
    plan: input.plan,
    progress: initialProgress(input.plan),
    cursor: 0,
    attempt: 1,
    passedBarriers: [],
    awaitingBarrier: null,
    barrierArrivedAt: null,
    budgetDeadline: 0,
    budgetRemainingMs: input.plan.timeBudgetMs,
    retryAt: 0,
    pausedAt: null,
    drainFrom: 0,
    downtimeMs: 0,
    resumedAt: 0,
  }),
  initial: 'pending',
  on: {
    'clock.resumed': { actions: 'addDowntime' },
  },
  states: {
    pending: {
      on: {
        'scenario.start': { target: 'running', actions: 'markStarted' },
        'scenario.cancel': { target: 'failed', actions: { type: 'markFailure', params: { reason: 'cancelled' } } },
      },
    },
    running: {
      initial: 'working',
      on: {
        'scenario.cancel': { target: 'failed', actions: { type: 'markFailure', params: { reason: 'cancelled' } } },
      },
      states: {
        working: {
          entry: 'armBudget',
          exit: 'keepBudgetLeft',
          invoke: {
            id: 'timeBudget',
            src: 'alarm',
            input: ({ context }) => ({ at: context.budgetDeadline, event: { type: 'budget.expired' }, downtimeAtArm: context.downtimeMs }),
          },
          on: {
            'budget.expired': { target: '#scenario.failed', actions: { type: 'markFailure', params: { reason: 'time_budget_exceeded' } } },
          },
          initial: 'processing',
          states: {
            processing: {
              invoke: {
                id: 'runner',
                src: 'batchRunner',
                input: ({ context }) => ({ plan: context.plan, from: context.cursor, attempt: context.attempt }),
              },
              on: {
                'batch.done': { guard: 'isCurrentBatch', actions: 'recordBatch' },
                'batch.failed': { guard: 'isCurrentBatch', target: 'retrying', actions: 'scheduleRetry' },
                'runner.error': { target: '#scenario.paused', actions: 'recordRunnerError' },
              },
              initial: 'active',
              states: {
                active: {
                  always: [...afterBatchSettled, { guard: 'isAwaitingBarrier', target: '#scenario.running.atBarrier' }],
                  on: { 'scenario.pause': { target: 'draining', actions: ['requestDrain', 'flushRunner'] } },
                },
                draining: {
                  // Pausing wins over a barrier the batch in flight reached: resume goes to the barrier.
                  always: [...afterBatchSettled, { guard: 'settledSincePause', target: '#scenario.paused' }],
                  on: {
                    'scenario.resume': 'active',
                    // A failed attempt settles the pause too; the retry waits for the resume.
                    'batch.failed': { guard: 'isCurrentBatch', target: '#scenario.paused', actions: 'scheduleRetry' },
                  },
                },
              },
            },
            retrying: {
              invoke: {
                id: 'retryTimer',
                src: 'alarm',
                input: ({ context }) => ({ at: context.retryAt, event: { type: 'retry.due' }, downtimeAtArm: context.downtimeMs }),
              },
              on: {
                'retry.due': 'processing',
                'scenario.pause': '#scenario.paused',
              },
            },
          },
        },
        atBarrier: {
          entry: ['noteArrival', 'announceArrival'],
          on: {
            'barrier.release': { guard: 'isAwaitedRelease', target: 'working', actions: 'passBarrier' },
            'scenario.pause': { target: '#scenario.paused', actions: 'endBarrierWait' },
          },
        },
      },
    },
    paused: {
      entry: 'markPaused',
      exit: 'markUnpaused',
      on: {
        'scenario.resume': [
          { guard: 'isAwaitingBarrier', target: 'running.atBarrier' },
          { target: 'running.working' },
        ],
        'barrier.release': { guard: 'isAwaitedRelease', actions: 'passBarrier' },
        'scenario.cancel': { target: 'failed', actions: { type: 'markFailure', params: { reason: 'cancelled' } } },
      },
    },
    complete: { type: 'final', entry: ['finish', 'reportFinished'] },
    failed: { type: 'final', entry: ['finish', 'reportFinished'] },
  },
});
