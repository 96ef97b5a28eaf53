import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, type EventObject, type InspectionEvent } from 'xstate';
import { createOrchestration, type Orchestration } from '../../src/api/createOrchestration.ts';
import type { ProgressEvent } from '../../src/api/progressEvents.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { scenarioMachine, type AlarmInput, type BatchRunnerInput } from '../../src/machines/scenarioMachine.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { batchDone } from '../support/controls.ts';
import { testPlan } from '../support/plans.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

/** Batch events the scenario machines received, and how many batches they counted. */
function machineEvents() {
  const seen = { events: 0, batches: 0 };
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.event' || event.event.type !== 'batch.done') return;
    seen.events += 1;
    seen.batches += 1 + ((event.event as { following?: unknown[] }).following?.length ?? 0);
  };
  return { seen, inspect };
}

function collect(run: Orchestration): ProgressEvent[] {
  const events: ProgressEvent[] = [];
  run.subscribe((e) => events.push(e));
  return events;
}

const noop = defineSkill({ name: 'noop', version: '1', run: () => ({ qualityScore: 1 }) });

describe('batches folded into one event per decision of the scenario machine', () => {
  it('reports every batch in the progress stream, in order, each with the progress after it, though the machine hears far fewer events', async () => {
    const { seen, inspect } = machineEvents();
    const run = createOrchestration(simConfig([simScenario('a', 200), simScenario('b', 120)]), { skill: noop, inspect });
    const events = collect(run);
    run.start();
    const report = await run.result;
    for (const [name, total] of [['a', 200], ['b', 120]] as const) {
      const settled = events.filter((e) => e.type === 'batch.settled' && e.scenario === name);
      expect(settled.map((e) => (e.type === 'batch.settled' ? e.batchIndex : -1))).toEqual([...Array(total).keys()]);
      expect(settled.map((e) => (e.type === 'batch.settled' ? e.progress.batchCount : -1))).toEqual([...Array(total).keys()].map((i) => i + 1));
      expect(report.scenarios[name]).toMatchObject({ status: 'complete', itemsProcessed: total });
    }
    expect(seen.batches).toBe(320);
    // One per milestone batch, the last and the end of each turn of the event loop, at most.
    expect(seen.events).toBeLessThan(40);
  });

  it('announces a milestone right after the batch that reached it, before any later batch', async () => {
    const run = createOrchestration(simConfig([simScenario('a', 100)], { barriers: { at: [], timeoutMs: 30_000 } }), { skill: noop });
    const events = collect(run);
    run.start();
    await run.result;
    const order = events.filter((e) => !('scenario' in e) || e.scenario === 'a').flatMap((e) => (e.type === 'batch.settled' ? [`b${e.batchIndex}`] : e.type === 'milestone.reached' ? [`m${e.milestone}`] : []));
    for (const [milestone, batch] of [[30, 29], [50, 49], [70, 69], [90, 89], [100, 99]] as const) {
      const at = order.indexOf(`m${milestone}`);
      expect(order[at - 1], `milestone ${milestone}`).toBe(`b${batch}`);
    }
  });

  it('pauses at the batch after the one in flight when the pause was asked for, counting the folded ones before it', async () => {
    const handle: { run?: Orchestration } = {};
    const calls: number[] = [];
    const skill = defineSkill({
      name: 'pauser',
      version: '1',
      run: (_items, ctx) => {
        calls.push(ctx.batchIndex);
        // Batches 0..4 have settled in this turn of the event loop and not yet reached the machine.
        if (ctx.batchIndex === 5 && ctx.attempt === 1 && calls.filter((i) => i === 5).length === 1) handle.run?.pause('a');
        return { qualityScore: 1 };
      },
    });
    const run = createOrchestration(simConfig([simScenario('a', 20)], { barriers: { at: [], timeoutMs: 30_000 } }), { skill });
    handle.run = run;
    run.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // As without folding: the batch in flight when the pause came (5) is counted, nothing after it runs.
    expect(run.progress()[0]).toMatchObject({ status: 'paused', batchCount: 6, itemsProcessed: 6 });
    expect(calls).toEqual([0, 1, 2, 3, 4, 5]);
    run.resume('a');
    const report = await run.result;
    expect(report.scenarios.a).toMatchObject({ status: 'complete', itemsProcessed: 20 });
    expect(calls).toEqual([...Array(20).keys()]);
  });

  it('fails a scenario at the batch that breaks its error tolerance, counting none after it', async () => {
    const skill = defineSkill({ name: 'partial', version: '1', run: (items, ctx) => ({ qualityScore: 1, processed: ctx.batchIndex === 37 ? 0 : items.length }) });
    const run = createOrchestration(simConfig([simScenario('a', 100, { errorTolerance: 0 })], { barriers: { at: [], timeoutMs: 30_000 } }), { skill });
    const events = collect(run);
    run.start();
    const report = await run.result;
    expect(report.scenarios.a).toMatchObject({ status: 'failed', failureReason: 'error_tolerance_exceeded', batchCount: 38, itemsFailed: 1 });
    expect(events.filter((e) => e.type === 'batch.settled').map((e) => (e.type === 'batch.settled' ? e.batchIndex : -1))).toEqual([...Array(38).keys()]);
  });

  it('counts a folded event that starts before the cursor from the cursor on (a runner restored from an older snapshot replays from where it was invoked)', () => {
    const plan = testPlan({ definition: { inputSize: 10, skillParams: { batchSize: 1 } }, barriers: [] });
    const actor = createActor(scenarioMachine.provide({ actors: { batchRunner: fromCallback<EventObject, BatchRunnerInput>(() => undefined), alarm: fromCallback<EventObject, AlarmInput>(() => undefined) } }), { input: { plan } }).start();
    actor.send({ type: 'scenario.start', at: 1_000 });
    actor.send(batchDone(0, 1_001));
    actor.send(batchDone(1, 1_002));
    expect(actor.getSnapshot().context.cursor).toBe(2);
    // Batches 0 and 1 again, then 2 and 3: only 2 and 3 count, once each.
    actor.send({ ...batchDone(0, 1_003), following: [batchDone(1, 1_003), batchDone(2, 1_004), batchDone(3, 1_005)] });
    expect(actor.getSnapshot().context).toMatchObject({ cursor: 4, progress: { batchCount: 4, itemsProcessed: 4 } });
    // Wholly counted already: ignored.
    actor.send({ ...batchDone(1, 1_006), following: [batchDone(2, 1_006), batchDone(3, 1_006)] });
    expect(actor.getSnapshot().context).toMatchObject({ cursor: 4, progress: { batchCount: 4, itemsProcessed: 4 } });
    actor.stop();
  });
});

describe('a cancel asked for from inside a skill call', () => {
  it('counts the batches folded in that turn before it takes effect: the report agrees with the journal', async () => {
    const journal = new MemorySnapshotStore();
    const holder: { run?: Orchestration } = {};
    const cancelling = defineSkill({
      name: 'cancelling',
      version: '1',
      run: (_items, ctx) => {
        if (ctx.scenario === 'a' && ctx.batchIndex === 12) holder.run?.cancel();
        return { qualityScore: 1 };
      },
    });
    // No barrier before 12 %: batches 0-11 settle in the turn of the cancel, folded, none of them decisive.
    const run = createOrchestration(simConfig([simScenario('a', 100)], { milestones: [0, 50, 100], barriers: { at: [], timeoutMs: 30_000 } }), { skill: cancelling, journal });
    holder.run = run;
    run.start();
    const report = await run.result;
    const rows = await journal.loadBatches(run.id, 'a', 0);
    expect(rows.length).toBeGreaterThan(0);
    const a = report.scenarios.a;
    expect(a?.status).toBe('failed');
    expect(a?.itemsProcessed).toBe(rows.reduce((sum, row) => sum + row.items - row.itemsFailed, 0));
  });
});
