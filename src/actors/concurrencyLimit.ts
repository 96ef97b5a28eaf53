/**
 * A bound on batches in flight across every scenario of one orchestration (`maxConcurrency`). A runner
 * takes a slot before it reads a batch's items and gives it back once the skill has settled.
 *
 * Hand-written rather than p-limit or p-queue: those wrap a function, while a slot here is held across
 * steps of the runner (read the items, ask the cache, call the skill) and must be given up by a waiter
 * whose scenario stopped meanwhile (an AbortSignal), without running anything.
 */
export interface ConcurrencyLimit {
  /**
   * Resolves with the slot's release (calling it twice frees one slot) once one is free, first come first
   * served; rejects with the signal's reason if it aborts first, taking no slot.
   */
  acquire(signal: AbortSignal): Promise<() => void>;
  /** Slots taken now. */
  readonly active: number;
}

/**
 * Waiters are served in the order they asked. Each runner waits for one slot at a time, so a scenario
 * queues behind at most one turn of every other: none starves, however many workers the others have.
 */
export function createConcurrencyLimit(max: number): ConcurrencyLimit {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`a concurrency limit must be a positive integer (got ${max})`);
  let active = 0;
  const waiting: { grant: () => void }[] = [];

  const release = () => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = waiting.shift();
      // The freed slot passes straight to the next waiter, so `active` stays as it is.
      if (next) next.grant();
      else active -= 1;
    };
  };

  return {
    get active() {
      return active;
    },
    acquire(signal) {
      if (signal.aborted) return Promise.reject(signal.reason as Error);
      if (active < max) {
        active += 1;
        return Promise.resolve(release());
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          grant: () => {
            signal.removeEventListener('abort', onAbort);
            resolve(release());
          },
        };
        const onAbort = () => {
          const at = waiting.indexOf(waiter);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.push(waiter);
      });
    },
  };
}

/** No bound: every acquire is granted at once (an orchestration without `maxConcurrency`). */
export const unlimited: ConcurrencyLimit = {
  active: 0,
  acquire: (signal) => (signal.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve(() => undefined)),
};
