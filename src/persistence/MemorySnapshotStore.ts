import { ScenarioError } from '../errors.ts';
import { MAX_STORED_VERSION, OrchestrationDeletedError, VersionConflictError, VersionOverflowError } from './storeErrors.ts';
import type { Baseline, BatchRecord, CachedBatch, LeaseAttempt, OrchestrationSummary, SnapshotStore, StoredOrchestration } from './SnapshotStore.ts';

/**
 * Keeps everything in this process: the default for library use and tests; nothing survives a crash.
 * It keeps the objects it is given (see SnapshotStore.save): copying the whole tree on every save was about
 * half the per-batch cost of a durable run. What it hands out (load) is a copy, so a reader or a restore
 * never shares an object with the row.
 */
export class MemorySnapshotStore implements SnapshotStore {
  readonly description = 'memory';
  readonly #rows = new Map<string, StoredOrchestration>();
  readonly #batches = new Map<string, Map<number, BatchRecord>>();
  /** The highest batch index recorded, per orchestration and scenario. */
  readonly #lastIndex = new Map<string, number>();
  readonly #cache = new Map<string, CachedBatch>();
  readonly #baselines = new Map<string, Baseline>();
  #clock: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#clock = options.now ?? Date.now;
  }

  recordBatch(record: BatchRecord): Promise<void> {
    const key = `${record.orchestrationId}\u0000${record.scenario}`;
    let byIndex = this.#batches.get(key);
    if (!byIndex) this.#batches.set(key, (byIndex = new Map<number, BatchRecord>()));
    // A shallow copy is enough: the runner builds each record (and its zod-parsed result) afresh. Cloning
    // deeply here cost a tenth of the per-batch time in bench/perBatch.ts.
    if (!byIndex.has(record.batchIndex)) byIndex.set(record.batchIndex, { ...record });
    if (record.batchIndex > (this.#lastIndex.get(key) ?? -1)) this.#lastIndex.set(key, record.batchIndex);
    return Promise.resolve();
  }

  loadBatches(orchestrationId: string, scenario: string, fromIndex: number): Promise<BatchRecord[]> {
    const key = `${orchestrationId}\u0000${scenario}`;
    const byIndex = this.#batches.get(key);
    // Each working stretch asks from where it starts: in a run never restored nothing is recorded from there on.
    if (!byIndex || (this.#lastIndex.get(key) ?? -1) < fromIndex) return Promise.resolve([]);
    const records = [...byIndex.values()].filter((r) => r.batchIndex >= fromIndex).sort((a, b) => a.batchIndex - b.batchIndex);
    return Promise.resolve(records.map((r) => structuredClone(r)));
  }

  loadCachedBatch(key: string): Promise<CachedBatch | undefined> {
    const entry = this.#cache.get(key);
    return Promise.resolve(entry && structuredClone(entry));
  }

  saveCachedBatch(entry: CachedBatch): Promise<void> {
    // Cloned: the caller's result object must not change what a later run reads.
    this.#cache.set(entry.key, structuredClone(entry));
    return Promise.resolve();
  }

  saveBaseline(baseline: Omit<Baseline, 'createdAt'>): Promise<Baseline | undefined> {
    const previous = this.#baselines.get(baseline.name);
    this.#baselines.set(baseline.name, { name: baseline.name, kind: baseline.kind, ref: baseline.ref, createdAt: this.#clock() });
    return Promise.resolve(previous && { ...previous });
  }

  loadBaseline(name: string): Promise<Baseline | undefined> {
    const baseline = this.#baselines.get(name);
    return Promise.resolve(baseline && { ...baseline });
  }

  listBaselines(): Promise<Baseline[]> {
    // By UTF-8 bytes, as the SQL stores sort (COLLATE "C").
    const names = [...this.#baselines.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return Promise.resolve(names.map((name) => ({ ...(this.#baselines.get(name) as Baseline) })));
  }

  deleteBaseline(name: string): Promise<boolean> {
    return Promise.resolve(this.#baselines.delete(name));
  }

  create(row: Omit<StoredOrchestration, 'version' | 'createdAt' | 'updatedAt'>): Promise<void> {
    if (this.#rows.has(row.id)) return Promise.reject(new ScenarioError('usage', `orchestration "${row.id}" already exists`));
    const now = this.#clock();
    this.#rows.set(row.id, { ...row, version: 0, createdAt: now, updatedAt: now });
    return Promise.resolve();
  }

  load(id: string): Promise<StoredOrchestration | undefined> {
    const row = this.#rows.get(id);
    return Promise.resolve(row && { ...structuredClone(row), leaseRemainingMs: this.#remaining(row) });
  }

  save(id: string, update: { snapshot: unknown; status: StoredOrchestration['status']; expectedVersion: number }): Promise<number> {
    // Checked first, as the SQL stores do: a save that could never be stored fails the same way on every store.
    if (update.expectedVersion >= MAX_STORED_VERSION) return Promise.reject(new VersionOverflowError(id));
    const row = this.#rows.get(id);
    if (!row) return Promise.reject(new OrchestrationDeletedError(id));
    if (row.version !== update.expectedVersion) return Promise.reject(new VersionConflictError(id, update.expectedVersion));
    row.snapshot = update.snapshot;
    row.status = update.status;
    row.version += 1;
    row.updatedAt = this.#clock();
    return Promise.resolve(row.version);
  }

  acquireLease(id: string, owner: string, ttlMs: number, takeOverFrom?: string): Promise<LeaseAttempt> {
    const row = this.#rows.get(id);
    if (!row) return Promise.resolve({ acquired: false, owner: null, remainingMs: null });
    const now = this.#clock();
    const free =
      row.owner === null || row.owner === owner || row.owner === takeOverFrom || row.leaseExpiresAt === null || row.leaseExpiresAt <= now;
    if (!free) return Promise.resolve({ acquired: false, owner: row.owner, remainingMs: row.leaseExpiresAt === null ? null : row.leaseExpiresAt - now });
    row.owner = owner;
    row.leaseExpiresAt = now + ttlMs;
    return Promise.resolve({ acquired: true });
  }

  releaseLease(id: string, owner: string): Promise<void> {
    const row = this.#rows.get(id);
    if (row && row.owner === owner) {
      row.owner = null;
      row.leaseExpiresAt = null;
    }
    return Promise.resolve();
  }

  list(): Promise<OrchestrationSummary[]> {
    const rows = [...this.#rows.values()].sort((a, b) => b.createdAt - a.createdAt);
    return Promise.resolve(
      rows.map((r) => ({ id: r.id, status: r.status, skill: r.skill.name, owner: r.owner, leaseExpiresAt: r.leaseExpiresAt, leaseRemainingMs: this.#remaining(r), createdAt: r.createdAt, updatedAt: r.updatedAt })),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #remaining(row: StoredOrchestration): number | null {
    return row.leaseExpiresAt === null ? null : row.leaseExpiresAt - this.#clock();
  }
}
