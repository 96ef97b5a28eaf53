import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseHeldError, LeaseKeeper, ownerIsGone, parseOwnerId, type ProcessProbe } from '../../src/persistence/leaseKeeper.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';

const TTL = 3_000;
const T0 = 1_700_000_000_000;

// Fake timers drive both the renewal interval and the memory store's clock (Date.now is faked too), so
// "15 s later" takes microseconds and nothing here starts a process or a database.
let store: MemorySnapshotStore;
let lost: Error[];
const onLost = (error: Error) => void lost.push(error);

async function newRun(id: string): Promise<void> {
  await store.create({
    id, config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: '5', owner: null, leaseExpiresAt: null,
  });
}

const holder = async (id: string) => {
  const row = await store.load(id);
  return { owner: row?.owner, expiresAt: row?.leaseExpiresAt };
};

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  store = new MemorySnapshotStore({ now: () => Date.now() });
  lost = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LeaseKeeper', () => {
  it('takes a free lease for its lifetime by the store clock', async () => {
    await newRun('r');
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    expect(await holder('r')).toEqual({ owner: 'A', expiresAt: T0 + TTL });
    keeper.stop();
  });

  it('refuses when another owner holds a live lease, naming it and its time left, and leaves that lease alone', async () => {
    await newRun('r');
    const a = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    await vi.advanceTimersByTimeAsync(500);
    const refused = await LeaseKeeper.acquire(store, 'r', 'B', TTL, onLost).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseHeldError);
    expect(refused).toMatchObject({ code: 'lease_held', owner: 'A', remainingMs: TTL - 500 });
    expect((refused as Error).message).toBe(
      'orchestration "r" is being driven by another process (A); its lease expires in 3 s (scenarios resume r --wait takes over then)',
    );
    expect(await holder('r')).toEqual({ owner: 'A', expiresAt: T0 + TTL });
    a.stop();
  });

  it('renews at a third of the lifetime, so a run longer than the lease keeps it', async () => {
    await newRun('r');
    const spy = vi.spyOn(store, 'acquireLease');
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    expect(spy).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(TTL / 3 - 1);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(await holder('r')).toEqual({ owner: 'A', expiresAt: T0 + TTL });
    await vi.advanceTimersByTimeAsync(1);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(spy).toHaveBeenLastCalledWith('r', 'A', TTL);
    expect(await holder('r')).toEqual({ owner: 'A', expiresAt: T0 + TTL / 3 + TTL });

    // Ten lifetimes on, the lease is still live and still A's: B is refused throughout.
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(TTL);
      await expect(LeaseKeeper.acquire(store, 'r', 'B', TTL, onLost)).rejects.toBeInstanceOf(LeaseHeldError);
    }
    expect(await holder('r')).toMatchObject({ owner: 'A' });
    expect((await holder('r')).expiresAt).toBeGreaterThan(Date.now());
    expect(lost).toEqual([]);
    keeper.stop();
  });

  it('calls onLost once when a renewal finds the lease taken, and never takes it back', async () => {
    await newRun('r');
    const a = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    // A stalls (its timers do not fire) past its expiry; B takes the expired lease.
    vi.setSystemTime(T0 + TTL + 1);
    const b = await LeaseKeeper.acquire(store, 'r', 'B', TTL, () => undefined);
    await vi.advanceTimersByTimeAsync(TTL / 3);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ code: 'lease_held', message: 'lost the lease on orchestration "r" to another process (B)' });
    await vi.advanceTimersByTimeAsync(5 * TTL);
    expect(lost).toHaveLength(1);
    expect(await holder('r')).toMatchObject({ owner: 'B' });
    a.stop();
    b.stop();
  });

  it('calls onLost once when a renewal fails, with the store error', async () => {
    await newRun('r');
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    const down = new Error('store down');
    vi.spyOn(store, 'acquireLease').mockRejectedValue(down);
    await vi.advanceTimersByTimeAsync(TTL / 3);
    expect(lost).toEqual([down]);
    await vi.advanceTimersByTimeAsync(3 * TTL);
    expect(lost).toEqual([down]);
    keeper.stop();
  });

  it('does not stack renewals on a slow store', async () => {
    await newRun('r');
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    let calls = 0;
    vi.spyOn(store, 'acquireLease').mockImplementation(() => {
      calls += 1;
      return new Promise(() => undefined); // never answers
    });
    await vi.advanceTimersByTimeAsync(5 * TTL);
    expect(calls).toBe(1);
    keeper.stop();
  });

  it('releases: the lease is free at once for another owner and is no longer renewed', async () => {
    await newRun('r');
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    await keeper.release();
    expect(await holder('r')).toEqual({ owner: null, expiresAt: null });
    const spy = vi.spyOn(store, 'acquireLease');
    await vi.advanceTimersByTimeAsync(3 * TTL);
    expect(spy).not.toHaveBeenCalled();
    const b = await LeaseKeeper.acquire(store, 'r', 'B', TTL, onLost);
    expect(await holder('r')).toMatchObject({ owner: 'B' });
    expect(lost).toEqual([]);
    b.stop();
  });

  it('stop() ends renewals without releasing (a crash leaves the lease to expire)', async () => {
    await newRun('r');
    const keeper = await LeaseKeeper.acquire(store, 'r', 'A', TTL, onLost);
    keeper.stop();
    await vi.advanceTimersByTimeAsync(TTL - 1);
    await expect(LeaseKeeper.acquire(store, 'r', 'B', TTL, onLost)).rejects.toBeInstanceOf(LeaseHeldError);
    await vi.advanceTimersByTimeAsync(1);
    (await LeaseKeeper.acquire(store, 'r', 'B', TTL, onLost)).stop();
    expect(await holder('r')).toMatchObject({ owner: 'B' });
  });

  describe('a holder that is provably gone', () => {
    const probe: ProcessProbe = { hostname: 'here', pid: 100, isAlive: (pid) => pid !== 200 };

    it('is taken over at once when it is a dead pid on this host', async () => {
      await newRun('r');
      await store.acquireLease('r', 'here:200:0123abcd', TTL);
      (await LeaseKeeper.acquire(store, 'r', 'here:100:89abcdef', TTL, onLost, { probe })).stop();
      expect(await holder('r')).toMatchObject({ owner: 'here:100:89abcdef' });
    });

    it('is waited out when its pid runs, it is on another host, or its id is not a host:pid id', async () => {
      for (const owner of ['here:300:0123abcd', 'there:200:0123abcd', 'custom-owner']) {
        await newRun(owner);
        await store.acquireLease(owner, owner, TTL);
        await expect(LeaseKeeper.acquire(store, owner, 'here:100:89abcdef', TTL, onLost, { probe })).rejects.toMatchObject({ owner });
      }
    });

    it('on a store only this process can reach, is any other process', async () => {
      const exclusive: SnapshotStore = Object.assign(store, { exclusive: true });
      await newRun('r');
      await store.acquireLease('r', 'there:300:0123abcd', TTL);
      (await LeaseKeeper.acquire(exclusive, 'r', 'here:100:89abcdef', TTL, onLost, { probe })).stop();
      expect(await holder('r')).toMatchObject({ owner: 'here:100:89abcdef' });
      // Another keeper of this very process is alive, whatever the store.
      await expect(LeaseKeeper.acquire(exclusive, 'r', 'here:100:fedcba98', TTL, onLost, { probe })).rejects.toBeInstanceOf(LeaseHeldError);
    });

    it('parses owner ids made by newOwnerId, and only those', () => {
      expect(parseOwnerId('box.local:4242:0a1b2c3d')).toEqual({ host: 'box.local', pid: 4242 });
      expect(parseOwnerId('custom')).toBeUndefined();
      expect(parseOwnerId('box:0:0a1b2c3d')).toBeUndefined();
      expect(ownerIsGone(null, { probe })).toBe(false);
      expect(ownerIsGone('here:200:0123abcd', { probe })).toBe(true);
    });
  });

  it('with onWait, waits out a live lease with a countdown by the store clock, then takes it', async () => {
    await newRun('r');
    await store.acquireLease('r', 'A', TTL);
    const waits: number[] = [];
    const taken = LeaseKeeper.acquire(store, 'r', 'B', TTL, onLost, { onWait: ({ owner, remainingMs }) => void waits.push(owner === 'A' ? remainingMs : -1) });
    await vi.advanceTimersByTimeAsync(TTL + 100);
    (await taken).stop();
    expect(waits).toEqual([3_000, 2_000, 1_000]);
    expect(await holder('r')).toEqual({ owner: 'B', expiresAt: T0 + TTL + TTL });
  });

  it('stops waiting when its signal aborts', async () => {
    await newRun('r');
    await store.acquireLease('r', 'A', TTL);
    const controller = new AbortController();
    const taken = LeaseKeeper.acquire(store, 'r', 'B', TTL, onLost, { onWait: () => undefined, signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    controller.abort(new Error('interrupted'));
    expect(await taken).toMatchObject({ message: 'interrupted' });
    expect(await holder('r')).toMatchObject({ owner: 'A' });
  });
});
