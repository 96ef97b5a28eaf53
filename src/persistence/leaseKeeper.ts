import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { ScenarioError, toError } from '../errors.ts';
import type { SnapshotStore } from './SnapshotStore.ts';

export const DEFAULT_LEASE_MS = 15_000;

/** Who is driving: host, pid and a random suffix, so a restarted process never mistakes an old lease for its own. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The host and pid of an owner id made by newOwnerId; undefined for an id of any other shape. */
export function parseOwnerId(owner: string): { host: string; pid: number } | undefined {
  const match = /^(.+):(\d+):[0-9a-f]{8}$/.exec(owner);
  const pid = Number(match?.[2]);
  return match?.[1] !== undefined && Number.isSafeInteger(pid) && pid > 0 ? { host: match[1], pid } : undefined;
}

/** What this process knows about processes: its host name, its pid, and whether a pid on this host runs. */
export interface ProcessProbe {
  hostname: string;
  pid: number;
  isAlive(pid: number): boolean;
}

export const thisProcess: ProcessProbe = {
  hostname: hostname(),
  pid: process.pid,
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // ESRCH: no such process. EPERM: it exists but belongs to another user, so it is alive.
      return error instanceof Error && 'code' in error && error.code === 'EPERM';
    }
  },
};

/**
 * True when `owner` is provably gone: a process on this host whose pid no longer runs, or, on a store
 * only this process can reach (a PGlite folder it holds the lock of), any other process. An owner id of
 * another shape, or on another host, is never judged gone: only its lease running out frees the run.
 */
export function ownerIsGone(owner: string | null, options: { probe?: ProcessProbe; exclusive?: boolean } = {}): boolean {
  if (owner === null) return false;
  const probe = options.probe ?? thisProcess;
  const parsed = parseOwnerId(owner);
  if (!parsed) return false;
  const here = parsed.host === probe.hostname;
  if (here && parsed.pid === probe.pid) return false;
  if (options.exclusive) return true;
  return here && !probe.isAlive(parsed.pid);
}

/**
 * Who drives a stored run, for `status` and `list`: `live` (a lease with time left, by the store's clock,
 * held by a process that may be running), `gone` (its holder is provably dead: resume takes over at once)
 * or `none` (no lease, or it ran out).
 */
export function driverState(
  row: { owner: string | null; leaseRemainingMs?: number | null | undefined },
  options: { probe?: ProcessProbe; exclusive?: boolean } = {},
): 'live' | 'gone' | 'none' {
  if (row.owner === null || row.leaseRemainingMs == null || row.leaseRemainingMs <= 0) return 'none';
  return ownerIsGone(row.owner, options) ? 'gone' : 'live';
}

export class LeaseHeldError extends ScenarioError {
  readonly owner: string | null;
  /** How long the holder's lease has left, by the store's clock. */
  readonly remainingMs: number | null;

  constructor(id: string, owner: string | null, remainingMs: number | null) {
    const left =
      remainingMs === null ? '' : `; its lease expires in ${Math.max(0, Math.ceil(remainingMs / 1000))} s (scenarios resume ${id} --wait takes over then)`;
    super('lease_held', `orchestration "${id}" is being driven by another process (${owner ?? 'unknown'})${left}`);
    this.name = 'LeaseHeldError';
    this.owner = owner;
    this.remainingMs = remainingMs;
  }
}

export interface LeaseKeeperOptions {
  /**
   * Wait for another owner's live lease to run out instead of refusing: called before each wait (about
   * once a second) with the holder and the time its lease has left by the store's clock.
   */
  onWait?: (holder: { owner: string | null; remainingMs: number }) => void;
  /** Stops a wait (the acquire rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Tests: another host name, pid or liveness check. */
  probe?: ProcessProbe;
}

/**
 * Holds the orchestration's lease, renewing it at a third of its lifetime while the run goes on. The
 * store decides expiry by its own clock (the database's), so this process passes only the lifetime and
 * never compares its clock with another host's.
 */
export class LeaseKeeper {
  readonly #timer: NodeJS.Timeout;
  readonly #onLost: (error: Error) => void;
  #stopped = false;
  #renewing = false;
  readonly store: SnapshotStore;
  readonly id: string;
  readonly owner: string;
  readonly ttlMs: number;

  private constructor(store: SnapshotStore, id: string, owner: string, ttlMs: number, onLost: (error: Error) => void) {
    this.store = store;
    this.id = id;
    this.owner = owner;
    this.ttlMs = ttlMs;
    this.#onLost = onLost;
    this.#timer = setInterval(() => void this.#renew(), LeaseKeeper.renewEveryMs(ttlMs));
    this.#timer.unref();
  }

  /** A third of the lifetime, so two renewals can fail (or be slow) before the lease runs out. */
  static renewEveryMs(ttlMs: number): number {
    return Math.max(100, Math.floor(ttlMs / 3));
  }

  /**
   * Takes the lease, or throws LeaseHeldError naming the holder and its time left. A holder that is
   * provably gone (see ownerIsGone) is taken over at once; with `onWait`, a live holder is waited out.
   */
  static async acquire(
    store: SnapshotStore,
    id: string,
    owner: string,
    ttlMs: number,
    onLost: (error: Error) => void,
    options: LeaseKeeperOptions = {},
  ): Promise<LeaseKeeper> {
    for (;;) {
      let attempt = await store.acquireLease(id, owner, ttlMs);
      if (!attempt.acquired && ownerIsGone(attempt.owner, { ...(options.probe ? { probe: options.probe } : {}), exclusive: store.exclusive === true })) {
        // Only that dead owner's lease is taken: if someone else got there first, this is refused as usual.
        attempt = await store.acquireLease(id, owner, ttlMs, attempt.owner ?? undefined);
      }
      if (attempt.acquired) return new LeaseKeeper(store, id, owner, ttlMs, onLost);
      if (!options.onWait || attempt.owner === null) throw new LeaseHeldError(id, attempt.owner, attempt.remainingMs);
      const remainingMs = Math.max(0, attempt.remainingMs ?? 0);
      options.onWait({ owner: attempt.owner, remainingMs });
      await pause(Math.min(1_000, remainingMs + 25), options.signal);
    }
  }

  async release(): Promise<void> {
    this.stop();
    await this.store.releaseLease(this.id, this.owner);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  async #renew(): Promise<void> {
    // A renewal still in flight (a slow store retrying) is not stacked on.
    if (this.#stopped || this.#renewing) return;
    this.#renewing = true;
    try {
      const attempt = await this.store.acquireLease(this.id, this.owner, this.ttlMs);
      if (!attempt.acquired) {
        this.#lose(new ScenarioError('lease_held', `lost the lease on orchestration "${this.id}" to another process (${attempt.owner ?? 'unknown'})`));
      }
    } catch (error) {
      this.#lose(toError(error));
    } finally {
      this.#renewing = false;
    }
  }

  /** Once: a lost lease is never renewed again (that could take it back from its new owner). */
  #lose(error: Error): void {
    if (this.#stopped) return;
    this.stop();
    this.#onLost(error);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(toError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(toError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
