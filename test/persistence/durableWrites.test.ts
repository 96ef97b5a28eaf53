import { describe, expect, it } from 'vitest';
import { defineSkill } from '../../src/actors/skill.ts';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { OrchestrationStatus } from '../../src/persistence/SnapshotStore.ts';
import { scenarioDefinition } from '../support/plans.ts';

const instant = defineSkill({ name: 'instant', version: '1', run: (items) => ({ qualityScore: 0.9, processed: items.length }) });

interface SavedScenario {
  value: unknown;
  context: { cursor: number; progress: { milestonesReached: number[] } };
}
type Saved = { status: OrchestrationStatus; children: Record<string, SavedScenario> };

/** Keeps what each save held, per scenario: its state, the batches it counts and its milestones. */
class SavesSeen extends MemorySnapshotStore {
  readonly saves: Saved[] = [];
  override save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
    const { children } = update.snapshot as { children: Record<string, { snapshot: SavedScenario }> };
    const scenarios = Object.fromEntries(Object.entries(children).filter(([childId]) => childId.startsWith('scenario:')).map(([childId, child]) => [childId.slice('scenario:'.length), child.snapshot]));
    this.saves.push({ status: update.status, children: structuredClone(scenarios) });
    return super.save(id, update);
  }
}

const config = (sizes: Record<string, number>) => ({
  barriers: { at: [30, 70], timeoutMs: 60_000 },
  scenarios: Object.entries(sizes).map(([name, inputSize]) => scenarioDefinition({ name, inputSize, timeBudgetSeconds: 600, errorTolerance: 0 })),
});

describe('a durable run on the memory store', () => {
  it('writes far fewer snapshots than batches, yet saves every milestone and barrier arrival as it happens', async () => {
    const store = new SavesSeen();
    // Batches of one item; the smaller scenarios wait at each barrier for the largest.
    const sizes = { large: 1500, medium: 1000, small: 500 };
    const run = await createDurableOrchestration(config(sizes), { store, skill: instant });
    run.start();
    const outcome = await run.outcome;
    expect(outcome.kind).toBe('finished');
    const stats = run.persistenceStats();
    // 3,000 batches counted; the snapshots are the durable changes and a few more.
    expect(stats.durableChanges).toBeLessThan(300);
    expect(stats.writes).toBeLessThan(300);
    expect(stats.writes).toBe(store.saves.length);
    for (const name of Object.keys(sizes)) {
      const seen = store.saves.map((s) => s.children[name]).filter((s): s is SavedScenario => s !== undefined);
      // Milestones 0 to 90 % while it runs (at 100 % it has finished and left the tree): each one saved.
      const milestoneCounts = new Set(seen.map((s) => s.context.progress.milestonesReached.length));
      expect([...milestoneCounts].sort(), name).toEqual(expect.arrayContaining([1, 2, 3, 4, 5]));
      const atBarrier = seen.filter((s) => JSON.stringify(s.value).includes('atBarrier'));
      if (name !== 'large') expect(atBarrier.length, `${name} saved waiting at a barrier`).toBeGreaterThan(0);
    }
    expect(store.saves.at(-1)?.status).toBe('complete');
  });

  it('after interrupt() the stored row is the tree as it stopped, and a resume finishes the run', async () => {
    const store = new MemorySnapshotStore();
    const names = ['a', 'b'];
    const first = await createDurableOrchestration(config({ a: 400, b: 400 }), { store, skill: instant });
    let counted = 0;
    first.subscribe((e) => {
      if (e.type === 'batch.settled' && (counted += 1) === 250) void first.interrupt();
    });
    first.start();
    expect((await first.outcome).kind).toBe('interrupted');
    const row = await store.load(first.id);
    expect(row?.status).toBe('paused');
    // The row is the state as it stopped, not the last timed write (batches here settle every few us): it counts
    // every batch the journal holds but the one in flight at the pause, whose row may come after the last save.
    const cursors = (row?.snapshot as { children: Record<string, { snapshot: { context: { cursor: number } } }> }).children;
    for (const name of names) {
      const journaled = (await store.loadBatches(first.id, name, 0)).length;
      expect(journaled - (cursors[`scenario:${name}`]?.snapshot.context.cursor ?? 0), name).toBeLessThanOrEqual(1);
    }
    // What load() handed out is the caller's: changing it changes nothing stored.
    (row?.snapshot as { children: unknown }).children = {};
    const resumed = await resumeOrchestration(first.id, { store, skill: instant });
    const outcome = await resumed.outcome;
    expect(outcome.kind).toBe('finished');
    if (outcome.kind === 'finished') {
      for (const name of names) expect(outcome.report.scenarios[name]).toMatchObject({ status: 'complete', batchCount: 400, itemsProcessed: 400 });
    }
  });
});
