import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { SnapshotWriter } from '../../src/persistence/snapshotWriter.ts';
import type { OrchestrationStatus } from '../../src/persistence/SnapshotStore.ts';

/** A memory store whose saves fail as an unreachable server's do while `down` is set. */
class FlakyStore extends MemorySnapshotStore {
  down = false;
  override save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
    if (this.down) return Promise.reject(new ScenarioError('store_unavailable', 'store memory is unavailable: unreachable for 1500 ms'));
    return super.save(id, update);
  }
}

describe('SnapshotWriter after an outage', () => {
  it('saves the shutdown status if the store is back by the final flush, though a write failed during the outage', async () => {
    const store = new FlakyStore();
    await store.create({ id: 'o', config: {}, skill: { name: 's', version: '1' }, status: 'running', snapshot: { n: 0 }, machineVersion: 'm', xstateVersion: 'x', owner: null, leaseExpiresAt: null });
    let status: OrchestrationStatus = 'running';
    const errors: Error[] = [];
    const writer = new SnapshotWriter(store, 'o', 0, { read: () => ({ snapshot: { n: 1 }, status }) }, (e) => errors.push(e));
    store.down = true;
    writer.schedule();
    await new Promise((r) => setTimeout(r, 10));
    expect(errors.map((e) => (e as ScenarioError).code)).toEqual(['store_unavailable']);
    // The process stops itself; by its last write the server is back.
    store.down = false;
    status = 'paused';
    await writer.flush();
    expect((await store.load('o'))?.status).toBe('paused');
  });

  it('still refuses to flush after a failure that is not an outage', async () => {
    const store = new MemorySnapshotStore();
    const writer = new SnapshotWriter(store, 'missing', 0, { read: () => ({ snapshot: {}, status: 'paused' }) }, () => undefined);
    writer.schedule();
    await new Promise((r) => setTimeout(r, 10));
    await expect(writer.flush()).rejects.toThrow();
  });
});
