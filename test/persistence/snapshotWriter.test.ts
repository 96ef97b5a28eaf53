import { describe, expect, it } from 'vitest';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { SnapshotWriter } from '../../src/persistence/snapshotWriter.ts';
import type { OrchestrationStatus } from '../../src/persistence/SnapshotStore.ts';

/** A memory store that records every snapshot saved and can hold each save until released. */
class RecordingStore extends MemorySnapshotStore {
  readonly saved: unknown[] = [];
  hold = false;
  readonly #held: (() => void)[] = [];
  override async save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
    this.saved.push(update.snapshot);
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    return super.save(id, update);
  }
  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

async function writerOver(options: { intervalMs: number }) {
  const store = new RecordingStore();
  await store.create({ id: 'o', config: {}, skill: { name: 's', version: '1' }, status: 'running', snapshot: { n: 0 }, machineVersion: 'm', xstateVersion: 'x', owner: null, leaseExpiresAt: null });
  const state = { n: 0 };
  const errors: Error[] = [];
  const writer = new SnapshotWriter(store, 'o', 0, { read: () => ({ snapshot: { n: state.n }, status: 'running' }) }, (e) => errors.push(e), options);
  return { store, state, writer, errors };
}

const turn = () => new Promise((r) => setImmediate(r));
const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('SnapshotWriter: durable changes at once, routine ones coalesced', () => {
  it('writes one snapshot for many routine changes within the interval, and a durable change at once', async () => {
    const { store, state, writer } = await writerOver({ intervalMs: 60_000 });
    // The first change: no write for a minute before it, so it is written at once.
    state.n = 1;
    writer.schedule('routine');
    await turn();
    expect(store.saved).toEqual([{ n: 1 }]);
    for (let i = 2; i <= 500; i++) {
      state.n = i;
      writer.schedule('routine');
      await turn();
    }
    // 499 batches counted, none written yet: the journal holds them.
    expect(store.saved).toEqual([{ n: 1 }]);
    state.n = 501;
    writer.schedule('durable');
    await turn();
    expect(store.saved).toEqual([{ n: 1 }, { n: 501 }]);
    expect(writer.stats).toMatchObject({ writes: 2, changes: 500, durableChanges: 1 });
    writer.stop();
  });

  it('writes the latest state once the interval has passed after routine changes, without being asked again', async () => {
    const { store, state, writer } = await writerOver({ intervalMs: 30 });
    writer.schedule('routine');
    await until(() => store.saved.length === 1);
    state.n = 7;
    writer.schedule('routine');
    state.n = 8;
    writer.schedule('routine');
    await until(() => store.saved.length === 2);
    expect(store.saved).toEqual([{ n: 0 }, { n: 8 }]);
    writer.stop();
  });

  it('keeps one write in flight: durable changes meanwhile make one more write, of the latest state', async () => {
    const { store, state, writer } = await writerOver({ intervalMs: 60_000 });
    store.hold = true;
    writer.schedule('durable');
    await turn();
    expect(store.saved).toHaveLength(1);
    for (let i = 1; i <= 5; i++) {
      state.n = i;
      writer.schedule('durable');
      await turn();
    }
    expect(store.saved).toHaveLength(1);
    store.hold = false;
    store.release();
    await until(() => store.saved.length === 2);
    await turn();
    expect(store.saved).toEqual([{ n: 0 }, { n: 5 }]);
    expect((await store.load('o'))?.version).toBe(2);
    writer.stop();
  });

  it('spaces the durable writes of a tree that takes milliseconds to write (thousands of scenarios), so writing stays a fraction of the time', async () => {
    const store = new RecordingStore();
    await store.create({ id: 'big', config: {}, skill: { name: 's', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: 'x', owner: null, leaseExpiresAt: null });
    let n = 0;
    const costly = () => {
      const t0 = performance.now();
      while (performance.now() - t0 < 15); // reading a big tree
      return { snapshot: { n }, status: 'running' as const };
    };
    const writer = new SnapshotWriter(store, 'big', 0, { read: costly }, () => undefined, { intervalMs: 60_000 });
    for (let i = 1; i <= 3; i++) {
      n = i;
      writer.schedule('durable');
      await until(() => store.saved.length === i);
    }
    // Each write cost about 15 ms: the next durable change waits about 60 ms after the last one ended.
    n = 4;
    writer.schedule('durable');
    await turn();
    expect(store.saved).toHaveLength(3);
    await until(() => store.saved.length === 4);
    expect(store.saved.at(-1)).toEqual({ n: 4 });
    writer.stop();
  });

  it('writes nothing pending after stop(), and flush() writes the latest state whatever is pending', async () => {
    const { store, state, writer } = await writerOver({ intervalMs: 40 });
    writer.schedule('routine');
    await turn();
    state.n = 3;
    writer.schedule('routine');
    await writer.flush();
    expect(store.saved).toEqual([{ n: 0 }, { n: 3 }]);
    state.n = 4;
    writer.schedule('routine');
    writer.stop();
    await new Promise((r) => setTimeout(r, 120));
    expect(store.saved).toEqual([{ n: 0 }, { n: 3 }]);
  });
});
