import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef, type Snapshot } from 'xstate';
import { scenarioMachine, type ScenarioContext } from '../../src/machines/scenarioMachine.ts';
import { batchDone, batchFailed, Controls, TestClock } from '../support/controls.ts';
import { createOrchestratorHarness, type OrchestratorHarness } from '../support/orchestratorHarness.ts';
import { createScenarioHarness, type ScenarioHarness } from '../support/scenarioHarness.ts';
import { testPlan } from '../support/plans.ts';

const plan = testPlan();

/** Persists, goes through JSON text, and restores into a fresh harness (a new process, in effect). */
function roundTrip(h: ScenarioHarness): ScenarioHarness {
  const text = JSON.stringify(h.root.getPersistedSnapshot());
  h.root.stop();
  return createScenarioHarness(plan, { snapshot: JSON.parse(text) as Snapshot<unknown>, clock: h.clock });
}

function started(n: number): ScenarioHarness {
  const h = createScenarioHarness(plan);
  h.send({ type: 'scenario.start' });
  for (let i = 0; i < n; i++) h.controls.runner().sendBack(batchDone(i, h.clock.tick(10)));
  return h;
}

describe('scenario snapshot round trip (getPersistedSnapshot → JSON → createActor({ snapshot }))', () => {
  it('restores a scenario mid-run: same state and context, the runner restarted with its persisted input', () => {
    const h = started(1);
    const before = h.snapshot();
    const runnerInput = h.controls.runner().input;
    const restored = roundTrip(h);
    expect(restored.snapshot().status).toBe('active');
    expect(restored.snapshot().value).toEqual(before.value);
    expect(restored.context()).toEqual(before.context);
    // The runner invoked at batch 0 restarts with that input (the real one replays journaled batches).
    expect(restored.controls.runner().input).toEqual(runnerInput);
    // The budget alarm comes back with the same absolute deadline.
    expect(restored.controls.alarm1('budget.expired').input.at).toBe(before.context.budgetDeadline);
    // A replay of a batch already counted is ignored; the batch in flight counts once.
    restored.controls.runner().sendBack(batchDone(0, restored.clock.tick(1), { replayed: true }));
    expect(restored.context()).toEqual(before.context);
    restored.controls.runner().sendBack(batchDone(1, restored.clock.tick(10)));
    expect(restored.state()).toBe('running.atBarrier');
    restored.send({ type: 'barrier.release', milestone: 50 }, 10);
    restored.controls.runner().sendBack(batchDone(2, restored.clock.tick(10)));
    restored.controls.runner().sendBack(batchDone(3, restored.clock.tick(10)));
    expect(restored.progress()).toMatchObject({ status: 'complete', batchCount: 4, milestonesReached: [0, 25, 50, 75, 100] });
    expect(restored.parentEvents.map((e) => e.type)).toEqual(['barrier.arrived', 'scenario.finished']);
  });

  it('restores a scenario waiting to retry with its retry alarm at the same absolute time', () => {
    const h = started(0);
    h.controls.runner().sendBack(batchFailed(0, h.clock.tick(10), 1));
    const retryAt = h.context().retryAt;
    const restored = roundTrip(h);
    expect(restored.state()).toBe('running.working.retrying');
    expect(restored.controls.alarm1('retry.due').input.at).toBe(retryAt);
    restored.controls.fireAtDeadline(restored.controls.alarm1('retry.due'), restored.clock);
    expect(restored.controls.runner().input).toMatchObject({ from: 0, attempt: 2 });
  });

  it('restores a scenario at a barrier without announcing its arrival again', () => {
    const h = started(2);
    const restored = roundTrip(h);
    expect(restored.state()).toBe('running.atBarrier');
    expect(restored.parentEvents).toEqual([]);
    expect(restored.controls.runners).toHaveLength(0);
    restored.send({ type: 'barrier.release', milestone: 50 }, 100);
    expect(restored.progress().waitingMs).toBe(100);
    expect(restored.controls.runner().input.from).toBe(2);
  });

  it('restores a paused scenario paused, with nothing running', () => {
    const h = started(0);
    h.send({ type: 'scenario.pause' });
    h.controls.runner().sendBack(batchDone(0, h.clock.tick(5)));
    const restored = roundTrip(h);
    expect(restored.state()).toBe('paused');
    expect(restored.controls.runners).toHaveLength(0);
    expect(restored.controls.alarms).toHaveLength(0);
    restored.send({ type: 'scenario.resume' }, 20);
    expect(restored.progress()).toMatchObject({ status: 'running', pausedMs: 20 });
    expect(restored.controls.runner().input.from).toBe(1);
  });

  it('restores a root scenario actor from its own persisted snapshot', () => {
    const rootPlan = testPlan({ barriers: [] });
    const controls = new Controls();
    const clock = new TestClock();
    const machine = scenarioMachine.provide({ actors: { batchRunner: controls.batchRunner, alarm: controls.alarm } });
    const actor = createActor(machine, { input: { plan: rootPlan } });
    actor.start();
    actor.send({ type: 'scenario.start', at: clock.now });
    controls.runner().sendBack(batchDone(0, clock.tick(10)));
    controls.runner().sendBack(batchDone(1, clock.tick(10)));
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as Snapshot<unknown>;
    actor.stop();

    const fresh = new Controls();
    const restored = createActor(scenarioMachine.provide({ actors: { batchRunner: fresh.batchRunner, alarm: fresh.alarm } }), { input: { plan: rootPlan }, snapshot: persisted });
    restored.start();
    expect(restored.getSnapshot().context).toEqual(actor.getSnapshot().context);
    expect(fresh.runner().input).toMatchObject({ from: 0, attempt: 1 });
    fresh.runner().sendBack(batchDone(2, clock.tick(10)));
    expect(restored.getSnapshot().context.progress).toMatchObject({ batchCount: 3, milestonesReached: [0, 25, 50, 75] });
    // Persisting again after a JSON round trip works too (xstate#5077 bites only inline actors).
    expect(() => JSON.stringify(restored.getPersistedSnapshot())).not.toThrow();
    restored.stop();
  });
});

describe('orchestrator snapshot round trip', () => {
  const plans = [testPlan({ definition: { name: 'a' } }), testPlan({ definition: { name: 'b' } })];
  const ctx = (h: OrchestratorHarness, name: string) => ((h.child(name) as AnyActorRef).getSnapshot() as { context: ScenarioContext }).context;
  const settle = (h: OrchestratorHarness, name: string) => h.controls.runner(name).sendBack(batchDone(ctx(h, name).cursor, h.clock.tick(10)));

  it('restores the whole tree with an open barrier: scenarios, their runners and the barrier alarm at its deadline', () => {
    const h = createOrchestratorHarness(plans, { barrierTimeoutMs: 1_000 });
    h.send({ type: 'orchestration.start' });
    settle(h, 'a');
    settle(h, 'a');
    settle(h, 'b');
    const deadline = h.barrierAlarms()[0]?.input.at;
    const before = { orchestrator: h.snapshot().context, a: ctx(h, 'a'), b: ctx(h, 'b') };
    const text = JSON.stringify(h.actor.getPersistedSnapshot());
    h.actor.stop();

    const restored = createOrchestratorHarness(plans, { barrierTimeoutMs: 1_000, snapshot: JSON.parse(text) as Snapshot<unknown>, clock: h.clock });
    expect(restored.snapshot().status).toBe('active');
    expect(restored.snapshot().context).toEqual(before.orchestrator);
    expect(ctx(restored, 'a')).toEqual(before.a);
    expect(ctx(restored, 'b')).toEqual(before.b);
    expect(restored.barrierAlarms().map((a) => [a.id, a.input.at])).toEqual([['barrier:50', deadline]]);
    expect(restored.controls.liveRunners('a')).toHaveLength(0);
    expect(restored.controls.runner('b').input).toMatchObject({ from: 0, attempt: 1 });

    settle(restored, 'b');
    expect(restored.snapshot().context.book.released).toMatchObject([{ milestone: 50, releasedBy: 'all-arrived', arrived: ['a', 'b'] }]);
    expect(restored.barrierAlarms()).toHaveLength(0);
    for (let i = 0; i < 2; i++) {
      settle(restored, 'a');
      settle(restored, 'b');
    }
    expect(restored.snapshot().status).toBe('done');
    expect(restored.snapshot().output?.scenarios.map((s) => s.status)).toEqual(['complete', 'complete']);
  });

  it('restores an open barrier whose deadline passed while down with the rest of its timeout, counted in time up', () => {
    const h = createOrchestratorHarness(plans, { barrierTimeoutMs: 1_000 });
    h.send({ type: 'orchestration.start' });
    settle(h, 'a');
    settle(h, 'a');
    const deadline = h.snapshot().context.book.open[0]?.deadline ?? expect.fail('no open barrier');
    h.clock.tick(200);
    const text = JSON.stringify(h.actor.getPersistedSnapshot());
    h.actor.stop();
    h.clock.tick(5_000);
    const restored = createOrchestratorHarness(plans, { barrierTimeoutMs: 1_000, snapshot: JSON.parse(text) as Snapshot<unknown>, clock: h.clock });
    // The runtime tells the restored tree how long it was down, as resumeOrchestration does.
    restored.send({ type: 'clock.resumed', downtimeMs: 5_000 });
    const alarm = restored.barrierAlarms()[0] ?? expect.fail('no barrier alarm');
    // Its deadline passed on the wall clock, but 800 ms of the timeout are left in time up.
    expect(alarm.input.at).toBeLessThan(restored.clock.now);
    expect(restored.snapshot().context.book.open[0]?.deadline).toBe(deadline + 5_000);
    expect(alarm.input.at + restored.snapshot().context.downtimeMs - alarm.input.downtimeAtArm).toBe(restored.clock.now + 800);
    restored.controls.fire('barrier.timeout', restored.clock.tick(800));
    expect(restored.snapshot().context.book.released).toMatchObject([{ milestone: 50, releasedBy: 'timeout', arrived: ['a'], late: ['b'] }]);
  });

  it('restores a scenario saved while draining with the budget it had left, however long it was down', () => {
    const h = started(1);
    h.send({ type: 'scenario.pause' }, 5);
    expect(h.state()).toBe('running.working.processing.draining');
    const left = h.context().budgetDeadline - h.clock.now;
    const restored = roundTrip(h);
    restored.send({ type: 'clock.resumed', downtimeMs: 8_000 }, 8_000);
    restored.send({ type: 'scenario.resume' }, 0);
    expect(restored.state()).toBe('running.working.processing.active');
    const alarm = restored.controls.alarm1('budget.expired');
    expect(alarm.input.at + restored.context().downtimeMs - alarm.input.downtimeAtArm).toBe(restored.clock.now + left);
    expect(restored.context().budgetDeadline).toBe(restored.clock.now + left);
  });
});
