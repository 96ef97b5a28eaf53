/**
 * Where orchestrations live between processes. One row per orchestration holds the root actor's
 * persisted snapshot (children included); completed batches have rows of their own, so the snapshot
 * stays small however long the run.
 */

/** A completed (or finally failed) batch, written before any snapshot that counts it. */
export interface BatchRecord {
  orchestrationId: string;
  scenario: string;
  batchIndex: number;
  attempt: number;
  /** Items in the batch. */
  items: number;
  /** Items the skill did not process (a batch that failed every retry has items === itemsFailed). */
  itemsFailed: number;
  /** null when the batch failed. */
  qualityScore: number | null;
  /** The skill's validated result, or `{ error }` for a failed batch. */
  result: unknown;
  startedAt: number;
  finishedAt: number;
}

/** The per-batch journal: the scenario runner records into it and replays from it after a restore. */
export interface BatchJournal {
  /** Idempotent: a second record of the same (orchestration, scenario, batch) keeps the first. */
  recordBatch(record: BatchRecord): Promise<void>;
  /** Recorded batches of one scenario with batchIndex >= fromIndex, ascending by batchIndex. */
  loadBatches(orchestrationId: string, scenario: string, fromIndex: number): Promise<BatchRecord[]>;
}

/** A successful batch's result kept for reuse, under the key of what determined it (see batchCacheKey.ts). */
export interface CachedBatch {
  /** sha256 (hex) of the skill's name and version, the params that shape a result and the batch's items. */
  key: string;
  /** The skill's name and version, kept beside the key so a person can see (or delete) a skill's entries. */
  skill: string;
  skillVersion: string;
  /** Items in the batch. */
  items: number;
  /** The skill's validated result. */
  result: unknown;
}

/**
 * Cached batch results, shared by every run in one store (see BatchCache). Unlike the journal, nothing
 * here belongs to one orchestration: a later run of the same skill on the same data reads what an
 * earlier one wrote.
 */
export interface BatchResultCache {
  /** The entry stored under `key`, or undefined. */
  loadCachedBatch(key: string): Promise<CachedBatch | undefined>;
  /** Stores the entry, replacing any under the same key (a newer result of the same inputs is as good). */
  saveCachedBatch(entry: CachedBatch): Promise<void>;
}

/** What a baseline points at: one stored run, or every repeat of an experiment (runs `E.r1` … `E.rN`). */
export type BaselineKind = 'run' | 'experiment';

/** A named pointer to a finished run or an experiment, kept beside the runs so CI can compare against it by name. */
export interface Baseline {
  name: string;
  kind: BaselineKind;
  /** The run id, or the experiment id. */
  ref: string;
  /** When it was saved, by the store's clock (epoch ms). */
  createdAt: number;
}

/** Named baselines: one row per name; saving a name again replaces what it points at. */
export interface BaselineStore {
  /** Stores the baseline under its name; returns the one it replaced, if any. */
  saveBaseline(baseline: Omit<Baseline, 'createdAt'>): Promise<Baseline | undefined>;
  /** undefined when no baseline has that name. */
  loadBaseline(name: string): Promise<Baseline | undefined>;
  /** Every baseline, by name. */
  listBaselines(): Promise<Baseline[]>;
  /** True when a baseline of that name was there to delete. */
  deleteBaseline(name: string): Promise<boolean>;
}

export type OrchestrationStatus = 'running' | 'paused' | 'complete' | 'failed';

export interface StoredOrchestration {
  id: string;
  config: unknown;
  /** How to find the skill again on resume: a built-in name or a module path. */
  skill: { name: string; version: string; module?: string };
  status: OrchestrationStatus;
  snapshot: unknown;
  version: number;
  machineVersion: string;
  xstateVersion: string;
  owner: string | null;
  /** When the lease ends, in epoch ms by the store's clock (the database's on a SQL store), not this host's. */
  leaseExpiresAt: number | null;
  /** Set by load() and list(): how long the lease has left by the store's clock (0 or less: expired). */
  leaseRemainingMs?: number | null;
  createdAt: number;
  updatedAt: number;
}

/** What acquireLease found. Refused: who holds the lease and how long it has left, by the store's clock. */
export type LeaseAttempt = { acquired: true } | { acquired: false; owner: string | null; remainingMs: number | null };

export interface OrchestrationSummary {
  id: string;
  status: OrchestrationStatus;
  skill: string;
  owner: string | null;
  leaseExpiresAt: number | null;
  leaseRemainingMs?: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * A store's server went away (`since`: when the first attempt that failed began) or answered again after
 * `downMs`. Only stores that can lose their server (Postgres) tell these.
 */
export type StoreOutageEvent =
  | { type: 'store.unreachable'; since: number; reason: string; givesUpAfterMs: number }
  | { type: 'store.back'; since: number; at: number; downMs: number };

export interface SnapshotStore extends BatchJournal, BatchResultCache, BaselineStore {
  /** Short description for messages, e.g. `postgres://host/db` or `pglite:.scenarios/db`. */
  readonly description: string;
  /**
   * True when no other process can reach this store while it is open (a PGlite folder this process holds
   * the lock of): a lease held by another process is then a dead process's and can be taken over at once.
   */
  readonly exclusive?: boolean;
  create(row: Omit<StoredOrchestration, 'version' | 'createdAt' | 'updatedAt'>): Promise<void>;
  /** undefined when nothing is stored under id; never throws for "not found". */
  load(id: string): Promise<StoredOrchestration | undefined>;
  /**
   * Optimistic concurrency: succeeds only if the stored version is expectedVersion; returns the new version.
   * The store may keep `snapshot` as it is, without a copy (the memory store does; the SQL stores serialise
   * it before they return): the caller hands it over and must never change it afterwards. A persisted
   * XState snapshot is safe to hand over: getPersistedSnapshot builds its envelope afresh on every call,
   * and the contexts it shares with the live actors are never changed in place (assign replaces them), so
   * machine actions must keep their context immutable. The same holds for `create`'s row.
   */
  save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number>;
  /**
   * Takes or renews the lease for ttlMs if it is free, expired, already ours, or held by `takeOverFrom` (an
   * owner known to be dead). Expiry is decided by the store's own clock (the database's), never the caller's,
   * so hosts whose clocks disagree still agree on who holds the lease. Refused when another owner holds a
   * live lease, or when nothing is stored under id (owner null).
   */
  acquireLease(id: string, owner: string, ttlMs: number, takeOverFrom?: string): Promise<LeaseAttempt>;
  releaseLease(id: string, owner: string): Promise<void>;
  list(): Promise<OrchestrationSummary[]>;
  close(): Promise<void>;
  /** Subscribes to outages of the store's server (see StoreOutageEvent); returns the unsubscribe. */
  watchOutages?(listener: (event: StoreOutageEvent) => void): () => void;
}
