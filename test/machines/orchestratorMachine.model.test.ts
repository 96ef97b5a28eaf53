import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyActorRef, SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, createTestModel, getAdjacencyMap, type TestPath } from 'xstate/graph';
import { orchestratorMachine } from '../../src/machines/orchestratorMachine.ts';
import { allStateNodeIds, allTransitionKeys, CoverageCollector, muteStoppedActorWarnings } from '../support/coverage.ts';
import { createOrchestratorHarness, ORCHESTRATOR_ID, type OrchestratorHarness, type OrchestratorSnapshot } from '../support/orchestratorHarness.ts';
import {
  BARRIERS,
  NAMES,
  isFinished,
  liveOf,
  orchestratorModel,
  orchestratorModelEvents,
  type Name,
  type OrchestratorModelContext,
  type OrchestratorModelEvent,
  type Phase,
} from '../support/orchestratorModel.ts';
import { testPlan } from '../support/plans.ts';
import { stubScenario, type StubCommand, type StubContext } from '../support/stubScenario.ts';

type ModelSnapshot = SnapshotFrom<typeof orchestratorModel>;
type ModelPath = TestPath<ModelSnapshot, OrchestratorModelEvent>;

const STEP_MS = 10;
const TIMEOUT_MS = 1_000;
const DOWNTIME_MS = 5;
const plans = NAMES.map((name) => testPlan({ definition: { name }, milestones: [0, 30, 70, 100], barriers: [...BARRIERS] }));

const model = createTestModel(orchestratorModel, { events: orchestratorModelEvents.map((type) => ({ type })) });
// The model's guards say what the world can do next (e.g. only a scenario past 70 % can complete): skip the rest.
const paths = model.getShortestPaths({ filterEvents: (state, event) => state.can(event) });
const coverage = new CoverageCollector();

interface StubSnapshotLike {
  value: unknown;
  status: string;
  context: StubContext;
}
const stub = (h: OrchestratorHarness, name: Name) => h.child(name).getSnapshot() as unknown as StubSnapshotLike;
const command = (h: OrchestratorHarness, name: Name, cmd: StubCommand) => (h.child(name) as AnyActorRef).send(cmd);

function execute(h: OrchestratorHarness, type: OrchestratorModelEvent['type'], before: OrchestratorModelContext): void {
  const at = () => h.clock.tick(STEP_MS);
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
    case 'ARRIVE_B': {
      const name = type === 'ARRIVE_A' ? 'A' : 'B';
      return command(h, name, { type: 'stub.arrive', at: at(), milestone: before.phase[name] === 'run0' ? 30 : 70 });
    }
    case 'COMPLETE_A':
      return command(h, 'A', { type: 'stub.finish', at: at(), status: 'complete' });
    case 'COMPLETE_B':
      return command(h, 'B', { type: 'stub.finish', at: at(), status: 'complete' });
    case 'FAIL_A':
      return command(h, 'A', { type: 'stub.finish', at: at(), status: 'failed' });
    case 'FAIL_B':
      return command(h, 'B', { type: 'stub.finish', at: at(), status: 'failed' });
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
function expectMatchesModel(h: OrchestratorHarness, real: OrchestratorSnapshot, expected: ModelSnapshot, label: string): void {
  const m = expected.context;
  expect(real.value, `${label}: state`).toEqual(expected.value);
  expect(real.context.live, `${label}: live scenarios`).toEqual(liveOf(m));
  expect(Object.keys(real.context.finished).sort(), `${label}: finished scenarios`).toEqual(NAMES.filter((n) => isFinished(m.phase[n])));
  for (const name of NAMES) {
    const s = stub(h, name);
    expectStubAt(s, m.phase[name], `${label}: scenario ${name}`);
    if (!isFinished(m.phase[name])) expect(s.context.paused, `${label}: ${name} paused`).toBe(m.paused[name]);
  }
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
function checkInvariants(h: OrchestratorHarness, prev: OrchestratorSnapshot | undefined, real: OrchestratorSnapshot, label: string): void {
  const c = real.context;
  expect(c.live.length + Object.keys(c.finished).length, `${label}: live + finished = all`).toBe(c.names.length);
  expect([...c.live, ...Object.keys(c.finished)].sort(), `${label}: every scenario is live or finished`).toEqual([...c.names].sort());
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
    if (at70) expect(stub(h, name as Name).context.passed[0], `${label}: ${name} passed 30 before arriving at 70`).toBe(30);
    const heard = stub(h, name as Name).context.heard;
    for (const m of BARRIERS) expect(heard.filter((e) => e === `barrier.release:${m}`).length, `${label}: ${name} released at most once at ${m}`).toBeLessThanOrEqual(1);
  }
  if (prev) {
    expect(c.live.every((n) => prev.context.live.includes(n)), `${label}: nobody comes back to life`).toBe(true);
    for (const [name, progress] of Object.entries(prev.context.finished)) expect(c.finished[name], `${label}: a finished scenario's result is kept`).toEqual(progress);
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

function drive(path: ModelPath): void {
  const h = createOrchestratorHarness(plans, {
    barrierTimeoutMs: TIMEOUT_MS,
    scenario: stubScenario,
    inspect: coverage.inspector((actor) => actor.id === ORCHESTRATOR_ID),
  });
  const [init, ...steps] = path.steps;
  if (!init) throw new Error('a path starts with its initial state');
  let prev = h.snapshot();
  expectMatchesModel(h, prev, init.state, 'initially');
  checkInvariants(h, undefined, prev, 'initially');
  let before = init.state;
  for (const [i, step] of steps.entries()) {
    const label = `step ${i + 1} (${step.event.type})`;
    execute(h, step.event.type, before.context);
    const real = h.snapshot();
    noteOpenings(h, real);
    expectMatchesModel(h, real, step.state, label);
    checkInvariants(h, prev, real, label);
    prev = real;
    before = step.state;
  }
  if (prev.status === 'done') {
    for (const type of ['orchestration.start', 'orchestration.pause', 'orchestration.resume', 'orchestration.cancel'] as const) h.send({ type }, STEP_MS);
    h.send({ type: 'barrier.arrived', scenario: 'A', milestone: 30 }, STEP_MS);
    h.send({ type: 'barrier.timeout', milestone: 30 }, STEP_MS);
    checkInvariants(h, prev, h.snapshot(), 'after the end');
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
    it.each(paths.map((p) => [p.description, p] as const))('%s', (_, path) => drive(path));
  });

  const states = allStateNodeIds(orchestratorMachine);
  const transitions = allTransitionKeys(orchestratorMachine);
  it(`covers all ${states.length} state nodes and ${transitions.length} transitions of the real machine`, () => {
    expect([...coverage.states].sort()).toEqual(states);
    expect([...coverage.transitions].sort()).toEqual(transitions);
  });
});
