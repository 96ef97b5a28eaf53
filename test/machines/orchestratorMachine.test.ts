import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyActorRef } from 'xstate';
import { scenarioActorId } from '../../src/machines/orchestratorMachine.ts';
import type { ScenarioContext } from '../../src/machines/scenarioMachine.ts';
import { batchDone } from '../support/controls.ts';
import { createOrchestratorHarness, type OrchestratorHarness } from '../support/orchestratorHarness.ts';
import { testPlan } from '../support/plans.ts';
import { simConfig, simScenario, startSimulatedRun } from '../support/simulatedRun.ts';
import { timedSkill } from '../support/timedSkill.ts';

const T0 = Date.UTC(2026, 0, 1);

type ScenarioSnapshotLike = { context: ScenarioContext; value: unknown };
const scenarioSnapshot = (h: OrchestratorHarness, name: string) => (h.child(name) as AnyActorRef).getSnapshot() as ScenarioSnapshotLike;
const scenarioContext = (h: OrchestratorHarness, name: string): ScenarioContext => scenarioSnapshot(h, name).context;
const scenarioState = (h: OrchestratorHarness, name: string): unknown => scenarioSnapshot(h, name).value;
/** Settles the current batch of a (real) scenario. */
function settle(h: OrchestratorHarness, name: string, tick = 10): void {
  h.controls.runner(name).sendBack(batchDone(scenarioContext(h, name).cursor, h.clock.tick(tick)));
}

describe('orchestratorMachine', () => {
  const plans = () => [testPlan({ definition: { name: 'a' } }), testPlan({ definition: { name: 'b' } }), testPlan({ definition: { name: 'c' } })];

  it('spawns one scenario actor per plan as scenario:<name>, all pending until orchestration.start', () => {
    const h = createOrchestratorHarness(plans());
    expect(Object.keys(h.snapshot().children).sort()).toEqual([scenarioActorId('a'), scenarioActorId('b'), scenarioActorId('c')]);
    expect(['a', 'b', 'c'].map((n) => scenarioState(h, n))).toEqual(['pending', 'pending', 'pending']);
    h.send({ type: 'orchestration.start' }, 5);
    expect(h.snapshot().value).toBe('running');
    expect(h.snapshot().context.startedAt).toBe(h.clock.now);
    expect(['a', 'b', 'c'].map((n) => scenarioContext(h, n).progress.startedAt)).toEqual([h.clock.now, h.clock.now, h.clock.now]);
  });

  it('ignores a second orchestration.start', () => {
    const h = createOrchestratorHarness(plans());
    h.send({ type: 'orchestration.start' });
    const startedAt = h.snapshot().context.startedAt;
    h.send({ type: 'orchestration.start' }, 50);
    expect(h.snapshot().context.startedAt).toBe(startedAt);
    expect(h.controls.runners).toHaveLength(3);
  });

  it('opens a barrier at the first arrival with a timeout alarm, and stops the alarm when all have arrived', () => {
    const h = createOrchestratorHarness(plans(), { barrierTimeoutMs: 500 });
    h.send({ type: 'orchestration.start' });
    settle(h, 'a');
    settle(h, 'a');
    expect(h.snapshot().context.book.open).toEqual([{ milestone: 50, openedAt: h.clock.now, deadline: h.clock.now + 500, arrivals: [['a', h.clock.now]] }]);
    const [alarm] = h.barrierAlarms();
    expect(alarm).toMatchObject({ id: 'barrier:50', input: { at: h.clock.now + 500, event: { type: 'barrier.timeout', milestone: 50 } } });
    for (const n of ['b', 'c']) {
      settle(h, n);
      settle(h, n);
    }
    expect(h.barrierAlarms()).toHaveLength(0);
    expect(h.snapshot().context.book.released).toMatchObject([{ milestone: 50, releasedBy: 'all-arrived', arrived: ['a', 'b', 'c'], late: [] }]);
    expect(['a', 'b', 'c'].map((n) => scenarioState(h, n))).toEqual(Array(3).fill({ running: { working: { processing: 'active' } } }));
  });

  it('ignores a timeout for a barrier that was already released', () => {
    const h = createOrchestratorHarness(plans().slice(0, 1));
    h.send({ type: 'orchestration.start' });
    settle(h, 'a');
    settle(h, 'a');
    const book = h.snapshot().context.book;
    h.send({ type: 'barrier.timeout', milestone: 50 }, 10);
    expect(h.snapshot().context.book).toBe(book);
  });

  it('relays pause and resume to the named scenario only, or to every live one', () => {
    const h = createOrchestratorHarness(plans());
    h.send({ type: 'orchestration.start' });
    h.send({ type: 'orchestration.pause', scenario: 'b' }, 5);
    expect(['a', 'b', 'c'].map((n) => scenarioState(h, n))).toEqual([
      { running: { working: { processing: 'active' } } },
      { running: { working: { processing: 'draining' } } },
      { running: { working: { processing: 'active' } } },
    ]);
    h.send({ type: 'orchestration.pause' }, 5);
    expect(['a', 'b', 'c'].map((n) => scenarioState(h, n))).toEqual(Array(3).fill({ running: { working: { processing: 'draining' } } }));
    h.send({ type: 'orchestration.resume', scenario: 'c' }, 5);
    expect(scenarioState(h, 'c')).toEqual({ running: { working: { processing: 'active' } } });
    h.send({ type: 'orchestration.resume' }, 5);
    expect(['a', 'b', 'c'].map((n) => scenarioState(h, n))).toEqual(Array(3).fill({ running: { working: { processing: 'active' } } }));
  });

  it('cancels before the start: every scenario fails as cancelled and the run is done', () => {
    const h = createOrchestratorHarness(plans());
    h.send({ type: 'orchestration.cancel' }, 5);
    const snapshot = h.snapshot();
    expect(snapshot.status).toBe('done');
    expect(snapshot.output?.startedAt).toBeNull();
    expect(snapshot.output?.scenarios.map((s) => [s.name, s.status, s.failureReason])).toEqual([
      ['a', 'failed', 'cancelled'],
      ['b', 'failed', 'cancelled'],
      ['c', 'failed', 'cancelled'],
    ]);
  });

  it('cancels while running: live scenarios fail as cancelled, a completed one stays complete', () => {
    const h = createOrchestratorHarness([testPlan({ definition: { name: 'a' }, barriers: [] }), testPlan({ definition: { name: 'b' }, barriers: [] })]);
    h.send({ type: 'orchestration.start' });
    for (let i = 0; i < 4; i++) settle(h, 'a');
    h.send({ type: 'orchestration.cancel' }, 5);
    expect(h.snapshot().output?.scenarios.map((s) => [s.name, s.status, s.failureReason])).toEqual([
      ['a', 'complete', undefined],
      ['b', 'failed', 'cancelled'],
    ]);
  });

  it('relays clock.resumed to live scenarios and adds up the downtime', () => {
    const h = createOrchestratorHarness(plans());
    h.send({ type: 'orchestration.start' });
    h.send({ type: 'clock.resumed', downtimeMs: 300 }, 310);
    h.send({ type: 'clock.resumed', downtimeMs: 200 }, 210);
    expect(h.snapshot().context.downtimeMs).toBe(500);
    expect(['a', 'b', 'c'].map((n) => scenarioContext(h, n).downtimeMs)).toEqual([500, 500, 500]);
  });

  it('moves an open barrier\'s timeout back by the downtime after a restore, and its alarm alike', () => {
    const h = createOrchestratorHarness(plans(), { barrierTimeoutMs: 500 });
    h.send({ type: 'orchestration.start' });
    settle(h, 'a');
    settle(h, 'a');
    const openedAt = h.clock.now;
    const [alarm] = h.barrierAlarms();
    expect(alarm?.input).toMatchObject({ at: openedAt + 500, downtimeAtArm: 0 });
    // 100 ms up, then 5 s down: 400 ms of the timeout are left, counted from the resume.
    h.send({ type: 'clock.resumed', downtimeMs: 5_000 }, 5_100);
    expect(h.snapshot().context.book.open).toMatchObject([{ milestone: 50, openedAt, deadline: h.clock.now + 400 }]);
    expect(alarm && alarm.input.at + h.snapshot().context.downtimeMs - alarm.input.downtimeAtArm).toBe(h.clock.now + 400);
    h.controls.fire('barrier.timeout', h.clock.tick(400));
    expect(h.snapshot().context.book.released).toMatchObject([{ milestone: 50, releasedBy: 'timeout', arrived: ['a'], late: ['b', 'c'] }]);
    expect(scenarioContext(h, 'a').progress.waitingMs).toBe(500);
  });

  it('arms a barrier opened after a restore for the full timeout from then', () => {
    const h = createOrchestratorHarness(plans(), { barrierTimeoutMs: 500 });
    h.send({ type: 'orchestration.start' });
    h.send({ type: 'clock.resumed', downtimeMs: 5_000 }, 5_000);
    settle(h, 'a');
    settle(h, 'a');
    expect(h.snapshot().context.book.open).toMatchObject([{ milestone: 50, deadline: h.clock.now + 500 }]);
    expect(h.barrierAlarms()[0]?.input).toMatchObject({ at: h.clock.now + 500, downtimeAtArm: 5_000 });
  });

  it('finishes with every final progress in config order and the released barriers', () => {
    const h = createOrchestratorHarness([testPlan({ definition: { name: 'a' } }), testPlan({ definition: { name: 'b' } })], { barrierTimeoutMs: 100 });
    h.send({ type: 'orchestration.start' });
    settle(h, 'b');
    settle(h, 'b');
    h.controls.fireAtDeadline(h.barrierAlarms()[0] ?? expect.fail('no barrier alarm'), h.clock);
    settle(h, 'b');
    settle(h, 'b');
    for (let i = 0; i < 4; i++) settle(h, 'a');
    const output = h.snapshot().output;
    expect(h.snapshot().status).toBe('done');
    expect(output?.scenarios.map((s) => [s.name, s.status])).toEqual([
      ['a', 'complete'],
      ['b', 'complete'],
    ]);
    expect(output?.barriers).toMatchObject([{ milestone: 50, releasedBy: 'timeout', arrived: ['b'], late: ['a'], openedAtMs: 20, releasedAtMs: 120 }]);
    expect(output?.finishedAt).toBe(h.clock.now);
  });
});

describe('orchestratorMachine with simulated time', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('releases the 30% barrier when the last scenario arrives, and the 70% one likewise', async () => {
    // fast: 100 ms a batch, at 30 % after 300 ms; slow: 200 ms a batch, at 30 % after 600 ms.
    const skill = timedSkill({ latencyMs: (c) => (c.scenario === 'slow' ? 200 : 100) });
    const run = startSimulatedRun(simConfig([simScenario('fast', 10), simScenario('slow', 10)]), skill);
    await vi.advanceTimersByTimeAsync(599);
    expect(run.book().released).toEqual([]);
    expect(run.progress('fast').progressPct).toBe(30);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.book().released[0]).toEqual({ milestone: 30, releasedBy: 'all-arrived', arrived: ['fast', 'slow'], late: [], arrivedAtMs: { fast: 300, slow: 600 }, openedAtMs: 300, releasedAtMs: 600 });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(run.done()).toBe(true);
    const output = run.actor.getSnapshot().output;
    expect(output?.barriers[1]).toMatchObject({ milestone: 70, releasedBy: 'all-arrived', arrivedAtMs: { fast: 1_000, slow: 1_400 }, releasedAtMs: 1_400 });
    expect(output?.scenarios.map((s) => [s.name, s.status, s.milestonesReached, s.waitingMs])).toEqual([
      ['fast', 'complete', [0, 30, 50, 70, 90, 100], 300 + 400],
      ['slow', 'complete', [0, 30, 50, 70, 90, 100], 0],
    ]);
    // No batch of `fast` started while it waited at a barrier.
    const waits = [
      [300, 600],
      [1_000, 1_400],
    ];
    for (const call of skill.calls.filter((c) => c.scenario === 'fast')) expect(waits.some(([from = 0, to = 0]) => call.startedAt - T0 >= from && call.startedAt - T0 < to)).toBe(false);
  });

  it('releases the 30% barrier by timeout and names the late scenario, which later passes straight through', async () => {
    const skill = timedSkill({ latencyMs: (c) => (c.scenario === 'late' ? 1_000 : 100) });
    const run = startSimulatedRun(simConfig([simScenario('a', 10), simScenario('b', 10), simScenario('late', 10)], { barriers: { at: [30], timeoutMs: 500 } }), skill);
    await vi.advanceTimersByTimeAsync(799);
    expect(run.book().open).toMatchObject([{ milestone: 30, arrivals: [['a', T0 + 300], ['b', T0 + 300]] }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.book().released).toEqual([{ milestone: 30, releasedBy: 'timeout', arrived: ['a', 'b'], late: ['late'], arrivedAtMs: { a: 300, b: 300 }, openedAtMs: 300, releasedAtMs: 800 }]);
    await vi.advanceTimersByTimeAsync(3_000 - 800);
    // The late scenario reached 30 % at 3 s: the barrier lets it through and records when.
    expect(run.book().released[0]?.arrivedAtMs).toEqual({ a: 300, b: 300, late: 3_000 });
    expect(run.state('late')).toEqual({ running: { working: { processing: 'active' } } });
    await vi.advanceTimersByTimeAsync(7_000);
    expect(run.done()).toBe(true);
    expect(['a', 'b', 'late'].map((n) => [run.progress(n).status, run.progress(n).waitingMs])).toEqual([
      ['complete', 500],
      ['complete', 500],
      ['complete', 0],
    ]);
  });

  it('does not hold a barrier for a scenario that failed before reaching it', async () => {
    const skill = timedSkill({ latencyMs: 100, fails: (c) => c.scenario === 'broken' });
    const run = startSimulatedRun(simConfig([simScenario('a', 10), simScenario('broken', 10), simScenario('b', 10)], { barriers: { at: [30], timeoutMs: 5_000 } }), skill);
    await vi.advanceTimersByTimeAsync(300);
    expect(run.progress('broken')).toMatchObject({ status: 'failed', failureReason: 'error_tolerance_exceeded', itemsFailed: 1 });
    expect(run.book().released).toEqual([expect.objectContaining({ milestone: 30, releasedBy: 'all-arrived', arrived: ['a', 'b'], late: [], releasedAtMs: 300 })]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run.actor.getSnapshot().output?.scenarios.map((s) => s.status)).toEqual(['complete', 'failed', 'complete']);
  });

  it('releases the waiting scenarios the moment the last missing one fails', async () => {
    const skill = timedSkill({ latencyMs: (c) => (c.scenario === 'broken' ? 450 : 100), fails: (c) => c.scenario === 'broken' });
    const run = startSimulatedRun(simConfig([simScenario('a', 10), simScenario('broken', 10)], { barriers: { at: [30], timeoutMs: 5_000 } }), skill);
    await vi.advanceTimersByTimeAsync(449);
    expect(run.book().released).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(run.book().released).toMatchObject([{ milestone: 30, releasedBy: 'all-arrived', arrived: ['a'], late: [], releasedAtMs: 450 }]);
    expect(run.progress('a').waitingMs).toBe(150);
  });

  it('pauses one scenario after its batch in flight, holds the barrier for it, and resumes it', async () => {
    const skill = timedSkill({ latencyMs: 100 });
    const run = startSimulatedRun(simConfig([simScenario('a', 10), simScenario('b', 10)]), skill);
    await vi.advanceTimersByTimeAsync(150);
    run.send({ type: 'orchestration.pause', scenario: 'b' });
    await vi.advanceTimersByTimeAsync(50);
    expect(run.progress('b')).toMatchObject({ status: 'paused', batchCount: 2 });
    await vi.advanceTimersByTimeAsync(800);
    // a waits at 30 % since 300 ms; b, paused at 20 %, holds the barrier.
    expect(run.book().open).toMatchObject([{ milestone: 30, arrivals: [['a', T0 + 300]] }]);
    expect(skill.calls.filter((c) => c.scenario === 'b').map((c) => c.startedAt - T0)).toEqual([0, 100]);
    run.send({ type: 'orchestration.resume', scenario: 'b' });
    await vi.advanceTimersByTimeAsync(100);
    expect(run.book().released).toMatchObject([{ milestone: 30, releasedBy: 'all-arrived', releasedAtMs: 1_100 }]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(run.progress('b')).toMatchObject({ status: 'complete', pausedMs: 800 });
    expect(run.progress('a')).toMatchObject({ status: 'complete', waitingMs: 800 });
  });

  it('fails a scenario whose time budget runs out, aborting the batch in flight', async () => {
    const skill = timedSkill({ latencyMs: 100 });
    const run = startSimulatedRun(simConfig([simScenario('a', 10, { timeBudgetSeconds: 0.35 })], { barriers: { at: [], timeoutMs: 1_000 } }), skill);
    await vi.advanceTimersByTimeAsync(349);
    expect(run.progress('a').status).toBe('running');
    await vi.advanceTimersByTimeAsync(1);
    expect(run.progress('a')).toMatchObject({ status: 'failed', failureReason: 'time_budget_exceeded', batchCount: 3, elapsedMs: 350 });
    expect(skill.calls.at(-1)).toMatchObject({ batchIndex: 3, outcome: 'aborted' });
    expect(run.done()).toBe(true);
  });

  it('does not charge barrier waits to the time budget', async () => {
    // a needs 400 ms of work within a 500 ms budget, but waits 780 ms at 30 % for b.
    const skill = timedSkill({ latencyMs: (c) => (c.scenario === 'a' ? 40 : 300) });
    const run = startSimulatedRun(simConfig([simScenario('a', 10, { timeBudgetSeconds: 0.5 }), simScenario('b', 10)], { barriers: { at: [30], timeoutMs: 10_000 } }), skill);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(run.progress('a')).toMatchObject({ status: 'complete', waitingMs: 780, elapsedMs: 1_180 });
  });

  it('fails a scenario once failed items exceed its error tolerance, counting partial batches', async () => {
    // 10 % tolerance over 20 items: batch 2 loses 1 item (5 %) and batch 5 loses 2 more (15 %).
    const skill = timedSkill({ latencyMs: 100, processed: (c, items) => items.length - (c.batchIndex === 2 ? 1 : c.batchIndex === 5 ? 2 : 0) });
    const run = startSimulatedRun(simConfig([simScenario('a', 20, { errorTolerance: 0.1, skillParams: { batchSize: 2 } })], { barriers: { at: [], timeoutMs: 1_000 } }), skill);
    await vi.advanceTimersByTimeAsync(500);
    expect(run.progress('a')).toMatchObject({ status: 'running', itemsFailed: 1, itemsProcessed: 9 });
    await vi.advanceTimersByTimeAsync(100);
    expect(run.progress('a')).toMatchObject({ status: 'failed', failureReason: 'error_tolerance_exceeded', itemsFailed: 3, batchCount: 6 });
  });

  it('completes within tolerance when a batch fails every attempt', async () => {
    const skill = timedSkill({ latencyMs: 100, fails: (c) => c.batchIndex === 4 });
    const run = startSimulatedRun(
      simConfig([simScenario('a', 10, { errorTolerance: 0.1 })], { barriers: { at: [], timeoutMs: 1_000 }, retry: { maxAttempts: 2, backoffMs: 50 } }),
      skill,
    );
    await vi.advanceTimersByTimeAsync(5_000);
    expect(run.progress('a')).toMatchObject({ status: 'complete', itemsProcessed: 9, itemsFailed: 1, retries: 1, errorCount: 2, progressPct: 100 });
  });

  it('retries a failing batch with exponential backoff', async () => {
    const skill = timedSkill({ latencyMs: 100, fails: (c) => c.batchIndex === 0 && c.attempt < 3 });
    const run = startSimulatedRun(simConfig([simScenario('a', 10)], { barriers: { at: [], timeoutMs: 1_000 }, retry: { maxAttempts: 3, backoffMs: 100 } }), skill);
    await vi.advanceTimersByTimeAsync(600);
    expect(skill.calls.filter((c) => c.batchIndex === 0).map((c) => [c.attempt, c.startedAt - T0, c.outcome])).toEqual([
      [1, 0, 'threw'],
      [2, 200, 'threw'],
      [3, 500, 'ok'],
    ]);
    expect(run.progress('a')).toMatchObject({ batchCount: 1, retries: 2, itemsFailed: 0 });
  });
});
