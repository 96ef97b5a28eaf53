import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, type EventObject } from 'xstate';
import { BatchFold } from '../../src/actors/batchFold.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import type { BatchDoneEvent, ScenarioEvent } from '../../src/machines/events.ts';
import { scenarioMachine, type AlarmInput, type BatchRunnerInput } from '../../src/machines/scenarioMachine.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { batchDone } from '../support/controls.ts';
import { testPlan } from '../support/plans.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

/**
 * Surviving mutants of src/actors/batchFold.ts (test/mutation-survivors/actors-fd4ec55.md): a fold that
 * starts before the scenario's cursor, and a batch that may fail the scenario, which must reach the machine
 * before any later batch runs.
 */

/** 10 one-item batches, only the last decisive (no barrier, the one milestone at 100 %). */
const plan = () => testPlan({ definition: { inputSize: 10, skillParams: { batchSize: 1 } }, milestones: [100], barriers: [] });

/** A fold sending into `sent`, with an optional parent whose snapshot it counts from. */
function foldOf(parent?: ReturnType<typeof scenarioAt>) {
  const sent: ScenarioEvent[] = [];
  const folded: { scenario: string; progress: readonly ScenarioProgress[] }[] = [];
  const fold = new BatchFold({
    plan: plan(),
    send: (event) => sent.push(event),
    stopped: () => false,
    onFolded: (scenario, progress) => folded.push({ scenario, progress }),
    ...(parent ? { parent } : {}),
  });
  return { fold, sent, folded };
}

/** A scenario machine (no runner, no alarm) that has counted batches 0..cursor-1. */
function scenarioAt(cursor: number) {
  const machine = scenarioMachine.provide({
    actors: { batchRunner: fromCallback<EventObject, BatchRunnerInput>(() => undefined), alarm: fromCallback<EventObject, AlarmInput>(() => undefined) },
  });
  const actor = createActor(machine, { input: { plan: plan() } }).start();
  actor.send({ type: 'scenario.start', at: 1_000 });
  for (let index = 0; index < cursor; index += 1) actor.send(batchDone(index, 1_001 + index));
  expect(actor.getSnapshot().context.cursor).toBe(cursor);
  return actor;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchFold (mutation gaps)', () => {
  it("counts a fold that starts before the scenario's cursor from the cursor on, and tells the stream each of those batches but the last", () => {
    const scenario = scenarioAt(2);
    const { fold, sent, folded } = foldOf(scenario);
    // A runner restored from an older snapshot replays batches 0 and 1, which the scenario has counted already.
    for (let index = 0; index < 5; index += 1) fold.add(batchDone(index, 2_000 + index));
    fold.flush();
    expect(sent).toHaveLength(1);
    const first = sent[0] as BatchDoneEvent;
    expect(first.counted?.from).toBe(scenario.getSnapshot().context.progress);
    expect(first.counted?.progress.map((p) => p.batchCount)).toEqual([3, 4, 5]);
    expect(folded.map((f) => [f.scenario, f.progress.map((p) => p.batchCount)])).toEqual([['alpha', [3, 4]]]);
    scenario.stop();
  });

  it('sends a batch with failed items at once, not at the end of the turn: it may break the error tolerance', async () => {
    const { fold, sent } = foldOf();
    fold.add(batchDone(0, 2_000));
    expect(sent).toEqual([]);
    fold.add(batchDone(1, 2_001, { itemsFailed: 1, qualityScore: 0 }));
    expect(sent.map((e) => (e as BatchDoneEvent).index)).toEqual([0]);
    expect((sent[0] as BatchDoneEvent).following?.map((e) => e.index)).toEqual([1]);
    await nextTurn();
    expect(sent).toHaveLength(1);
  });

  it('sends a batch reporting memory past the limit at once, not at the end of the turn', async () => {
    const { fold, sent } = foldOf();
    fold.add(batchDone(0, 2_000));
    fold.add(batchDone(1, 2_001, { memoryMb: plan().memoryLimitMb + 1 }));
    expect(sent.map((e) => (e as BatchDoneEvent).index)).toEqual([0]);
    await nextTurn();
    expect(sent).toHaveLength(1);
  });
});

describe('a batch that fails its scenario, in an orchestration', () => {
  /** Runs 100 one-item batches of `a`, batch 37 returning `at37`; the skill calls and journal rows it left. */
  async function runWith(at37: () => { qualityScore: number; processed?: number; memoryMb?: number }) {
    const calls: number[] = [];
    const skill = defineSkill({
      name: 'breaks-at-37',
      version: '1',
      run: (items, ctx) => {
        calls.push(ctx.batchIndex);
        return ctx.batchIndex === 37 ? at37() : { qualityScore: 1, processed: items.length };
      },
    });
    const journal = new MemorySnapshotStore();
    const run = createOrchestration(simConfig([simScenario('a', 100, { errorTolerance: 0 })], { barriers: { at: [], timeoutMs: 30_000 } }), { skill, journal });
    run.start();
    const report = await run.result;
    const rows = await journal.loadBatches(run.id, 'a', 0);
    return { report, calls, rows };
  }

  it('runs no batch after the one that breaks the error tolerance (the machine hears of it first)', async () => {
    const { report, calls, rows } = await runWith(() => ({ qualityScore: 1, processed: 0 }));
    expect(report.scenarios.a).toMatchObject({ status: 'failed', failureReason: 'error_tolerance_exceeded', batchCount: 38 });
    expect(calls).toEqual([...Array(38).keys()]);
    expect(rows.map((r) => r.batchIndex)).toEqual([...Array(38).keys()]);
  });

  it('runs no batch after the one that reports memory past the limit', async () => {
    const { report, calls, rows } = await runWith(() => ({ qualityScore: 1, memoryMb: 5_000 }));
    expect(report.scenarios.a).toMatchObject({ status: 'failed', failureReason: 'memory_limit_exceeded', batchCount: 38 });
    expect(calls).toEqual([...Array(38).keys()]);
    expect(rows.map((r) => r.batchIndex)).toEqual([...Array(38).keys()]);
  });
});
