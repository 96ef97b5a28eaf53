import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseKeeper } from '../../src/persistence/leaseKeeper.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { LeaseAttempt } from '../../src/persistence/SnapshotStore.ts';
import { sameMinor } from '../../src/persistence/versions.ts';

// Gaps a StrykerJS run of src/persistence found (mutants that survived every test): each test below
// fails on the mutant named above it.

describe('sameMinor: which xstate versions a stored snapshot restores on', () => {
  // versions.ts: `=== ` → true survived: a snapshot from another minor (whose persisted format may differ) would be restored.
  it('accepts another patch release and refuses another minor or major', () => {
    expect(sameMinor('5.19.2', '5.19.9')).toBe(true);
    expect(sameMinor('5.19.2', '5.20.0')).toBe(false);
    expect(sameMinor('4.19.2', '5.19.2')).toBe(false);
  });
});

describe('MemorySnapshotStore: lease time left', () => {
  // MemorySnapshotStore.ts #remaining: `expiresAt - now` → `expiresAt + now` survived.
  it('lists how long each lease has left by its clock', async () => {
    let now = 1_000_000;
    const store = new MemorySnapshotStore({ now: () => now });
    await store.create({
      id: 'r', config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: '5', owner: null, leaseExpiresAt: null,
    });
    await store.acquireLease('r', 'A', 3_000);
    now += 1_000;
    expect((await store.list()).map((row) => [row.owner, row.leaseRemainingMs])).toEqual([['A', 2_000]]);
    expect((await store.load('r'))?.leaseRemainingMs).toBe(2_000);
  });
});

describe('LeaseKeeper: a renewal that settles after stop()', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  // leaseKeeper.ts: `this.#stopped = true` → false in stop(), and `if (this.#stopped) return` → false in #lose, survived:
  // a run that released its lease while a renewal was in flight would then be told it lost it.
  it('reports no lost lease once it was stopped, even if that renewal is refused', async () => {
    const store = new MemorySnapshotStore({ now: () => Date.now() });
    await store.create({
      id: 'r', config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: '5', owner: null, leaseExpiresAt: null,
    });
    const lost: Error[] = [];
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', 3_000, (error) => void lost.push(error));
    let refuse: ((attempt: LeaseAttempt) => void) | undefined;
    vi.spyOn(store, 'acquireLease').mockImplementation(() => new Promise((resolve) => (refuse = resolve)));
    await vi.advanceTimersByTimeAsync(LeaseKeeper.renewEveryMs(3_000)); // the renewal starts and waits on the store
    expect(refuse).toBeDefined();
    keeper.stop();
    refuse?.({ acquired: false, owner: 'B', remainingMs: 3_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(lost).toEqual([]);
  });

  it('does report it when the renewal is refused while it runs (the same setup, not stopped)', async () => {
    const store = new MemorySnapshotStore({ now: () => Date.now() });
    await store.create({
      id: 'r', config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: '5', owner: null, leaseExpiresAt: null,
    });
    const lost: Error[] = [];
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', 3_000, (error) => void lost.push(error));
    vi.spyOn(store, 'acquireLease').mockResolvedValue({ acquired: false, owner: 'B', remainingMs: 3_000 });
    await vi.advanceTimersByTimeAsync(LeaseKeeper.renewEveryMs(3_000));
    expect(lost.map((error) => error.message)).toEqual(['lost the lease on orchestration "r" to another process (B)']);
    keeper.stop();
  });
});
