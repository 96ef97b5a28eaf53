import { ScenarioError, toError } from '../errors.ts';
import type { OrchestrationStatus, SnapshotStore } from './SnapshotStore.ts';

export interface SnapshotSource {
  /** Read at write time, not at schedule time: whatever is latest wins. */
  read(): { snapshot: unknown; status: OrchestrationStatus };
}

/**
 * Coalesces snapshot writes: at most one in flight; changes made meanwhile collapse into one next write
 * of the latest snapshot. Optimistic concurrency on the row version means a second process driving the
 * same orchestration is detected on its first write.
 */
export class SnapshotWriter {
  readonly #store: SnapshotStore;
  readonly #id: string;
  readonly #source: SnapshotSource;
  readonly #onError: (error: Error) => void;
  #version: number;
  #scheduled = false;
  #dirty = false;
  #inFlight: Promise<void> | undefined;
  #failed: Error | undefined;
  #stopped = false;
  #writes = 0;
  #lastWritten: unknown;

  constructor(store: SnapshotStore, id: string, version: number, source: SnapshotSource, onError: (error: Error) => void) {
    this.#store = store;
    this.#id = id;
    this.#version = version;
    this.#source = source;
    this.#onError = onError;
  }

  get version(): number {
    return this.#version;
  }

  /** Measured on demand: serialising every snapshot a second time just for this would tax each write. */
  get stats(): { writes: number; lastBytes: number } {
    return { writes: this.#writes, lastBytes: this.#lastWritten === undefined ? 0 : JSON.stringify(this.#lastWritten).length };
  }

  /** Called on every snapshot change; cheap when a write is already pending. */
  schedule(): void {
    if (this.#scheduled || this.#failed || this.#stopped) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#failed || this.#stopped) return;
    if (this.#inFlight) {
      this.#dirty = true;
      return;
    }
    this.#inFlight = this.#write().finally(() => {
      this.#inFlight = undefined;
      if (this.#dirty) {
        this.#dirty = false;
        this.#pump();
      }
    });
  }

  async #write(): Promise<void> {
    const { snapshot, status } = this.#source.read();
    try {
      this.#version = await this.#store.save(this.#id, { snapshot, status, expectedVersion: this.#version });
      this.#writes += 1;
      this.#lastWritten = snapshot;
    } catch (error) {
      this.#failed = toError(error);
      this.#onError(this.#failed);
    }
  }

  /** No more writes: the actor is about to stop, and a stopped snapshot must never replace a live one. */
  stop(): void {
    this.#stopped = true;
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
    this.#dirty = false;
    this.#inFlight = this.#write().finally(() => (this.#inFlight = undefined));
    await this.#inFlight;
    // Re-read: the write above may have failed while we awaited it.
    const failed = this.#failed as Error | undefined;
    if (failed) throw failed;
  }
}
