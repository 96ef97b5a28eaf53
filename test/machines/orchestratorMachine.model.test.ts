import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyActorLogic, AnyActorRef, SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, createTestModel, getAdjacencyMap } from 'xstate/graph';
import { finishedByName } from '../../src/machines/finishedScenarios.ts';
import { orchestratorMachine } from '../../src/machines/orchestratorMachine.ts';
import { batchDone } from '../support/controls.ts';
import { allStateNodeIds, allTransitionKeys, CoverageCollector, muteStoppedActorWarnings, RouteLedger } from '../support/coverage.ts';
import { createOrchestratorHarness, ORCHESTRATOR_ID, type OrchestratorHarness, type OrchestratorSnapshot } from '../support/orchestratorHarness.ts';
import {
  BARRIERS,
  NAMES,
  guidedWalks,
  isFinished,
  liveOf,
  orchestratorModel,
  orchestratorModelEvents,
  orchestratorModelGraph,
  transitionsTaken,
  type ModelRoute,
  type Name,
  type OrchestratorModelContext,
  type OrchestratorModelEvent,
  type Phase,
} from '../support/orchestratorModel.ts';
import { testPlan } from '../support/plans.ts';
import { stubScenario, type StubCommand, type StubContext } from '../support/stubScenario.ts';

type ModelSnapshot = SnapshotFrom<typeof orchestratorModel>;

const STEP_MS = 10;
const TIMEOUT_MS = 1_000;
const DOWNTIME_MS = 5;
const plans = NAMES.map((name) => testPlan({ definition: { name }, milestones: [0, 30, 70, 100], barriers: [...BARRIERS] }));

const model = createTestModel(orchestratorModel, { events: orchestratorModelEvents.map((type) => ({ type })) });
// The model's guards say what the world can do next (e.g. only a scenario past 70 % can complete): skip the rest.
const paths = model.getShortestPaths({ filterEvents: (state, event) => state.can(event) });
const coverage = new CoverageCollector();
/** Which routes the tests drive, with which scenario kind, so the coverage check can drive the rest itself. */
const ledger = new RouteLedger<ModelRoute, ScenarioKind>();

/**
 * The shortest paths reach every model state but take only about a quarter of its state-changing
 * transitions; seeded walks steered to the transitions not taken yet add the rest, up to WALK_TARGET.
 */
const WALK_SEED = 13;
const WALK_TARGET = 0.85;
const MIN_MODEL_TRANSITION_COVERAGE = 0.8;
const graph = orchestratorModelGraph();
const takenByShortest = transitionsTaken(paths);
const walks = guidedWalks(graph, { seed: WALK_SEED, taken: takenByShortest, target: WALK_TARGET });
const takenByAll = transitionsTaken([...paths, ...walks]);
/** Every REAL_EVERY-th path and walk a real scenario can follow also runs on real scenario machines. */
const REAL_EVERY = 12;
const realRoutes = [...paths, ...walks].filter(feasibleForRealScenarios).filter((_, i) => i % REAL_EVERY === 0);

/**
 * Plans for real scenario machines under the same model: 10 batches of 1 item, so 30 % and 70 % are
 * batch 3 and batch 7; no failed item is tolerated and the budget never matters (its alarm is the test's).
 */
const BATCHES_TO = { 30: 3, 70: 7, 100: 10 } as const;
const realPlans = NAMES.map((name) =>
  testPlan({ definition: { name, inputSize: 10, timeBudgetSeconds: 3_600, errorTolerance: 0 }, milestones: [0, 30, 70, 100], barriers: [...BARRIERS] }),
);

interface StubSnapshotLike {
  value: unknown;
  status: string;
  context: StubContext;
}
const stub = (h: OrchestratorHarness, name: Name) => h.child(name).getSnapshot() as unknown as StubSnapshotLike;
const command = (h: OrchestratorHarness, name: Name, cmd: StubCommand) => (h.child(name) as AnyActorRef).send(cmd);

/** How a path drives the scenarios under the orchestrator and checks them against the model: stubs or real scenario machines. */
interface ScenarioKind {
  plans: typeof plans;
  /** Logic under the scenario ids; undefined for the real scenario machine. */
  logic: AnyActorLogic | undefined;
  arrive(h: OrchestratorHarness, name: Name, before: OrchestratorModelContext): void;
  finish(h: OrchestratorHarness, name: Name, status: 'complete' | 'failed'): void;
  expectAt(h: OrchestratorHarness, name: Name, model: OrchestratorModelContext, label: string): void;
  passed(h: OrchestratorHarness, name: Name): number[];
  /** Every barrier release a scenario heard (only stubs record them). */
  releasesHeard(h: OrchestratorHarness, name: Name): string[] | undefined;
}

const stubKind: ScenarioKind = {
  plans,
  logic: stubScenario,
  arrive: (h, name, before) => command(h, name, { type: 'stub.arrive', at: h.clock.tick(STEP_MS), milestone: before.phase[name] === 'run0' ? 30 : 70 }),
  finish: (h, name, status) => command(h, name, { type: 'stub.finish', at: h.clock.tick(STEP_MS), status }),
  expectAt: (h, name, m, label) => {
    const s = stub(h, name);
    expectStubAt(s, m.phase[name], `${label}: scenario ${name}`);
    if (!isFinished(m.phase[name])) expect(s.context.paused, `${label}: ${name} paused`).toBe(m.paused[name]);
  },
  passed: (h, name) => stub(h, name).context.passed,
  releasesHeard: (h, name) => stub(h, name).context.heard,
};

interface RealScenarioLike {
  value: unknown;
  status: string;
  context: { cursor: number; passedBarriers: number[]; awaitingBarrier: number | null };
}
const realScenario = (h: OrchestratorHarness, name: Name) => h.child(name).getSnapshot() as unknown as RealScenarioLike;

/** Answers for a real scenario's batch runner until `count` batches have settled (the last one over the memory limit, to fail it). */
function settleBatches(h: OrchestratorHarness, name: Name, count: number, heavyLast = false): void {
  for (let cursor = realScenario(h, name).context.cursor; cursor < count; cursor = realScenario(h, name).context.cursor) {
    const heavy = heavyLast && cursor === count - 1;
    h.controls.runner(name).sendBack(batchDone(cursor, h.clock.tick(STEP_MS), heavy ? { memoryMb: (realPlans[0]?.memoryLimitMb ?? 0) + 1 } : {}));
  }
}

const WORKING = { running: { working: { processing: 'active' } } };
const DRAINING = { running: { working: { processing: 'draining' } } };

const realKind: ScenarioKind = {
  plans: realPlans,
  logic: undefined,
  // A scenario reaches 30 % with its 3rd batch and 70 % with its 7th; there it waits unless the barrier was released.
  arrive: (h, name, before) => settleBatches(h, name, before.phase[name] === 'run0' ? BATCHES_TO[30] : BATCHES_TO[70]),
  // It completes with its last batch; it fails when its next batch goes over the memory limit.
  finish: (h, name, status) => settleBatches(h, name, status === 'complete' ? BATCHES_TO[100] : realScenario(h, name).context.cursor + 1, status === 'failed'),
  expectAt: (h, name, m, label) => {
    const s = realScenario(h, name);
    const phase = m.phase[name];
    const l = `${label}: scenario ${name}`;
    if (phase === 'complete' || phase === 'failed') {
      expect({ value: s.value, status: s.status }, l).toEqual({ value: phase, status: 'done' });
      return;
    }
    if (phase === 'pending') {
      expect(s.value, l).toBe('pending');
      return;
    }
    const passed = { run0: [], at30: [], run1: [30], at70: [30], run2: [30, 70] }[phase];
    const cursor = { run0: 0, at30: BATCHES_TO[30], run1: BATCHES_TO[30], at70: BATCHES_TO[70], run2: BATCHES_TO[70] }[phase];
    const waiting = phase === 'at30' ? 30 : phase === 'at70' ? 70 : null;
    expect({ passed: s.context.passedBarriers, cursor: s.context.cursor, awaiting: s.context.awaitingBarrier }, l).toEqual({ passed, cursor, awaiting: waiting });
    // Paused at a barrier it is paused (and stays so when released); paused with a batch in flight it drains.
    if (waiting !== null) expect(s.value, `${l}: state`).toEqual(m.paused[name] ? 'paused' : { running: 'atBarrier' });
    else expect(m.paused[name] ? [DRAINING, 'paused'] : [WORKING], `${l}: state ${JSON.stringify(s.value)}`).toContainEqual(s.value);
  },
  passed: (h, name) => realScenario(h, name).context.passedBarriers,
  releasesHeard: () => undefined,
};

/** A real scenario only does what the model says when it is not paused, and only fails while it runs batches. */
function feasibleForRealScenarios(route: ModelRoute): boolean {
  return route.steps.every((step, i) => {
    const before = route.steps[i - 1]?.state.context;
    const name: Name | undefined = /^(ARRIVE|COMPLETE|FAIL)_A$/.test(step.event.type) ? 'A' : /^(ARRIVE|COMPLETE|FAIL)_B$/.test(step.event.type) ? 'B' : undefined;
    if (!before || name === undefined) return true;
    if (before.paused[name]) return false;
    return !step.event.type.startsWith('FAIL_') || ['run0', 'run1', 'run2'].includes(before.phase[name]);
  });
}

function execute(h: OrchestratorHarness, kind: ScenarioKind, type: OrchestratorModelEvent['type'], before: OrchestratorModelContext): void {
  const fireTimeout = (m: number) => {
    const alarm = h.barrierAlarms().find((a) => a.id === `barrier:${m}`);
    if (!alarm) throw new Error(`no live alarm for barrier ${m}`);
    h.controls.fireAtDeadline(alarm, h.clock, STEP_MS);
  };
  switch (type) {
    case 'START':
      return h.send({ type: 'orchestration.start' }, STEP_MS);
    case 'CANCEL':
      return h.send({ type: 'orchestration.cancel' }, STEP_MS);
    case 'ARRIVE_A':
      return kind.arrive(h, 'A', before);
    case 'ARRIVE_B':
      return kind.arrive(h, 'B', before);
    case 'COMPLETE_A':
      return kind.finish(h, 'A', 'complete');
    case 'COMPLETE_B':
      return kind.finish(h, 'B', 'complete');
    case 'FAIL_A':
      return kind.finish(h, 'A', 'failed');
    case 'FAIL_B':
      return kind.finish(h, 'B', 'failed');
    case 'TIMEOUT_30':
      return fireTimeout(30);
    case 'TIMEOUT_70':
      return fireTimeout(70);
    case 'PAUSE_ALL':
      return h.send({ type: 'orchestration.pause' }, STEP_MS);
    case 'RESUME_ALL':
      return h.send({ type: 'orchestration.resume' }, STEP_MS);
    case 'PAUSE_A':
      return h.send({ type: 'orchestration.pause', scenario: 'A' }, STEP_MS);
    case 'RESUME_A':
      return h.send({ type: 'orchestration.resume', scenario: 'A' }, STEP_MS);
    case 'CLOCK':
      return h.send({ type: 'clock.resumed', downtimeMs: DOWNTIME_MS }, STEP_MS);
  }
}

function expectStubAt(s: StubSnapshotLike, phase: Phase, label: string): void {
  const expected: Record<Phase, { value: string; passed: number[]; waitingAt: number | null }> = {
    pending: { value: 'pending', passed: [], waitingAt: null },
    run0: { value: 'running', passed: [], waitingAt: null },
    at30: { value: 'atBarrier', passed: [], waitingAt: 30 },
    run1: { value: 'running', passed: [30], waitingAt: null },
    at70: { value: 'atBarrier', passed: [30], waitingAt: 70 },
    run2: { value: 'running', passed: [30, 70], waitingAt: null },
    complete: { value: 'complete', passed: s.context.passed, waitingAt: s.context.waitingAt },
    failed: { value: 'failed', passed: s.context.passed, waitingAt: s.context.waitingAt },
  };
  expect({ value: s.value, passed: s.context.passed, waitingAt: s.context.waitingAt }, label).toEqual(expected[phase]);
}

/** The real orchestrator (and the stubs under it) hold what the model holds. */
function expectMatchesModel(h: OrchestratorHarness, kind: ScenarioKind, real: OrchestratorSnapshot, expected: ModelSnapshot, label: string): void {
  const m = expected.context;
  expect(real.value, `${label}: state`).toEqual(expected.value);
  expect(real.context.live, `${label}: live scenarios`).toEqual(liveOf(m));
  expect(Object.keys(finishedByName(real.context.finished)).sort(), `${label}: finished scenarios`).toEqual(NAMES.filter((n) => isFinished(m.phase[n])));
  for (const name of NAMES) kind.expectAt(h, name, m, label);
  for (const milestone of BARRIERS) {
    const b = m.barriers[milestone];
    const open = real.context.book.open.find((o) => o.milestone === milestone);
    const released = real.context.book.released.find((r) => r.milestone === milestone);
    if (b.releasedBy !== null) {
      expect(open, `${label}: barrier ${milestone} is not open`).toBeUndefined();
      expect({ releasedBy: released?.releasedBy, arrived: released?.arrived, late: released?.late }, `${label}: barrier ${milestone} released`).toEqual({
        releasedBy: b.releasedBy,
        arrived: b.arrived,
        late: b.late,
      });
    } else {
      expect(released, `${label}: barrier ${milestone} not released`).toBeUndefined();
      expect(open?.arrivals.map(([n]) => n) ?? [], `${label}: arrivals at barrier ${milestone}`).toEqual(b.arrived);
    }
  }
  expect(real.context.downtimeMs, `${label}: downtime`).toBe(m.downtime ? DOWNTIME_MS : 0);
}

/** The orchestrator's downtime when each barrier opened, noted by the test after every step. */
const openedWithDowntime = new WeakMap<OrchestratorHarness, Map<number, number>>();
function noteOpenings(h: OrchestratorHarness, real: OrchestratorSnapshot): void {
  const noted = openedWithDowntime.get(h) ?? new Map<number, number>();
  openedWithDowntime.set(h, noted);
  for (const o of real.context.book.open) if (!noted.has(o.milestone)) noted.set(o.milestone, real.context.downtimeMs);
}
const downtimeWhenOpened = (h: OrchestratorHarness, milestone: number): number => openedWithDowntime.get(h)?.get(milestone) ?? 0;

/** Invariants after every step: nothing goes back, finished stays finished, the books balance. */
function checkInvariants(h: OrchestratorHarness, kind: ScenarioKind, prev: OrchestratorSnapshot | undefined, real: OrchestratorSnapshot, label: string): void {
  const c = real.context;
  const finished = finishedByName(c.finished);
  expect(c.live.length + Object.keys(finished).length, `${label}: live + finished = all`).toBe(c.names.length);
  expect([...c.live, ...Object.keys(finished)].sort(), `${label}: every scenario is live or finished`).toEqual([...c.names].sort());
  expect(c.book.released.map((r) => r.milestone), `${label}: released barriers ascend`).toEqual(c.book.released.map((r) => r.milestone).sort((a, b) => a - b));
  for (const r of c.book.released) {
    expect(r.arrived.filter((n) => r.late.includes(n)), `${label}: nobody both arrived and late`).toEqual([]);
    expect([...r.arrived, ...r.late].every((n) => c.names.includes(n)), `${label}: only known scenarios`).toBe(true);
    expect(r.releasedAtMs, `${label}: released after opened`).toBeGreaterThanOrEqual(r.openedAtMs);
    if (r.releasedBy === 'timeout') expect(r.releasedAtMs - r.openedAtMs, `${label}: a timeout releases after the timeout`).toBeGreaterThanOrEqual(TIMEOUT_MS);
  }
  // One live alarm per open barrier, armed for its deadline.
  const alarms = h.barrierAlarms();
  expect(alarms.map((a) => a.id).sort(), `${label}: one alarm per open barrier`).toEqual(real.status === 'done' ? [] : c.book.open.map((o) => `barrier:${o.milestone}`).sort());
  for (const o of c.book.open) {
    // A restore's downtime pushes the deadline back: the timeout counts only time the process was up.
    expect(o.deadline, `${label}: deadline`).toBe(o.openedAt + TIMEOUT_MS + (c.downtimeMs - downtimeWhenOpened(h, o.milestone)));
    const alarm = alarms.find((a) => a.id === `barrier:${o.milestone}`);
    if (real.status !== 'done') expect(alarm && alarm.input.at + c.downtimeMs - alarm.input.downtimeAtArm, `${label}: alarm deadline`).toBe(o.deadline);
  }
  // Milestones ascend per scenario: nobody is at 70 without having passed 30.
  for (const name of c.names) {
    const at70 = c.book.open.some((o) => o.milestone === 70 && o.arrivals.some(([n]) => n === name)) || c.book.released.some((r) => r.milestone === 70 && r.arrived.includes(name));
    if (at70) expect(kind.passed(h, name as Name)[0], `${label}: ${name} passed 30 before arriving at 70`).toBe(30);
    const heard = kind.releasesHeard(h, name as Name);
    if (heard) for (const m of BARRIERS) expect(heard.filter((e) => e === `barrier.release:${m}`).length, `${label}: ${name} released at most once at ${m}`).toBeLessThanOrEqual(1);
  }
  if (prev) {
    expect(c.live.every((n) => prev.context.live.includes(n)), `${label}: nobody comes back to life`).toBe(true);
    for (const [name, progress] of Object.entries(finishedByName(prev.context.finished))) expect(finished[name], `${label}: a finished scenario's result is kept`).toEqual(progress);
    for (const r of prev.context.book.released) {
      const now = c.book.released.find((x) => x.milestone === r.milestone);
      expect({ ...now, arrivedAtMs: undefined }, `${label}: a released barrier stays released`).toEqual({ ...r, arrivedAtMs: undefined });
    }
    expect(c.startedAt === null ? 0 : 1, `${label}: started stays started`).toBeGreaterThanOrEqual(prev.context.startedAt === null ? 0 : 1);
    if (prev.status === 'done') {
      expect(real.status, `${label}: done stays done`).toBe('done');
      expect(real.context, `${label}: done does not change`).toEqual(prev.context);
    }
  }
  if (real.status === 'done') {
    expect(real.output?.scenarios.map((s) => s.name), `${label}: output in config order`).toEqual(c.names);
    expect(real.output?.barriers, `${label}: output barriers`).toEqual(c.book.released);
    expect(real.output?.finishedAt, `${label}: finishedAt is set`).not.toBeNull();
    if (c.startedAt !== null) expect(real.output?.finishedAt, `${label}: finished after it started`).toBeGreaterThanOrEqual(c.startedAt);
  }
}

function drive(path: ModelRoute, kind: ScenarioKind = stubKind): void {
  ledger.driving(path, kind);
  const h = createOrchestratorHarness(kind.plans, {
    barrierTimeoutMs: TIMEOUT_MS,
    ...(kind.logic ? { scenario: kind.logic } : {}),
    inspect: coverage.inspector((actor) => actor.id === ORCHESTRATOR_ID),
  });
  const [init, ...steps] = path.steps;
  if (!init) throw new Error('a path starts with its initial state');
  let prev = h.snapshot();
  expectMatchesModel(h, kind, prev, init.state, 'initially');
  checkInvariants(h, kind, undefined, prev, 'initially');
  let before = init.state;
  for (const [i, step] of steps.entries()) {
    const label = `step ${i + 1} (${step.event.type})`;
    execute(h, kind, step.event.type, before.context);
    const real = h.snapshot();
    noteOpenings(h, real);
    expectMatchesModel(h, kind, real, step.state, label);
    checkInvariants(h, kind, prev, real, label);
    prev = real;
    before = step.state;
  }
  if (prev.status === 'done') {
    for (const type of ['orchestration.start', 'orchestration.pause', 'orchestration.resume', 'orchestration.cancel'] as const) h.send({ type }, STEP_MS);
    h.send({ type: 'barrier.arrived', scenario: 'A', milestone: 30 }, STEP_MS);
    h.send({ type: 'barrier.timeout', milestone: 30 }, STEP_MS);
    checkInvariants(h, kind, prev, h.snapshot(), 'after the end');
  }
  h.actor.stop();
}

describe('orchestratorMachine (model-based, two stub scenarios)', () => {
  let unmute: () => void = () => undefined;
  beforeAll(() => {
    unmute = muteStoppedActorWarnings();
  });
  afterAll(() => unmute());

  it('reaches every model state through the generated shortest paths', () => {
    const key = (s: ModelSnapshot) => JSON.stringify([s.value, s.context]);
    const edges = adjacencyMapToArray(getAdjacencyMap(orchestratorModel, { events: orchestratorModelEvents.map((type) => ({ type })) }));
    const all = new Set(edges.flatMap((e) => [key(e.state), key(e.nextState)]));
    expect(new Set(paths.flatMap((p) => p.steps.map((s) => key(s.state))))).toEqual(all);
    expect(all.size).toBeGreaterThan(500);
  });

  describe(`shortest paths to every model state (${paths.length})`, () => {
    it.each(ledger.plan(paths, stubKind))('%s', (_, path) => drive(path));
  });

  it(`takes at least ${MIN_MODEL_TRANSITION_COVERAGE * 100} % of the model's state-changing transitions`, () => {
    const share = (taken: Set<string>) => taken.size / graph.transitions.size;
    const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
    console.info(
      `orchestrator model: ${graph.transitions.size} state-changing transitions; shortest paths take ${takenByShortest.size} (${pct(share(takenByShortest))}), ` +
        `with ${walks.length} walks (seed ${WALK_SEED}) ${takenByAll.size} (${pct(share(takenByAll))}); ${realRoutes.length} routes run on real scenario machines`,
    );
    expect([...takenByAll].every((t) => graph.transitions.has(t))).toBe(true);
    expect(share(takenByAll)).toBeGreaterThanOrEqual(MIN_MODEL_TRANSITION_COVERAGE);
  });

  describe(`seeded walks to the transitions the shortest paths miss (${walks.length})`, () => {
    it.each(ledger.plan(walks, stubKind))('%s', (_, walk) => drive(walk));
  });

  describe(`real scenario machines on a sample of the paths and walks (${realRoutes.length})`, () => {
    it.each(ledger.plan(realRoutes, realKind))('%s', (_, route) => drive(route, realKind));
  });

  const states = allStateNodeIds(orchestratorMachine);
  const transitions = allTransitionKeys(orchestratorMachine);
  it(`covers all ${states.length} state nodes and ${transitions.length} transitions of the real machine`, () => {
    // Self-contained: drives the routes this run did not (all of them when run alone with -t).
    for (const [route, kind] of ledger.undriven()) drive(route, kind);
    expect([...coverage.states].sort()).toEqual(states);
    expect([...coverage.transitions].sort()).toEqual(transitions);
  }, 300_000);
});
