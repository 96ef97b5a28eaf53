/**
 * A fan-out of events to listeners and to async iterators. Each iterator buffers from the moment it is
 * created, so a slow `for await` loses nothing; the channel ends (or fails) once for everyone.
 */
export class EventChannel<T> {
  readonly #listeners = new Set<(event: T) => void>();
  readonly #iterators = new Set<{ push: (e: T) => void; end: (error?: Error) => void }>();
  #ended: { error?: Error } | undefined;

  publish(event: T): void {
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

  /** @param initial events to yield first (e.g. the current state, so a late reader can catch up). */
  iterate(initial: readonly T[] = []): AsyncIterableIterator<T> {
    const buffer: T[] = [...initial];
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
        const event = buffer.shift();
        if (event !== undefined) return Promise.resolve({ value: event, done: false });
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
}
