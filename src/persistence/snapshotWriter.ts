import { ScenarioError, toError } from '../errors.ts';
import type { OrchestrationStatus, SnapshotStore } from './SnapshotStore.ts';

export interface SnapshotSource {
  /** Read at write time, not at schedule time: whatever is latest wins. */
  read(): { snapshot: unknown; status: OrchestrationStatus };
}

/**
 * How much a change matters to a restore. `durable`: something the batch journal cannot rebuild (a
 * milestone's time, a barrier, a pause, a retry wait, a failure, the end), written at once. `routine`: what
 * replaying the journal rebuilds (a batch counted), written at most once per interval.
 */
export type SnapshotChange = 'durable' | 'routine';

/** How often routine changes are written at most; the journal holds every batch meanwhile. */
export const ROUTINE_WRITE_INTERVAL_MS = 200;

/**
 * A durable change waits after the last write ended for this many times what a write costs this thread
 * (reading the tree and handing it to the store, which serialises it), once that is over a millisecond: a
 * tree of thousands, whose every arrival at a barrier is a durable change, is then not written whole once
 * per arrival (writing stays under a fifth of the time), while a tree of a few scenarios (microseconds a
 * write) is written at once. The cost is the least of the last few writes, so one slowed by a garbage
 * collection or another process does not make the next change wait. A wait ends with the next change
 * after it or a timer (none fires while batches settle in microtasks: then the next change writes).
 */
const DURABLE_SPACING = 4;
const SPACED_FROM_MS = 1;
const COSTS_KEPT = 3;

export interface SnapshotWriterStats {
  /** Snapshots saved. */
  writes: number;
  /** Size of the last one saved, as JSON (measured on demand). */
  lastBytes: number;
  /** Routine changes the writer was told of (in a durable run, every change of the tree): writes / changes is what coalescing kept. */
  changes: number;
  /** Durable changes it was told of, each written at once (several may share one write). */
  durableChanges: number;
}

/**
 * Coalesces snapshot writes: at most one in flight; changes made meanwhile collapse into one later write of
 * the latest snapshot. A durable change is written as soon as the write in flight (if any) is done; routine
 * changes wait until `intervalMs` have passed since the last write began, so a run whose batches follow
 * each other quickly writes a few snapshots a second, not one per batch. Optimistic concurrency on the row
 * version means a second process driving the same orchestration is detected on its first write.
 */
export class SnapshotWriter {
  readonly #store: SnapshotStore;
  readonly #id: string;
  readonly #source: SnapshotSource;
  readonly #onError: (error: Error) => void;
  readonly #intervalMs: number;
  #version: number;
  #inFlight: Promise<void> | undefined;
  #failed: Error | undefined;
  #stopped = false;
  #writes = 0;
  #changes = 0;
  #durableChanges = 0;
  #lastWritten: unknown;
  /** When the last write began and ended (performance.now()); before the first, never. */
  #lastStart = -Infinity;
  #lastEnd = -Infinity;
  /** What the last few writes took on this thread before they waited for the store (ms), newest last. */
  readonly #costs: number[] = [];
  /** When the next write is due (performance.now() time), if a change is waiting for one. */
  #dueAt: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #microtask = false;

  constructor(store: SnapshotStore, id: string, version: number, source: SnapshotSource, onError: (error: Error) => void, options: { intervalMs?: number } = {}) {
    this.#store = store;
    this.#id = id;
    this.#version = version;
    this.#source = source;
    this.#onError = onError;
    this.#intervalMs = options.intervalMs ?? ROUTINE_WRITE_INTERVAL_MS;
  }

  get version(): number {
    return this.#version;
  }

  /** Measured on demand: serialising every snapshot a second time just for this would tax each write. */
  get stats(): SnapshotWriterStats {
    return {
      writes: this.#writes,
      lastBytes: this.#lastWritten === undefined ? 0 : JSON.stringify(this.#lastWritten).length,
      changes: this.#changes,
      durableChanges: this.#durableChanges,
    };
  }

  /**
   * Called on every change of the tree: a few comparisons and a clock read. The clock is checked here, not
   * only by a timer, because batches that settle at once (a fast skill, the memory store) follow each other
   * in microtasks, where no timer fires until the stretch ends.
   */
  schedule(change: SnapshotChange = 'durable'): void {
    if (change === 'routine') this.#changes += 1;
    else this.#durableChanges += 1;
    if (this.#failed || this.#stopped) return;
    const due = this.#dueFor(change);
    const sooner = this.#dueAt === undefined || due < this.#dueAt;
    if (sooner) this.#dueAt = due;
    // A write in flight arms the next one when it ends.
    if (this.#inFlight) return;
    if (sooner || (this.#dueAt !== undefined && this.#dueAt <= performance.now())) this.#arm();
  }

  #dueFor(change: SnapshotChange): number {
    if (change === 'routine') return this.#lastStart + this.#intervalMs;
    const cost = this.#costs.length === COSTS_KEPT ? Math.min(...this.#costs) : 0;
    return cost >= SPACED_FROM_MS ? this.#lastEnd + DURABLE_SPACING * cost : -Infinity;
  }

  #arm(): void {
    if (this.#dueAt === undefined) return;
    const delay = this.#dueAt - performance.now();
    if (delay <= 0) {
      this.#cancelTimer();
      // Changes made in the same turn (a scenario's and the root's) share one write.
      if (this.#microtask) return;
      this.#microtask = true;
      queueMicrotask(() => {
        this.#microtask = false;
        this.#pump();
      });
      return;
    }
    // For when no further change comes to check the clock (the run waits, or ends).
    this.#cancelTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delay);
    // The run keeps the process alive, not a pending write: the end of a run flushes what is left.
    this.#timer.unref();
  }

  #cancelTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pump(): void {
    if (this.#failed || this.#stopped || this.#inFlight || this.#dueAt === undefined) return;
    void this.#startWrite();
  }

  /** One write of the latest snapshot, taking every change so far; then the next one if a change came meanwhile. */
  #startWrite(): Promise<void> {
    this.#dueAt = undefined;
    this.#cancelTimer();
    const write = this.#write().finally(() => {
      this.#inFlight = undefined;
      if (!this.#failed && !this.#stopped) this.#arm();
    });
    this.#inFlight = write;
    return write;
  }

  async #write(): Promise<void> {
    this.#lastStart = performance.now();
    const { snapshot, status } = this.#source.read();
    try {
      const saved = this.#store.save(this.#id, { snapshot, status, expectedVersion: this.#version });
      this.#costs.push(performance.now() - this.#lastStart);
      if (this.#costs.length > COSTS_KEPT) this.#costs.shift();
      this.#version = await saved;
      this.#writes += 1;
      this.#lastWritten = snapshot;
    } catch (error) {
      this.#failed = toError(error);
      this.#onError(this.#failed);
    } finally {
      this.#lastEnd = performance.now();
    }
  }

  /** No more writes: the actor is about to stop, and a stopped snapshot must never replace a live one. */
  stop(): void {
    this.#stopped = true;
    this.#dueAt = undefined;
    this.#cancelTimer();
  }

  /**
   * Writes the latest snapshot now and waits for it; rejects if writing has failed. A write that failed
   * only because the store was unreachable is tried again (once more: a store past its retry window
   * makes one short attempt), so a shutdown after an outage still saves its status if the store is back.
   */
  async flush(): Promise<void> {
    while (this.#inFlight) await this.#inFlight;
    if (this.#failed instanceof ScenarioError && this.#failed.code === 'store_unavailable') this.#failed = undefined;
    if (this.#failed) throw this.#failed;
    await this.#startWrite();
    // Re-read: the write above may have failed while we awaited it.
    const failed = this.#failed as Error | undefined;
    if (failed) throw failed;
  }
}
