import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { SnapshotWriter } from '../../src/persistence/snapshotWriter.ts';
import type { OrchestrationStatus } from '../../src/persistence/SnapshotStore.ts';

// Mutants of snapshotWriter.ts that change WHEN a snapshot is written, not what: the arm and coalesce
// conditions, the spacing of costly durable writes and the bound on the cost history behind it, the timer
// a sooner change replaces, and stats.lastBytes. Fake timers (performance.now included) make every write's
// time exact, so each test states the very millisecond a write begins.

/** A save as the store saw it: when it began (performance.now()) and what it held. */
interface SaveSeen {
  at: number;
  snapshot: unknown;
}

/** Lets the clock move on without any timer firing, as it does while a thread is busy. */
interface FakeClock {
  busy(ms: number): void;
}

/**
 * Fake timers, with performance.now() read through a spy so the clock can also move on without firing them:
 * as it does while the writer's thread serialises a tree, or while batches settle in microtasks. Firing the
 * fake timers from inside a save instead would fire them from inside the writer's own timer callback.
 */
function useFakeClock(): FakeClock {
  vi.useFakeTimers();
  const timerNow = performance.now.bind(performance);
  let busyMs = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => timerNow() + busyMs);
  return {
    busy(ms: number): void {
      busyMs += ms;
    },
  };
}

/**
 * A memory store that records when each save begins, can charge the writer's thread a cost per save (as
 * serialising a big tree would), and can hold saves until released.
 */
class TimedStore extends MemorySnapshotStore {
  readonly saves: SaveSeen[] = [];
  readonly #clock: FakeClock;
  /** What each save costs the calling thread (ms), in order; the last one repeats. */
  costsMs: number[] = [0];
  hold = false;
  readonly #held: (() => void)[] = [];

  constructor(clock: FakeClock) {
    super();
    this.#clock = clock;
  }

  override async save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
    this.saves.push({ at: performance.now(), snapshot: update.snapshot });
    const cost = this.costsMs[Math.min(this.saves.length, this.costsMs.length) - 1] ?? 0;
    this.#clock.busy(cost);
    if (this.hold) await new Promise<void>((resolve) => this.#held.push(resolve));
    return super.save(id, update);
  }

  release(): void {
    for (const resolve of this.#held.splice(0)) resolve();
  }

  /** When each save began, relative to `t0`. */
  timesFrom(t0: number): number[] {
    return this.saves.map((save) => save.at - t0);
  }
}

async function writerOver(options: { intervalMs?: number } = {}) {
  const clock = useFakeClock();
  const store = new TimedStore(clock);
  await store.create({ id: 'o', config: {}, skill: { name: 's', version: '1' }, status: 'running', snapshot: { n: 0 }, machineVersion: 'm', xstateVersion: 'x', owner: null, leaseExpiresAt: null });
  const tree = { n: 0 };
  const errors: Error[] = [];
  const writer = new SnapshotWriter(store, 'o', 0, { read: () => ({ snapshot: { n: tree.n }, status: 'running' }) }, (error) => errors.push(error), options);
  return { clock, store, tree, writer, errors };
}

/** Lets queued microtasks (and the ones they queue) run, but no timer: as a stretch of batches settling at once. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Moves the fake clock to `at` ms after `t0`, firing due timers and the microtasks between them. */
async function advanceTo(t0: number, at: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(t0 + at - performance.now());
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** A durable change at each of `times` (ms after t0), each followed by its microtasks. */
async function durableChangesAt(writer: SnapshotWriter, t0: number, times: readonly number[]): Promise<void> {
  for (const at of times) {
    await advanceTo(t0, at);
    writer.schedule('durable');
    await microtasks();
  }
}

describe('SnapshotWriter timing: which changes share a write, and when it begins', () => {
  it('writes a burst of routine changes once, exactly an interval after the last write began, with the latest state', async () => {
    const { store, tree, writer } = await writerOver({ intervalMs: 100 });
    const t0 = performance.now();
    writer.schedule('routine');
    await microtasks();
    await advanceTo(t0, 10);
    for (let n = 1; n <= 5; n++) {
      tree.n = n;
      writer.schedule('routine');
    }
    await advanceTo(t0, 99);
    expect(store.timesFrom(t0)).toEqual([0]);
    await advanceTo(t0, 100);
    expect(store.timesFrom(t0)).toEqual([0, 100]);
    expect(store.saves.at(-1)?.snapshot).toEqual({ n: 5 });
    await advanceTo(t0, 1000);
    expect(store.saves).toHaveLength(2);
    expect(writer.stats).toMatchObject({ writes: 2, changes: 6 });
    writer.stop();
  });

  it('shares one write among changes made in the same turn', async () => {
    const { store, tree, writer } = await writerOver({ intervalMs: 100 });
    for (let n = 1; n <= 3; n++) {
      tree.n = n;
      writer.schedule('durable');
    }
    await microtasks();
    expect(store.saves.map((save) => save.snapshot)).toEqual([{ n: 3 }]);
    writer.stop();
  });

  it('writes a durable change made during a write as soon as that write ends, though routine changes follow it', async () => {
    const { store, tree, writer } = await writerOver({ intervalMs: 100 });
    const t0 = performance.now();
    store.hold = true;
    writer.schedule('routine');
    await microtasks();
    expect(store.saves).toHaveLength(1);
    await advanceTo(t0, 5);
    tree.n = 1;
    writer.schedule('durable');
    await advanceTo(t0, 6);
    tree.n = 2;
    writer.schedule('routine');
    await advanceTo(t0, 20);
    expect(store.saves).toHaveLength(1);
    store.hold = false;
    store.release();
    await microtasks();
    // Not at 100 (an interval after the held write began): the routine change did not postpone the durable one.
    expect(store.timesFrom(t0)).toEqual([0, 20]);
    expect(store.saves.at(-1)?.snapshot).toEqual({ n: 2 });
    writer.stop();
  });

  it('does not write later for a timer that a sooner change replaced: the next routine write keeps its own interval', async () => {
    const { store, writer } = await writerOver({ intervalMs: 100 });
    const t0 = performance.now();
    writer.schedule('routine');
    await microtasks();
    await advanceTo(t0, 10);
    writer.schedule('routine'); // due at 100: a timer is set
    await advanceTo(t0, 20);
    writer.schedule('durable'); // written at once, so the timer for 100 must go
    await microtasks();
    await advanceTo(t0, 30);
    writer.schedule('routine'); // due an interval after the write at 20 began
    await advanceTo(t0, 500);
    expect(store.timesFrom(t0)).toEqual([0, 20, 120]);
    writer.stop();
  });

  it('writes a change made once its write is due, before the timer could fire (batches settling in microtasks), in those microtasks', async () => {
    const { clock, store, writer } = await writerOver({ intervalMs: 100 });
    const t0 = performance.now();
    writer.schedule('routine');
    await microtasks();
    await advanceTo(t0, 10);
    writer.schedule('routine'); // due at 100, a timer set for then
    clock.busy(90); // batches settling in microtasks: it is now 100, and that timer has not fired
    writer.schedule('routine');
    await microtasks();
    expect(store.timesFrom(t0)).toEqual([0, 100]);
    writer.stop();
  });

  it('never has two writes in flight: a change made while flush() writes waits for that write, then is written', async () => {
    const { store, tree, writer, errors } = await writerOver();
    store.hold = true;
    writer.schedule('durable');
    const flushed = writer.flush();
    tree.n = 1;
    writer.schedule('durable');
    await microtasks();
    expect(store.saves).toHaveLength(1);
    store.hold = false;
    store.release();
    await flushed;
    await microtasks();
    expect(store.saves.map((save) => save.snapshot)).toEqual([{ n: 0 }, { n: 1 }]);
    expect(errors).toEqual([]);
    expect(writer.version).toBe(2);
    writer.stop();
  });
});

describe('SnapshotWriter timing: durable writes of a costly tree spaced', () => {
  it('writes the first three durable changes at once, then waits four times the write cost after the last write ended, for as long as writes stay costly', async () => {
    const { store, writer } = await writerOver({ intervalMs: 60_000 });
    store.costsMs = [5];
    const t0 = performance.now();
    await durableChangesAt(writer, t0, [0, 10, 20]);
    // Three writes of 5 ms measured; the last ended at 25, so the next waits until 25 + 4 × 5.
    expect(store.timesFrom(t0)).toEqual([0, 10, 20]);
    await durableChangesAt(writer, t0, [30]);
    await advanceTo(t0, 44);
    expect(store.saves).toHaveLength(3);
    await advanceTo(t0, 45);
    expect(store.timesFrom(t0)).toEqual([0, 10, 20, 45]);
    // The history keeps the last three writes: after a fourth (and a fifth) the tree is still known to be costly.
    await durableChangesAt(writer, t0, [51]);
    await advanceTo(t0, 69);
    expect(store.saves).toHaveLength(4);
    await advanceTo(t0, 70);
    expect(store.timesFrom(t0)).toEqual([0, 10, 20, 45, 70]);
    await durableChangesAt(writer, t0, [76]);
    await advanceTo(t0, 300);
    expect(store.timesFrom(t0)).toEqual([0, 10, 20, 45, 70, 95]);
    writer.stop();
  });

  it('counts a write of exactly a millisecond as costly', async () => {
    const { store, writer } = await writerOver({ intervalMs: 60_000 });
    store.costsMs = [1];
    const t0 = performance.now();
    await durableChangesAt(writer, t0, [0, 10, 20]);
    await durableChangesAt(writer, t0, [22]);
    expect(store.saves).toHaveLength(3);
    await advanceTo(t0, 100);
    // The last write ended at 21: the next waits until 21 + 4 × 1.
    expect(store.timesFrom(t0)).toEqual([0, 10, 20, 25]);
    writer.stop();
  });

  it('writes at once a tree whose writes take under a millisecond', async () => {
    const { store, writer } = await writerOver({ intervalMs: 60_000 });
    store.costsMs = [0.5];
    const t0 = performance.now();
    await durableChangesAt(writer, t0, [0, 10, 20, 21]);
    expect(store.timesFrom(t0)).toEqual([0, 10, 20, 21]);
    writer.stop();
  });

  it('spaces by the cheapest of the last three writes, so one slowed write does not make the next change wait longer', async () => {
    const { store, writer } = await writerOver({ intervalMs: 60_000 });
    // The second write was slowed (a garbage collection): 10 ms against 2.
    store.costsMs = [2, 10, 2];
    const t0 = performance.now();
    await durableChangesAt(writer, t0, [0, 10, 30]);
    await durableChangesAt(writer, t0, [33]);
    await advanceTo(t0, 200);
    // The last write ended at 32: the next waits until 32 + 4 × 2, not 32 + 4 × 10.
    expect(store.timesFrom(t0)).toEqual([0, 10, 30, 40]);
    writer.stop();
  });

  it('does not write at the time of a routine timer that a spaced durable change came before', async () => {
    const { store, writer } = await writerOver({ intervalMs: 100 });
    store.costsMs = [5];
    const t0 = performance.now();
    await durableChangesAt(writer, t0, [0, 10, 20]);
    await advanceTo(t0, 30);
    writer.schedule('routine'); // due an interval after the write at 20 began: a timer for 120
    await advanceTo(t0, 31);
    writer.schedule('durable'); // due 4 × 5 after the write that ended at 25: sooner, a timer for 45 instead
    await advanceTo(t0, 45);
    await advanceTo(t0, 60);
    writer.schedule('routine'); // due an interval after the write at 45 began
    await advanceTo(t0, 500);
    expect(store.timesFrom(t0)).toEqual([0, 10, 20, 45, 145]);
    writer.stop();
  });
});

describe('SnapshotWriter stats.lastBytes', () => {
  it('is 0 before any write, then the size as JSON of the last snapshot written', async () => {
    const { tree, writer } = await writerOver();
    expect(writer.stats.lastBytes).toBe(0);
    tree.n = 7;
    writer.schedule('durable');
    await microtasks();
    expect(writer.stats.lastBytes).toBe(JSON.stringify({ n: 7 }).length);
    tree.n = 123_456;
    writer.schedule('durable');
    await microtasks();
    expect(writer.stats.lastBytes).toBe(JSON.stringify({ n: 123_456 }).length);
    writer.stop();
  });
});
