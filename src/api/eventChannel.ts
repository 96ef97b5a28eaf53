/** Events kept for the first iterator at most (a few MB), so a long run that nobody iterates stays small. */
export const DEFAULT_BACKLOG_LIMIT = 10_000;

/**
 * A fan-out of events to listeners and to async iterators; the channel ends (or fails) once for everyone.
 *
 * Until the first iterator is opened, the channel keeps a backlog: the state it was seeded with
 * (`seedBacklog`) and every event published since. The first iterator takes it, so
 * `run.start(); for await (const e of run)` misses nothing that `start()` published synchronously.
 * Memory stays bounded: past `backlogLimit` events the backlog is dropped, and the first iterator then
 * starts like any later one, from `catchUp()` (the current state). Each iterator buffers from its
 * creation, so a slow `for await` loses nothing.
 */
export class EventChannel<T> {
  readonly #listeners = new Set<(event: T) => void>();
  readonly #iterators = new Set<{ push: (e: T) => void; end: (error?: Error) => void }>();
  readonly #backlogLimit: number;
  #backlog: T[] | undefined = [];
  #ended: { error?: Error } | undefined;

  constructor(options: { backlogLimit?: number } = {}) {
    this.#backlogLimit = Math.max(0, options.backlogLimit ?? DEFAULT_BACKLOG_LIMIT);
  }

  /** Starts the backlog afresh from a description of the current state (no-op once an iterator took it). */
  seedBacklog(events: readonly T[]): void {
    if (this.#backlog) this.#backlog = [...events];
  }

  publish(event: T): void {
    if (this.#backlog) {
      this.#backlog.push(event);
      if (this.#backlog.length > this.#backlogLimit) this.#backlog = undefined;
    }
    for (const listener of this.#listeners) listener(event);
    for (const it of this.#iterators) it.push(event);
  }

  subscribe(listener: (event: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = error ? { error } : {};
    for (const it of this.#iterators) it.end(error);
    this.#iterators.clear();
    this.#listeners.clear();
  }

  /**
   * The first call yields the backlog (unless it overflowed), any other `catchUp()`; then live events
   * until the channel ends.
   */
  iterate(catchUp: () => readonly T[] = () => []): AsyncIterableIterator<T> {
    const buffer: T[] = this.#takeBacklog() ?? [...catchUp()];
    let waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: Error) => void } | undefined;
    let done = this.#ended;
    const entry = {
      push: (event: T) => {
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          w.resolve({ value: event, done: false });
        } else buffer.push(event);
      },
      end: (error?: Error) => {
        done = error ? { error } : {};
        if (waiting) {
          const w = waiting;
          waiting = undefined;
          if (error) w.reject(error);
          else w.resolve({ value: undefined, done: true });
        }
      },
    };
    if (!done) this.#iterators.add(entry);
    const iterator: AsyncIterableIterator<T> = {
      next: () => {
        if (buffer.length > 0) return Promise.resolve({ value: buffer.shift() as T, done: false });
        if (done) return done.error ? Promise.reject(done.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => (waiting = { resolve, reject }));
      },
      return: () => {
        this.#iterators.delete(entry);
        done = {};
        buffer.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  #takeBacklog(): T[] | undefined {
    const backlog = this.#backlog;
    if (!backlog) return undefined;
    this.#backlog = undefined;
    return backlog;
  }
}
