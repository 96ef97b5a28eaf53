import { describe, expect, it } from 'vitest';
import { createConcurrencyLimit } from '../../src/actors/concurrencyLimit.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createConcurrencyLimit', () => {
  it('refuses a limit that is not a positive integer, naming what it got', () => {
    for (const max of [0, -1, 1.5, Number.NaN]) {
      expect(() => createConcurrencyLimit(max), String(max)).toThrow(RangeError);
      expect(() => createConcurrencyLimit(max), String(max)).toThrow(`a concurrency limit must be a positive integer (got ${max})`);
    }
    expect(() => createConcurrencyLimit(0)).toThrow(/positive integer \(got 0\)/);
    expect(createConcurrencyLimit(1).active).toBe(0);
  });

  it("rejects at once with the signal's reason when asked with a signal already aborted on a full limit, and takes no slot", async () => {
    const limit = createConcurrencyLimit(1);
    const release = await limit.acquire(new AbortController().signal);
    const reason = new Error('scenario stopped');
    // Left waiting, it would hang: an aborted signal never sends 'abort' again.
    const outcome = await Promise.race([
      limit.acquire(AbortSignal.abort(reason)).then(
        () => 'granted',
        (error: unknown) => error,
      ),
      settle().then(() => 'still waiting'),
    ]);
    expect(outcome).toBe(reason);
    // Nobody queued behind the slot: giving it back frees it.
    release();
    expect(limit.active).toBe(0);
  });

  it("rejects with the signal's reason on a limit with room too, and takes no slot", async () => {
    const limit = createConcurrencyLimit(2);
    const reason = new Error('scenario stopped');
    await expect(limit.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(limit.active).toBe(0);
  });
});
