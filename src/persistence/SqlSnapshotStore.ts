import { ScenarioError } from '../errors.ts';
import { MAX_STORED_VERSION, OrchestrationDeletedError, VersionConflictError, VersionOverflowError } from './storeErrors.ts';
import type { Baseline, BatchRecord, CachedBatch, LeaseAttempt, OrchestrationStatus, OrchestrationSummary, SnapshotStore, StoredOrchestration } from './SnapshotStore.ts';

/** The one thing both SQL backends must provide: positional parameters ($1, $2, …), one statement per call. */
export interface SqlQueryable {
  query<T>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
}

export interface SqlClient extends SqlQueryable {
  /** Runs `fn` between BEGIN and COMMIT on one connection; rolls back and rethrows if it throws. */
  transaction<R>(fn: (tx: SqlQueryable) => Promise<R>): Promise<R>;
  close(): Promise<void>;
}

/**
 * Runs one store call. A backend that can lose its connection retries the whole call here; `attempt`
 * counts from 0, so a call can tell that an earlier attempt may have landed without being acknowledged.
 */
export type CallRunner = <R>(operation: string, call: (attempt: number) => Promise<R>) => Promise<R>;

export interface SqlSnapshotStoreOptions {
  description: string;
  now?: () => number;
  run?: CallRunner;
}

const runOnce: CallRunner = (_operation, call) => call(0);

const STATUSES: readonly OrchestrationStatus[] = ['running', 'paused', 'complete', 'failed'];

interface OrchestrationRow {
  id: string;
  config: unknown;
  skill: unknown;
  status: string;
  snapshot: unknown;
  version: number | string;
  machine_version: string;
  xstate_version: string;
  owner: string | null;
  lease_expires_at: number | string | null;
  /** Only from load() and list(): lease_expires_at less the database's now. */
  lease_remaining_ms?: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

interface BatchRow {
  orchestration_id: string;
  scenario: string;
  batch_index: number | string;
  attempt: number | string;
  items: number | string;
  items_failed: number | string;
  quality_score: number | string | null;
  result: unknown;
  started_at: number | string;
  finished_at: number | string;
}

interface CacheRow {
  key: string;
  skill_name: string;
  skill_version: string;
  items: number | string;
  result: unknown;
}

interface BaselineRow {
  name: string;
  kind: string;
  ref: string;
  created_at: number | string;
}

type SummaryRow = Pick<OrchestrationRow, 'id' | 'status' | 'owner' | 'lease_expires_at' | 'lease_remaining_ms' | 'created_at' | 'updated_at'> & { skill_name: string | null };

const ORCHESTRATION_COLUMNS =
  'id, config, skill, status, snapshot, version, machine_version, xstate_version, owner, lease_expires_at, created_at, updated_at';
/**
 * The database's clock in epoch ms. Leases are stamped and compared with it alone, so hosts whose clocks
 * disagree still agree on who holds a lease (now() is the statement's transaction time).
 */
const DB_NOW_MS = '(extract(epoch FROM now()) * 1000)::bigint';
const BATCH_COLUMNS = 'orchestration_id, scenario, batch_index, attempt, items, items_failed, quality_score, result, started_at, finished_at';

/**
 * The SnapshotStore over any SQL client: Postgres and PGlite run exactly this SQL, so they cannot drift
 * apart. Every value reaches SQL as a parameter; jsonb travels as text cast to jsonb, so neither driver
 * gets to guess how to encode arrays or strings.
 */
export class SqlSnapshotStore implements SnapshotStore {
  readonly description: string;
  protected readonly client: SqlClient;
  readonly #now: () => number;
  readonly #run: CallRunner;
  #closed = false;

  constructor(client: SqlClient, options: SqlSnapshotStoreOptions) {
    this.client = client;
    this.description = options.description;
    this.#now = options.now ?? Date.now;
    this.#run = options.run ?? runOnce;
  }

  recordBatch(record: BatchRecord): Promise<void> {
    return this.#run('recordBatch', async () => {
      await this.client.query(
        `INSERT INTO batch_results (${BATCH_COLUMNS}, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $11)
         ON CONFLICT (orchestration_id, scenario, batch_index) DO NOTHING`,
        [
          record.orchestrationId, record.scenario, record.batchIndex, record.attempt, record.items, record.itemsFailed,
          record.qualityScore, toJson(record.result), record.startedAt, record.finishedAt, this.#now(),
        ],
      );
    });
  }

  loadBatches(orchestrationId: string, scenario: string, fromIndex: number): Promise<BatchRecord[]> {
    return this.#run('loadBatches', async () => {
      const { rows } = await this.client.query<BatchRow>(
        `SELECT ${BATCH_COLUMNS} FROM batch_results
         WHERE orchestration_id = $1 AND scenario = $2 AND batch_index >= $3 ORDER BY batch_index`,
        [orchestrationId, scenario, fromIndex],
      );
      return rows.map(toBatchRecord);
    });
  }

  loadCachedBatch(key: string): Promise<CachedBatch | undefined> {
    return this.#run('loadCachedBatch', async () => {
      const { rows } = await this.client.query<CacheRow>('SELECT key, skill_name, skill_version, items, result FROM batch_cache WHERE key = $1', [key]);
      const row = rows[0];
      return row && { key: row.key, skill: row.skill_name, skillVersion: row.skill_version, items: toInt(row.items), result: row.result };
    });
  }

  saveCachedBatch(entry: CachedBatch): Promise<void> {
    return this.#run('saveCachedBatch', async () => {
      // An upsert, so a retry after an unacknowledged write, or two runs storing the same batch, are harmless.
      await this.client.query(
        `INSERT INTO batch_cache (key, skill_name, skill_version, items, result, stored_at)
         VALUES ($1, $2, $3, $4, $5::text::jsonb, $6)
         ON CONFLICT (key) DO UPDATE SET skill_name = EXCLUDED.skill_name, skill_version = EXCLUDED.skill_version,
           items = EXCLUDED.items, result = EXCLUDED.result, stored_at = EXCLUDED.stored_at`,
        [entry.key, entry.skill, entry.skillVersion, entry.items, toJson(entry.result), this.#now()],
      );
    });
  }

  saveBaseline(baseline: Omit<Baseline, 'createdAt'>): Promise<Baseline | undefined> {
    return this.#run('saveBaseline', async () => {
      // One statement: the sibling SELECT sees the row as it was before the upsert, so what was replaced is
      // read and written over atomically.
      const { rows } = await this.client.query<BaselineRow>(
        `WITH previous AS (SELECT name, kind, ref, created_at FROM baselines WHERE name = $1),
         saved AS (
           INSERT INTO baselines (name, kind, ref, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, ref = EXCLUDED.ref, created_at = EXCLUDED.created_at
           RETURNING name)
         SELECT previous.* FROM previous, saved`,
        [baseline.name, baseline.kind, baseline.ref, this.#now()],
      );
      const previous = rows[0];
      return previous && toBaseline(previous);
    });
  }

  loadBaseline(name: string): Promise<Baseline | undefined> {
    return this.#run('loadBaseline', async () => {
      const { rows } = await this.client.query<BaselineRow>('SELECT name, kind, ref, created_at FROM baselines WHERE name = $1', [name]);
      const row = rows[0];
      return row && toBaseline(row);
    });
  }

  listBaselines(): Promise<Baseline[]> {
    return this.#run('listBaselines', async () => {
      // COLLATE "C": by code point, as the memory store sorts, whatever the database's locale.
      const { rows } = await this.client.query<BaselineRow>('SELECT name, kind, ref, created_at FROM baselines ORDER BY name COLLATE "C"');
      return rows.map(toBaseline);
    });
  }

  deleteBaseline(name: string): Promise<boolean> {
    return this.#run('deleteBaseline', async () => {
      const { rows } = await this.client.query<{ name: string }>('DELETE FROM baselines WHERE name = $1 RETURNING name', [name]);
      return rows.length > 0;
    });
  }

  create(row: Omit<StoredOrchestration, 'version' | 'createdAt' | 'updatedAt'>): Promise<void> {
    const config = toJson(row.config);
    const snapshot = toJson(row.snapshot);
    return this.#run('create', async (attempt) => {
      const now = this.#now();
      const { rows } = await this.client.query<{ id: string }>(
        `INSERT INTO orchestrations (${ORCHESTRATION_COLUMNS})
         VALUES ($1, $2::text::jsonb, $3::text::jsonb, $4, $5::text::jsonb, 0, $6, $7, $8, $9, $10, $10)
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [row.id, config, toJson(row.skill), row.status, snapshot, row.machineVersion, row.xstateVersion, row.owner, row.leaseExpiresAt, now],
      );
      if (rows.length > 0) return;
      // A retry after an unacknowledged INSERT finds its own row: that is success, not a duplicate.
      if (attempt > 0 && (await this.#matches(row.id, 0, row.status, snapshot, config))) return;
      throw new ScenarioError('usage', `orchestration "${row.id}" already exists`);
    });
  }

  load(id: string): Promise<StoredOrchestration | undefined> {
    return this.#run('load', async () => {
      const { rows } = await this.client.query<OrchestrationRow>(`SELECT ${ORCHESTRATION_COLUMNS}, lease_expires_at - ${DB_NOW_MS} AS lease_remaining_ms FROM orchestrations WHERE id = $1`, [id]);
      const row = rows[0];
      return row && toStored(row);
    });
  }

  save(id: string, update: { snapshot: unknown; status: OrchestrationStatus; expectedVersion: number }): Promise<number> {
    const snapshot = toJson(update.snapshot);
    if (update.expectedVersion >= MAX_STORED_VERSION) return Promise.reject(new VersionOverflowError(id));
    return this.#run('save', async (attempt) => {
      const { rows } = await this.client.query<{ version: number | string }>(
        `UPDATE orchestrations SET snapshot = $3::text::jsonb, status = $4, version = version + 1, updated_at = $5
         WHERE id = $1 AND version = $2 RETURNING version`,
        [id, update.expectedVersion, snapshot, update.status, this.#now()],
      );
      const saved = rows[0];
      if (saved) return toInt(saved.version);
      // A retry after an unacknowledged COMMIT finds exactly what it wrote one version on: that is our save.
      const next = update.expectedVersion + 1;
      if (attempt > 0 && (await this.#matches(id, next, update.status, snapshot))) return next;
      const { rows: present } = await this.client.query<{ id: string }>('SELECT id FROM orchestrations WHERE id = $1', [id]);
      if (present.length === 0) throw new OrchestrationDeletedError(id);
      throw new VersionConflictError(id, update.expectedVersion);
    });
  }

  acquireLease(id: string, owner: string, ttlMs: number, takeOverFrom?: string): Promise<LeaseAttempt> {
    return this.#run('acquireLease', async () => {
      // One statement, so taking the lease and reading who holds it cannot interleave with another process.
      // The outer SELECT sees the row as it was before the UPDATE: on a refusal, the holder and its time left.
      const { rows } = await this.client.query<{ acquired: boolean; owner: string | null; remaining_ms: number | string | null }>(
        `WITH taken AS (
           UPDATE orchestrations SET owner = $2, lease_expires_at = ${DB_NOW_MS} + $3::bigint
           WHERE id = $1 AND (owner IS NULL OR owner = $2 OR owner = $4::text OR lease_expires_at IS NULL OR lease_expires_at <= ${DB_NOW_MS})
           RETURNING id)
         SELECT EXISTS (SELECT 1 FROM taken) AS acquired, owner, lease_expires_at - ${DB_NOW_MS} AS remaining_ms
         FROM orchestrations WHERE id = $1`,
        [id, owner, Math.round(ttlMs), takeOverFrom ?? null],
      );
      const row = rows[0];
      if (row?.acquired) return { acquired: true };
      return { acquired: false, owner: row?.owner ?? null, remainingMs: row?.remaining_ms == null ? null : toInt(row.remaining_ms) };
    });
  }

  releaseLease(id: string, owner: string): Promise<void> {
    return this.#run('releaseLease', async () => {
      await this.client.query('UPDATE orchestrations SET owner = NULL, lease_expires_at = NULL WHERE id = $1 AND owner = $2', [id, owner]);
    });
  }

  list(): Promise<OrchestrationSummary[]> {
    return this.#run('list', async () => {
      const { rows } = await this.client.query<SummaryRow>(
        `SELECT id, status, skill ->> 'name' AS skill_name, owner, lease_expires_at, lease_expires_at - ${DB_NOW_MS} AS lease_remaining_ms,
         created_at, updated_at FROM orchestrations ORDER BY created_at DESC, id`,
      );
      return rows.map((r) => ({
        id: r.id,
        status: toStatus(r.status, r.id),
        skill: r.skill_name ?? '',
        owner: r.owner,
        leaseExpiresAt: r.lease_expires_at === null ? null : toInt(r.lease_expires_at),
        leaseRemainingMs: r.lease_remaining_ms == null ? null : toInt(r.lease_remaining_ms),
        createdAt: toInt(r.created_at),
        updatedAt: toInt(r.updated_at),
      }));
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.client.close();
  }

  async #matches(id: string, version: number, status: OrchestrationStatus, snapshot: string, config?: string): Promise<boolean> {
    const { rows } = await this.client.query<{ id: string }>(
      `SELECT id FROM orchestrations WHERE id = $1 AND version = $2 AND status = $3 AND snapshot = $4::text::jsonb
       AND ($5::text IS NULL OR config = $5::text::jsonb)`,
      [id, version, status, snapshot, config ?? null],
    );
    return rows.length > 0;
  }
}

/** undefined has no JSON form; store it as JSON null rather than SQL NULL so every row has a snapshot. */
function toJson(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

/** pg returns bigint columns as strings (they may exceed 2^53); epoch milliseconds and counters never do. */
function toInt(value: number | string | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new ScenarioError('snapshot_invalid', `stored integer ${String(value)} is out of range`);
  return n;
}

function toStatus(value: string, id: string): OrchestrationStatus {
  const status = STATUSES.find((s) => s === value);
  if (!status) throw new ScenarioError('snapshot_invalid', `orchestration "${id}" has unknown status "${value}"`);
  return status;
}

function toSkill(value: unknown, id: string): StoredOrchestration['skill'] {
  if (typeof value === 'object' && value !== null && 'name' in value && 'version' in value) {
    const { name, version } = value;
    const module = 'module' in value ? value.module : undefined;
    if (typeof name === 'string' && typeof version === 'string' && (module === undefined || typeof module === 'string')) {
      return module === undefined ? { name, version } : { name, version, module };
    }
  }
  throw new ScenarioError('snapshot_invalid', `orchestration "${id}" has an unreadable skill reference`);
}

function toStored(row: OrchestrationRow): StoredOrchestration {
  return {
    id: row.id,
    config: row.config,
    skill: toSkill(row.skill, row.id),
    status: toStatus(row.status, row.id),
    snapshot: row.snapshot,
    version: toInt(row.version),
    machineVersion: row.machine_version,
    xstateVersion: row.xstate_version,
    owner: row.owner,
    leaseExpiresAt: row.lease_expires_at === null ? null : toInt(row.lease_expires_at),
    ...(row.lease_remaining_ms === undefined ? {} : { leaseRemainingMs: row.lease_remaining_ms === null ? null : toInt(row.lease_remaining_ms) }),
    createdAt: toInt(row.created_at),
    updatedAt: toInt(row.updated_at),
  };
}

function toBaseline(row: BaselineRow): Baseline {
  if (row.kind !== 'run' && row.kind !== 'experiment') throw new ScenarioError('snapshot_invalid', `baseline "${row.name}" has unknown kind "${row.kind}"`);
  return { name: row.name, kind: row.kind, ref: row.ref, createdAt: toInt(row.created_at) };
}

function toBatchRecord(row: BatchRow): BatchRecord {
  return {
    orchestrationId: row.orchestration_id,
    scenario: row.scenario,
    batchIndex: toInt(row.batch_index),
    attempt: toInt(row.attempt),
    items: toInt(row.items),
    itemsFailed: toInt(row.items_failed),
    qualityScore: row.quality_score === null ? null : Number(row.quality_score),
    result: row.result,
    startedAt: toInt(row.started_at),
    finishedAt: toInt(row.finished_at),
  };
}
