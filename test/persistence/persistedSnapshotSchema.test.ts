import { describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { persistedSnapshotProblems } from '../../src/machines/persistedSnapshotSchema.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { OrchestrationStatus, StoredOrchestration } from '../../src/persistence/SnapshotStore.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { timedSkill } from '../support/timedSkill.ts';

/**
 * The snapshot check must never refuse what the machines themselves save: every snapshot written during
 * runs that pass barriers, retry failed batches, pause, resume after a restore, fail and finish passes it.
 */
class CheckingStore extends MemorySnapshotStore {
  readonly problems: string[] = [];
  saves = 0;
  readonly states = new Set<string>();
  override create(row: Omit<StoredOrchestration, 'version' | 'createdAt' | 'updatedAt'>): Promise<void> {
    this.check(row.id, row.snapshot);
    return super.create(row);
  }
  override save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
    this.check(id, update.snapshot);
    return super.save(id, update);
  }
  private check(id: string, snapshot: unknown) {
    this.saves++;
    const tree = snapshot as { value: unknown; children: Record<string, { snapshot: { value?: unknown } }> };
    this.states.add(JSON.stringify(tree.value));
    for (const child of Object.values(tree.children)) if (child.snapshot.value !== undefined) this.states.add(JSON.stringify(child.snapshot.value));
    for (const p of persistedSnapshotProblems(snapshot, { orchestrationId: id, scenarios: ['steady', 'flaky', 'doomed'] })) this.problems.push(`${id} save ${this.saves}: ${p}`);
  }
}

const config = {
  barriers: { at: [30, 70], timeoutMs: 200 },
  retry: { maxAttempts: 3, backoffMs: 5 },
  scenarios: [oneItemScenario('steady', 30), { ...oneItemScenario('flaky', 20), errorTolerance: 0.5 }, { ...oneItemScenario('doomed', 40), errorTolerance: 0 }],
};

describe('persisted snapshot check', () => {
  it('accepts every snapshot real runs save, through barriers, retries, pauses, restores and failures', async () => {
    const store = new CheckingStore();
    const skill = timedSkill({
      latencyMs: (call) => (call.scenario === 'steady' ? 3 : 1),
      fails: (call) => (call.scenario === 'flaky' && call.batchIndex % 4 === 1 && call.attempt < 3) || (call.scenario === 'doomed' && call.batchIndex === 25),
    });
    const run = await createDurableOrchestration(config, { store, skill, id: 'orch-check' });
    run.start();
    for (let i = 0; i < 500 && (run.progress()[0]?.batchCount ?? 0) < 12; i++) await new Promise((r) => setTimeout(r, 5));
    run.pause('flaky');
    await new Promise((r) => setTimeout(r, 30));
    await run.interrupt();

    const resumed = await resumeOrchestration('orch-check', { store, skill });
    await new Promise((r) => setTimeout(r, 30));
    resumed.resume('flaky');
    const outcome = await resumed.outcome;
    expect(outcome.kind).toBe('finished');
    if (outcome.kind === 'finished') {
      expect(Object.values(outcome.report.scenarios).map((s) => s.status)).toEqual(['complete', 'complete', 'failed']);
    }
    expect(store.problems).toEqual([]);
    expect(store.saves).toBeGreaterThan(20);
    // The run went through the states that matter (retrying, a barrier, paused, final). Not `complete`: a
    // finished scenario leaves the tree at once, so whether a save catches it is chance (the report has it).
    const seen = [...store.states].join(' ');
    for (const state of ['retrying', 'atBarrier', 'paused', 'failed', '"done"']) expect(seen).toContain(state);
  }, 60_000);

  it('names what is wrong', () => {
    expect(persistedSnapshotProblems(null, { orchestrationId: 'x', scenarios: [] })).toEqual(['snapshot is missing']);
    expect(persistedSnapshotProblems({}, { orchestrationId: 'x', scenarios: [] })).toEqual(['snapshot is empty']);
    expect(persistedSnapshotProblems({ status: 'error', value: 'running', children: {} }, { orchestrationId: 'x', scenarios: [] })).toEqual([
      'snapshot has no context',
      'status is "error" (only an active or finished orchestrator can be restored)',
    ]);
  });
});
