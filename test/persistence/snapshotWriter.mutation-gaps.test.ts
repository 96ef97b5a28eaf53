import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { SnapshotWriter } from '../../src/persistence/snapshotWriter.ts';
import type { OrchestrationStatus } from '../../src/persistence/SnapshotStore.ts';

// Mutants of snapshotWriter.ts that survived every test: stop() not marking the writer stopped (a stopped
// snapshot could replace a live one), and flush() not rethrowing a failed write (a lost lease or a refused
// save would pass for a saved status at shutdown).

/** A memory store that counts saves and fails each one with `failWith` while it is set. */
class FailingStore extends MemorySnapshotStore {
  saves = 0;
  failWith: Error | undefined;
  override save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
    this.saves += 1;
    if (this.failWith) return Promise.reject(this.failWith);
    return super.save(id, update);
  }
}

async function writerOver() {
  const store = new FailingStore();
  await store.create({ id: 'o', config: {}, skill: { name: 's', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: 'x', owner: null, leaseExpiresAt: null });
  const errors: Error[] = [];
  const writer = new SnapshotWriter(store, 'o', 0, { read: () => ({ snapshot: { n: 1 }, status: 'running' }) }, (e) => errors.push(e));
  return { store, writer, errors };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SnapshotWriter: stopped', () => {
  it('writes nothing for a change it is told of after stop()', async () => {
    const { store, writer } = await writerOver();
    writer.stop();
    writer.schedule('durable');
    await turn();
    expect(store.saves).toBe(0);
    expect(writer.stats.writes).toBe(0);
  });
});

describe('SnapshotWriter: flush after a failed write', () => {
  it('rejects with the earlier failure and does not try again when the save was refused (not an outage)', async () => {
    const { store, writer, errors } = await writerOver();
    const refused = new ScenarioError('lease_held', 'orchestration "o" was changed by another process');
    store.failWith = refused;
    writer.schedule('durable');
    await turn();
    expect(errors).toEqual([refused]);
    store.failWith = undefined;
    await expect(writer.flush()).rejects.toBe(refused);
    expect(store.saves).toBe(1);
  });

  it('rejects when its own write fails', async () => {
    const { store, writer } = await writerOver();
    store.failWith = new Error('disk full');
    await expect(writer.flush()).rejects.toThrow('disk full');
    expect(store.saves).toBe(1);
  });

  it('tries once more after an outage, and resolves when the store is back (so the tests above are not failing for another reason)', async () => {
    const { store, writer } = await writerOver();
    store.failWith = new ScenarioError('store_unavailable', 'cannot reach the store');
    writer.schedule('durable');
    await turn();
    store.failWith = undefined;
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(store.saves).toBe(2);
    expect(writer.stats.writes).toBe(1);
  });
});
