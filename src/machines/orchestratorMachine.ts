import { assertEvent, assign, enqueueActions, fromCallback, setup } from 'xstate';
import type { EventObject } from 'xstate';
import type { BarrierRecord, ScenarioProgress } from '../report/schema.ts';
import { arrive, emptyBarrierBook, liveSet, release, releasable, shiftDeadlines, withoutLive, type BarrierBook } from './barrier.ts';
import type { OrchestratorEvent } from './events.ts';
import { finishedProgress, noneFinished, withFinished, type FinishedScenarios } from './finishedScenarios.ts';
import { notProvided } from './notProvided.ts';
import type { ScenarioPlan } from './scenarioPlan.ts';
import { scenarioMachine, type AlarmInput } from './scenarioMachine.ts';

export interface OrchestratorInput {
  orchestrationId: string;
  plans: ScenarioPlan[];
  barrierTimeoutMs: number;
}

export interface OrchestratorContext {
  orchestrationId: string;
  /** Scenario names in config order. */
  names: string[];
  /** Scenarios not yet complete or failed: only these can hold a barrier. */
  live: string[];
  plans: ScenarioPlan[];
  barrierTimeoutMs: number;
  startedAt: number | null;
  finishedAt: number | null;
  downtimeMs: number;
  book: BarrierBook;
  /** Final progress by scenario name, in buckets (read with finishedProgress / finishedByName). */
  finished: FinishedScenarios;
  /** Scenario actors that have stopped (their done event arrived): the run ends only after the last. */
  stopped: number;
}

export interface OrchestratorOutput {
  startedAt: number | null;
  finishedAt: number | null;
  downtimeMs: number;
  scenarios: ScenarioProgress[];
  barriers: BarrierRecord[];
}

/** Scenario actors are children with these ids: deterministic, so a restored tree finds them again. */
export const scenarioActorId = (name: string) => `scenario:${name}`;
const barrierAlarmId = (milestone: number) => `barrier:${milestone}`;

/**
 * Fans out one scenario actor per plan, holds them together at milestone barriers (released by all
 * live arrivals or by a durable timeout), relays pause/resume/cancel, and finishes with every
 * scenario's final progress as its output.
 */
export const orchestratorMachine = setup({
  types: {
    context: {} as OrchestratorContext,
    events: {} as OrchestratorEvent,
    input: {} as OrchestratorInput,
    output: {} as OrchestratorOutput,
  },
  actors: {
    scenario: scenarioMachine,
    alarm: fromCallback<EventObject, AlarmInput>(notProvided('alarm')),
  },
  guards: {
    isScenarioDone: ({ event }) => event.type.startsWith('xstate.done.actor.scenario:'),
    // Waiting for the children's done events, not just scenario.finished, keeps the root alive until the
    // last child has stopped, so XState never delivers a done event to a finished orchestrator.
    allFinished: ({ context }) => context.live.length === 0 && context.stopped >= context.names.length,
  },
  actions: {
    // Spawned in one assign, so XState builds the children map once; a spawnChild action per scenario
    // would copy the growing map at each spawn (O(N^2): minutes at 10,000 scenarios).
    spawnScenarios: assign(({ context, spawn }) => {
      for (const plan of context.plans) spawn('scenario', { id: scenarioActorId(plan.name), input: { plan } });
      return {};
    }),
    /** The scenario whose event the root is handling: createOrchestration reports its news first (causal order). */
    scenarioReported: (_, _params: { scenario: string }) => undefined,
    markStarted: assign(({ event }) => ({ startedAt: event.at })),
    startScenarios: enqueueActions(({ context, event, enqueue }) => {
      for (const name of context.live) enqueue.sendTo(scenarioActorId(name), { type: 'scenario.start', at: event.at });
    }),
    relayControl: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, ['orchestration.pause', 'orchestration.resume', 'orchestration.cancel']);
      const targets = 'scenario' in event && event.scenario !== undefined ? context.live.filter((n) => n === event.scenario) : context.live;
      const type = event.type === 'orchestration.pause' ? 'scenario.pause' : event.type === 'orchestration.resume' ? 'scenario.resume' : 'scenario.cancel';
      for (const name of targets) enqueue.sendTo(scenarioActorId(name), { type, at: event.at });
    }),
    relayDowntime: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'clock.resumed');
      // Open barriers' timeouts move back by the downtime; their alarms do the same (downtimeAtArm).
      enqueue.assign({ downtimeMs: context.downtimeMs + event.downtimeMs, book: shiftDeadlines(context.book, event.downtimeMs) });
      for (const name of context.live) enqueue.sendTo(scenarioActorId(name), event);
    }),
    handleArrival: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'barrier.arrived');
      const startedAt = context.startedAt ?? event.at;
      enqueue(reportedBy(event.scenario));
      const outcome = arrive(context.book, event.scenario, event.milestone, event.at, startedAt, context.barrierTimeoutMs, context.live);
      if (outcome.kind === 'pass-through') {
        enqueue.assign({ book: outcome.book });
        enqueue.sendTo(scenarioActorId(event.scenario), { type: 'barrier.release', milestone: event.milestone, at: event.at });
        return;
      }
      if (outcome.kind === 'opened') {
        enqueue.spawnChild('alarm', {
          id: barrierAlarmId(event.milestone),
          input: { at: outcome.deadline, event: barrierTimeoutEvent(event.milestone), downtimeAtArm: context.downtimeMs },
        });
      }
      const ready = releaseReady({ ...context, book: outcome.book }, event.at);
      enqueue.assign({ book: ready.book });
      for (const r of ready.releases) {
        enqueue.stopChild(barrierAlarmId(r.milestone));
        for (const name of r.to) enqueue.sendTo(scenarioActorId(name), { type: 'barrier.release', milestone: r.milestone, at: event.at });
      }
    }),
    releaseByTimeout: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'barrier.timeout');
      const startedAt = context.startedAt ?? event.at;
      const { book, record } = release(context.book, event.milestone, 'timeout', event.at, startedAt, context.live);
      if (!record) return;
      enqueue.assign({ book });
      enqueue.stopChild(barrierAlarmId(event.milestone));
      const live = liveSet(context.live);
      for (const name of record.arrived.filter((n) => live.has(n))) {
        enqueue.sendTo(scenarioActorId(name), { type: 'barrier.release', milestone: event.milestone, at: event.at });
      }
    }),
    recordFinished: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'scenario.finished');
      enqueue(reportedBy(event.scenario));
      const finished = withFinished(context.finished, event.scenario, event.progress);
      const next = { ...context, live: withoutLive(context.book, context.live, event.scenario), finished };
      const ready = releaseReady(next, event.at);
      enqueue.assign({ live: next.live, finished: next.finished, book: ready.book, finishedAt: next.live.length === 0 ? event.at : context.finishedAt });
      for (const r of ready.releases) {
        enqueue.stopChild(barrierAlarmId(r.milestone));
        for (const name of r.to) enqueue.sendTo(scenarioActorId(name), { type: 'barrier.release', milestone: r.milestone, at: event.at });
      }
    }),
    countStopped: assign(({ context }) => ({ stopped: context.stopped + 1 })),
  },
}).createMachine({
  id: 'orchestrator',
  context: ({ input }) => ({
    orchestrationId: input.orchestrationId,
    names: input.plans.map((p) => p.name),
    live: input.plans.map((p) => p.name),
    plans: input.plans,
    barrierTimeoutMs: input.barrierTimeoutMs,
    startedAt: null,
    finishedAt: null,
    downtimeMs: 0,
    book: emptyBarrierBook,
    finished: noneFinished(input.plans.length),
    stopped: 0,
  }),
  initial: 'ready',
  states: {
    ready: {
      entry: 'spawnScenarios',
      on: {
        'orchestration.start': { target: 'running', actions: ['markStarted', 'startScenarios'] },
        'orchestration.cancel': { actions: 'relayControl' },
      },
      always: { guard: 'allFinished', target: 'done' },
    },
    running: {
      on: {
        'orchestration.pause': { actions: 'relayControl' },
        'orchestration.resume': { actions: 'relayControl' },
        'orchestration.cancel': { actions: 'relayControl' },
        'clock.resumed': { actions: 'relayDowntime' },
        'barrier.arrived': { actions: 'handleArrival' },
        'barrier.timeout': { actions: 'releaseByTimeout' },
      },
      always: { guard: 'allFinished', target: 'done' },
    },
    done: {
      type: 'final',
    },
  },
  on: {
    'scenario.finished': { actions: 'recordFinished' },
    'xstate.done.actor.*': { guard: 'isScenarioDone', actions: 'countStopped' },
  },
  output: ({ context }) => ({
    startedAt: context.startedAt,
    finishedAt: context.finishedAt,
    downtimeMs: context.downtimeMs,
    scenarios: context.names.map((n) => finishedProgress(context.finished, n)).filter((p): p is ScenarioProgress => p !== undefined),
    barriers: context.book.released,
  }),
});

/**
 * The named action `scenarioReported` for a scenario, to enqueue: enqueueActions' types know only inline
 * actions of a machine still being set up, though XState resolves a named one by its type at run time.
 */
function reportedBy(scenario: string): never {
  const action = { type: 'scenarioReported', params: { scenario } };
  return action as never;
}

function barrierTimeoutEvent(milestone: number): AlarmInput['event'] {
  const event: Omit<Extract<OrchestratorEvent, { type: 'barrier.timeout' }>, 'at'> = { type: 'barrier.timeout', milestone };
  return event;
}

/** Releases every open barrier that no live scenario still holds; returns who to release. */
function releaseReady(context: OrchestratorContext, at: number): { book: BarrierBook; releases: { milestone: number; to: string[] }[] } {
  let book = context.book;
  const releases: { milestone: number; to: string[] }[] = [];
  const startedAt = context.startedAt ?? at;
  for (const open of releasable(book, context.live)) {
    const result = release(book, open.milestone, 'all-arrived', at, startedAt, context.live);
    book = result.book;
    const live = liveSet(context.live);
    if (result.record) releases.push({ milestone: open.milestone, to: result.record.arrived.filter((n) => live.has(n)) });
  }
  return { book, releases };
}
