import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { ScenarioError, toError } from '../errors.ts';
import type { SnapshotStore } from './SnapshotStore.ts';

export const DEFAULT_LEASE_MS = 15_000;

/** Who is driving: host, pid and a random suffix, so a restarted process never mistakes an old lease for its own. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

export class LeaseHeldError extends ScenarioError {
  constructor(id: string, owner: string | null, expiresAt: number | null, now: number) {
    const left = expiresAt === null ? '' : `; its lease expires in ${Math.max(0, Math.ceil((expiresAt - now) / 1000))} s`;
    super('lease_held', `orchestration "${id}" is being driven by another process (${owner ?? 'unknown'})${left}`);
    this.name = 'LeaseHeldError';
  }
}

/** Holds the orchestration's lease, renewing it at a third of its lifetime while the run goes on. */
export class LeaseKeeper {
  readonly #timer: NodeJS.Timeout;
  #stopped = false;
  readonly store: SnapshotStore;
  readonly id: string;
  readonly owner: string;
  readonly ttlMs: number;

  private constructor(store: SnapshotStore, id: string, owner: string, ttlMs: number, onLost: (error: Error) => void) {
    this.store = store;
    this.id = id;
    this.owner = owner;
    this.ttlMs = ttlMs;
    this.#timer = setInterval(() => {
      this.store
        .acquireLease(this.id, this.owner, this.ttlMs, Date.now())
        .then((held) => {
          if (!held && !this.#stopped) onLost(new ScenarioError('lease_held', `lost the lease on orchestration "${this.id}" to another process`));
        })
        .catch((error: unknown) => {
          if (!this.#stopped) onLost(toError(error));
        });
    }, Math.max(100, Math.floor(ttlMs / 3)));
    this.#timer.unref();
  }

  static async acquire(store: SnapshotStore, id: string, owner: string, ttlMs: number, onLost: (error: Error) => void): Promise<LeaseKeeper> {
    const now = Date.now();
    if (!(await store.acquireLease(id, owner, ttlMs, now))) {
      const row = await store.load(id);
      throw new LeaseHeldError(id, row?.owner ?? null, row?.leaseExpiresAt ?? null, now);
    }
    return new LeaseKeeper(store, id, owner, ttlMs, onLost);
  }

  async release(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.store.releaseLease(this.id, this.owner);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
