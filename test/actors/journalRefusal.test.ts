import { describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { timedSkill } from '../support/timedSkill.ts';

describe('resuming over a forged journal row', () => {
  it('should stop the run with a message naming the row instead of counting its items', async () => {
    const store = new MemorySnapshotStore();
    const config = simConfig([simScenario('a', 20, { memoryLimitMb: 1e6 }), simScenario('b', 20, { memoryLimitMb: 1e6 })], { barriers: { at: [], timeoutMs: 1_000 } });
    const first = await createDurableOrchestration(config, { store, skill: timedSkill({ latencyMs: 2 }), id: 'forged' });
    first.start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await first.interrupt();
    expect(await first.outcome).toEqual({ kind: 'interrupted' });
    const next = (await store.loadBatches('forged', 'a', 0)).length;
    expect(next).toBeLessThan(20);
    // The row the issue forged: a batch of 1 claiming 999,999 items at quality 42.
    await store.recordBatch({ orchestrationId: 'forged', scenario: 'a', batchIndex: next, attempt: 1, items: 999_999, itemsFailed: 0, qualityScore: 42, result: {}, startedAt: 1, finishedAt: 2 });

    const resumed = await resumeOrchestration('forged', { store, skill: timedSkill({ latencyMs: 2 }) });
    const outcome = await resumed.outcome;

    // A refused row is no store outage: the run ends as an error with the refusal's own message and code.
    expect(outcome.kind).toBe('error');
    expect('error' in outcome && outcome.error).toMatchObject({ code: 'snapshot_invalid' });
    const message = 'error' in outcome ? outcome.error.message : '';
    expect(message).toContain(`orchestration "forged", scenario "a", batch ${next}:`);
    expect(message).toContain('items: 999999 is not the size of batch');
    expect(message).toContain('qualityScore: must be between 0 and 1');
    const saved = await store.load('forged');
    // Saved as paused with its lease released, not left running under a lease nobody renews.
    expect(saved?.status).toBe('paused');
    expect(saved?.owner).toBeNull();
    const progress = (saved?.snapshot as { children: Record<string, { snapshot: { context: { progress: { itemsProcessed: number } } } }> }).children['scenario:a']?.snapshot.context.progress;
    expect(progress?.itemsProcessed).toBeLessThanOrEqual(20);
  });
});
