import { describe, expect, it } from 'vitest';
import type { SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, createTestModel, type TestPath } from 'xstate/graph';
import type { ScenarioEvent } from '../../src/machines/events.ts';
import { scenarioMachine } from '../../src/machines/scenarioMachine.ts';
import { batchDone, batchFailed, batchGaveUp, type AlarmHandle } from '../support/controls.ts';
import { allStateNodeIds, allTransitionKeys, CoverageCollector, muteStoppedActorWarnings, RouteLedger } from '../support/coverage.ts';
import { createScenarioHarness, statePathOf, type ScenarioHarness, type ScenarioSnapshot } from '../support/scenarioHarness.ts';
import { checkScenarioInvariants } from '../support/scenarioInvariants.ts';
import { MODEL_PLAN, scenarioModel, scenarioModelEvents, type ScenarioModelContext, type ScenarioModelEvent } from '../support/scenarioModel.ts';
import { testPlan } from '../support/plans.ts';

type ModelSnapshot = SnapshotFrom<typeof scenarioModel>;
type ModelPath = TestPath<ModelSnapshot, ScenarioModelEvent>;

/** 4 batches of 1 item, a barrier at 50 %, 2 attempts per batch, error tolerance 0.25: what the model assumes. */
const plan = testPlan();
const STEP_MS = 10;
const DOWNTIME_MS = 5;

const model = createTestModel(scenarioModel, { events: scenarioModelEvents.map((type) => ({ type })) });
const only = (...types: ScenarioModelEvent['type'][]) => (_: ModelSnapshot, event: ScenarioModelEvent) => types.includes(event.type);

const families: [string, ModelPath[]][] = [
  ['shortest paths to every model state', model.getShortestPaths()],
  ['simple paths through retries and tolerance', model.getSimplePaths({ filterEvents: only('START', 'OK', 'FAIL', 'RETRY_DUE', 'RELEASE') })],
  [
    'simple paths through pause and resume around the barrier',
    model.getSimplePaths({ filterEvents: only('START', 'OK', 'PAUSE', 'RESUME', 'RELEASE'), stopWhen: (s) => s.context.cursor >= 3 }),
  ],
  [
    'simple paths mixing pause with retries of the first batch',
    model.getSimplePaths({ filterEvents: only('START', 'OK', 'FAIL', 'RETRY_DUE', 'PAUSE', 'RESUME'), stopWhen: (s) => s.context.cursor >= 1 }),
  ],
];

const coverage = new CoverageCollector();
const ledger = new RouteLedger<ModelPath>();

/** Makes the world do what a model event stands for: the test answers for the runner and the alarms. */
function execute(h: ScenarioHarness, type: ScenarioModelEvent['type'], before: ScenarioModelContext): void {
  const at = () => h.clock.tick(STEP_MS);
  switch (type) {
    case 'START':
      return h.send({ type: 'scenario.start' }, STEP_MS);
    case 'OK':
      return h.controls.runner().sendBack(batchDone(before.cursor, at(), { attempt: before.attempt }));
    case 'HEAVY':
      return h.controls.runner().sendBack(batchDone(before.cursor, at(), { attempt: before.attempt, memoryMb: plan.memoryLimitMb + 1 }));
    case 'FAIL': {
      const runner = h.controls.runner();
      return runner.sendBack(before.attempt < MODEL_PLAN.maxAttempts ? batchFailed(before.cursor, at(), before.attempt) : batchGaveUp(before.cursor, at(), before.attempt));
    }
    case 'RETRY_DUE':
      return h.controls.fireAtDeadline(h.controls.alarm1('retry.due'), h.clock, STEP_MS);
    case 'BUDGET':
      return h.controls.fireAtDeadline(h.controls.alarm1('budget.expired'), h.clock, STEP_MS);
    case 'RUNNER_ERROR':
      return h.controls.runner().sendBack({ type: 'runner.error', at: at(), error: 'journal unreachable' });
    case 'PAUSE':
      return h.send({ type: 'scenario.pause' }, STEP_MS);
    case 'RESUME':
      return h.send({ type: 'scenario.resume' }, STEP_MS);
    case 'RELEASE':
      return h.send({ type: 'barrier.release', milestone: MODEL_PLAN.barrierMilestone }, STEP_MS);
    case 'CANCEL':
      return h.send({ type: 'scenario.cancel' }, STEP_MS);
    case 'CLOCK':
      return h.send({ type: 'clock.resumed', downtimeMs: DOWNTIME_MS }, STEP_MS);
  }
}

/** The real scenario holds what the model holds. */
function expectMatchesModel(real: ScenarioSnapshot, expected: ModelSnapshot, label: string): void {
  expect(real.value, `${label}: state`).toEqual(expected.value);
  const m = expected.context;
  const c = real.context;
  expect(
    { cursor: c.cursor, attempt: c.attempt, failedItems: c.progress.itemsFailed, passed: c.passedBarriers.includes(MODEL_PLAN.barrierMilestone), reason: c.progress.failureReason ?? null, downtime: c.downtimeMs > 0 },
    `${label}: context`,
  ).toEqual({ cursor: m.cursor, attempt: m.attempt, failedItems: m.failedItems, passed: m.passed, reason: m.reason, downtime: m.downtime });
}

/** Wall time the scenario spent in each kind of state, added up by the test from the steps it took. */
interface Timeline {
  working: number;
  paused: number;
  atBarrier: number;
}

/** `downtimeMs` of the interval the process was down: it counts against neither the budget, nor as a pause or a wait. */
function account(timeline: Timeline, path: string, ms: number, downtimeMs: number): void {
  if (path.startsWith('running.working')) timeline.working += ms - downtimeMs;
  else if (path === 'paused') timeline.paused += ms - downtimeMs;
  else if (path === 'running.atBarrier') timeline.atBarrier += ms - downtimeMs;
}

/** Budget, pauses and barrier waits are charged exactly the time spent working, paused and waiting. */
function expectTimeAccounting(h: ScenarioHarness, real: ScenarioSnapshot, timeline: Timeline, label: string): void {
  const c = real.context;
  const path = statePathOf(real.value);
  const now = h.clock.now;
  if (c.progress.startedAt === null || real.status === 'done') return;
  // Downtime after a restore moves the deadline and the alarm back alike: the budget counts time up only.
  if (path.startsWith('running.working')) {
    expect(c.budgetDeadline - now, `${label}: budget left while working`).toBe(plan.timeBudgetMs - timeline.working);
    expect(alarmDueAt(h.controls.alarm1('budget.expired'), c.downtimeMs), `${label}: the budget alarm is armed for the deadline`).toBe(c.budgetDeadline);
  } else {
    expect(c.budgetRemainingMs, `${label}: budget kept while not working`).toBe(plan.timeBudgetMs - timeline.working);
  }
  if (path === 'paused') expect(c.progress.pausedMs + (now - (c.pausedAt ?? now)), `${label}: paused time`).toBe(timeline.paused);
  else expect(c.progress.pausedMs, `${label}: paused time`).toBe(timeline.paused);
  if (path === 'running.atBarrier') expect(c.progress.waitingMs + (now - (c.barrierArrivedAt ?? now)), `${label}: barrier wait`).toBe(timeline.atBarrier);
  else expect(c.progress.waitingMs, `${label}: barrier wait`).toBe(timeline.atBarrier);
}

/** Exactly the actors the state calls for are running: a runner while processing, a budget alarm while working, a retry alarm while retrying. */
function expectLiveActors(h: ScenarioHarness, real: ScenarioSnapshot, runnersBefore: number, label: string): void {
  const path = statePathOf(real.value);
  expect(h.controls.liveRunners().length, `${label}: runner live iff processing`).toBe(path.startsWith('running.working.processing') ? 1 : 0);
  expect(h.controls.liveAlarms('budget.expired').length, `${label}: budget alarm iff working`).toBe(path.startsWith('running.working') ? 1 : 0);
  expect(h.controls.liveAlarms('retry.due').length, `${label}: retry alarm iff retrying`).toBe(path === 'running.working.retrying' ? 1 : 0);
  for (const runner of h.controls.runners.slice(runnersBefore)) {
    if (runner.stopped) continue;
    expect(runner.input.from, `${label}: a new runner starts at the cursor`).toBe(real.context.cursor);
    expect(runner.input.attempt, `${label}: a new runner starts at the pending attempt`).toBe(real.context.attempt);
  }
  const retry = h.controls.liveAlarms('retry.due')[0];
  if (retry) expect(alarmDueAt(retry, real.context.downtimeMs), `${label}: the retry alarm is armed for retryAt`).toBe(real.context.retryAt);
}

/** When the real alarm would fire, given the downtime so far: its deadline plus the downtime since it was armed. */
function alarmDueAt(alarm: AlarmHandle, downtimeMs: number): number {
  return alarm.input.at + downtimeMs - alarm.input.downtimeAtArm;
}

/** Every event the world could send, none of which may move a finished scenario. */
function everyEvent(h: ScenarioHarness, cursor: number): ScenarioEvent[] {
  const at = h.clock.tick(STEP_MS);
  return [
    { type: 'scenario.start', at },
    { type: 'scenario.pause', at },
    { type: 'scenario.resume', at },
    { type: 'scenario.cancel', at },
    { type: 'barrier.release', at, milestone: MODEL_PLAN.barrierMilestone },
    { type: 'budget.expired', at },
    { type: 'retry.due', at },
    { type: 'runner.error', at, error: 'late' },
    { type: 'clock.resumed', at, downtimeMs: 1 },
    batchDone(cursor, at),
    batchDone(cursor, at, { outOfMemory: true, itemsFailed: 1, qualityScore: null }),
    batchFailed(cursor, at, 1),
  ];
}

function drive(path: ModelPath): void {
  ledger.driving(path);
  const h = createScenarioHarness(plan, { inspect: coverage.inspector((actor) => actor.id === 'scenario') });
  const timeline: Timeline = { working: 0, paused: 0, atBarrier: 0 };
  const [init, ...steps] = path.steps;
  if (!init) throw new Error('a path starts with its initial state');
  let prev = h.snapshot();
  expectMatchesModel(prev, init.state, 'initially');
  checkScenarioInvariants(undefined, prev, plan, h.parentEvents, 'initially');

  let before = init.state;
  for (const [i, step] of steps.entries()) {
    const label = `step ${i + 1} (${step.event.type})`;
    const runnersBefore = h.controls.runners.length;
    const t0 = h.clock.now;
    execute(h, step.event.type, before.context);
    account(timeline, statePathOf(prev.value), h.clock.now - t0, step.event.type === 'CLOCK' && prev.status === 'active' ? DOWNTIME_MS : 0);
    const real = h.snapshot();
    expectMatchesModel(real, step.state, label);
    checkScenarioInvariants(prev, real, plan, h.parentEvents, label);
    expectLiveActors(h, real, runnersBefore, label);
    expectTimeAccounting(h, real, timeline, label);
    prev = real;
    before = step.state;
  }

  if (prev.status === 'done') {
    const heard = h.parentEvents.length;
    const unmute = muteStoppedActorWarnings();
    try {
      for (const event of everyEvent(h, prev.context.cursor)) h.scenario.send(event);
    } finally {
      unmute();
    }
    checkScenarioInvariants(prev, h.snapshot(), plan, h.parentEvents, 'after the end');
    expect(h.parentEvents.length, 'a finished scenario tells its parent nothing more').toBe(heard);
  }
  h.root.stop();
}

describe('scenarioMachine (model-based)', () => {
  it('reaches every model state through the generated shortest paths', () => {
    const key = (s: ModelSnapshot) => JSON.stringify([s.value, s.context]);
    const all = new Set(adjacencyMapToArray(model.getAdjacencyMap()).flatMap((e) => [key(e.state), key(e.nextState)]));
    const reached = new Set(families[0]?.[1].flatMap((p) => p.steps.map((s) => key(s.state))));
    expect(reached).toEqual(all);
    expect(all.size).toBeGreaterThan(150);
  });

  for (const [family, paths] of families) {
    describe(`${family} (${paths.length})`, () => {
      it.each(ledger.plan(paths))('%s', (_, path) => drive(path));
    });
  }

  const states = allStateNodeIds(scenarioMachine);
  const transitions = allTransitionKeys(scenarioMachine);
  it(`covers all ${states.length} state nodes and ${transitions.length} transitions of the real machine`, () => {
    // Self-contained: drives the paths this run did not (all of them when run alone with -t).
    for (const [path] of ledger.undriven()) drive(path);
    expect([...coverage.states].sort()).toEqual(states);
    expect([...coverage.transitions].sort()).toEqual(transitions);
  }, 180_000);
});
