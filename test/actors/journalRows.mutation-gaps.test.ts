import { describe, expect, it } from 'vitest';
import { createActor, setup, type EventObject } from 'xstate';
import { unfoldBatches } from '../../src/actors/batchFold.ts';
import { createBatchRunner } from '../../src/actors/batchRunner.ts';
import type { Skill } from '../../src/actors/skill.ts';
import type { ScenarioEvent } from '../../src/machines/events.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { BatchRecord } from '../../src/persistence/SnapshotStore.ts';
import { testPlan } from '../support/plans.ts';

// Rows a journal could hand back that the runner must refuse rather than skip or absorb: surviving mutants
// of batchRunner.ts's replay checks (the index below `from` or not an integer, a row of another
// orchestration with the same scenario name) showed no test gave it one.

const NOW = 7_000_000;

function row(plan: ScenarioPlan, batchIndex: number, overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    orchestrationId: plan.orchestrationId,
    scenario: plan.name,
    batchIndex,
    attempt: 1,
    items: plan.batchSize,
    itemsFailed: 0,
    qualityScore: 0.5,
    result: { qualityScore: 0.5 },
    startedAt: 1_000,
    finishedAt: 1_040,
    ...overrides,
  };
}

/** Runs the batch runner over a journal that answers every load with exactly `rows`; resolves with what it sent and which batches the skill ran. */
async function runOver(plan: ScenarioPlan, from: number, rows: BatchRecord[]) {
  const journal = new MemorySnapshotStore();
  journal.loadBatches = () => Promise.resolve(rows);
  const ran: number[] = [];
  const skill: Skill = {
    name: 'instant',
    version: '1',
    run(items, ctx) {
      ran.push(ctx.batchIndex);
      return { qualityScore: 1, processed: items.length };
    },
  };
  const events: ScenarioEvent[] = [];
  const parent = setup({
    types: { events: {} as EventObject },
    actors: { runner: createBatchRunner({ journal, skill, now: () => NOW }) },
    actions: { record: ({ event }) => void events.push(...unfoldBatches(event as ScenarioEvent)) },
  }).createMachine({ invoke: { src: 'runner', input: { plan, from, attempt: 1 } }, on: { '*': { actions: 'record' } } });
  const actor = createActor(parent).start();
  await new Promise((resolve) => setImmediate(resolve));
  actor.stop();
  return { events, ran };
}

describe('replaying the batch journal: rows it must refuse', () => {
  const plan = testPlan({ definition: { inputSize: 4 }, barriers: [] });

  it('refuses a row below the batch it was asked to start from, instead of running on as if it were not there', async () => {
    const { events, ran } = await runOver(plan, 2, [row(plan, 1)]);
    expect(ran).toEqual([]);
    expect(events).toMatchObject([{ type: 'runner.error', at: NOW, error: expect.stringContaining('batch 1: batchIndex: must be an integer in 2..3') as string }]);
  });

  it('refuses a row whose index is not an integer', async () => {
    const { events, ran } = await runOver(plan, 0, [row(plan, 0.5)]);
    expect(ran).toEqual([]);
    expect(events).toMatchObject([{ type: 'runner.error', error: expect.stringContaining('batch 0.5: batchIndex: must be an integer in 0..3') as string }]);
  });

  it("refuses another orchestration's row for a scenario of the same name", async () => {
    const { events, ran } = await runOver(plan, 0, [row(plan, 0, { orchestrationId: 'orch-other' })]);
    expect(ran).toEqual([]);
    expect(events).toMatchObject([{ type: 'runner.error', error: expect.stringContaining('belongs to orchestration "orch-other", scenario "alpha"') as string }]);
  });

  it('replays the rows that fit, then runs the rest (the same harness, so the refusals above are not its doing)', async () => {
    const { events, ran } = await runOver(plan, 1, [row(plan, 1), row(plan, 2)]);
    expect(events.map((e) => e.type === 'batch.done' && [e.index, e.replayed])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(ran).toEqual([3]);
  });
});
