import { InternalError } from '../errors.ts';
import type { SqlClient } from './SqlSnapshotStore.ts';

/** One schema step. Statements run one at a time because extended-protocol queries take a single statement. */
export interface Migration {
  version: number;
  name: string;
  statements: readonly string[];
}

/** Append only: a released migration is never edited, because databases already carry its version. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'orchestrations and batch_results',
    statements: [
      `CREATE TABLE orchestrations (
        id text PRIMARY KEY,
        config jsonb NOT NULL,
        skill jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'paused', 'complete', 'failed')),
        snapshot jsonb NOT NULL,
        version integer NOT NULL DEFAULT 0,
        machine_version text NOT NULL,
        xstate_version text NOT NULL,
        owner text,
        lease_expires_at bigint,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`,
      'CREATE INDEX orchestrations_created_at_idx ON orchestrations (created_at DESC)',
      // No foreign key to orchestrations: the journal is written before the snapshot that counts a batch.
      `CREATE TABLE batch_results (
        orchestration_id text NOT NULL,
        scenario text NOT NULL,
        batch_index integer NOT NULL,
        attempt integer NOT NULL,
        items integer NOT NULL,
        items_failed integer NOT NULL,
        quality_score double precision,
        result jsonb NOT NULL,
        started_at bigint NOT NULL,
        finished_at bigint NOT NULL,
        recorded_at bigint NOT NULL,
        PRIMARY KEY (orchestration_id, scenario, batch_index)
      )`,
    ],
  },
  {
    version: 2,
    name: 'batch_cache',
    statements: [
      // Keyed by what determined a result, not by run: every run in this database shares it (cacheEnabled).
      `CREATE TABLE batch_cache (
        key text PRIMARY KEY,
        skill_name text NOT NULL,
        skill_version text NOT NULL,
        items integer NOT NULL,
        result jsonb NOT NULL,
        stored_at bigint NOT NULL
      )`,
    ],
  },
  {
    version: 3,
    name: 'baselines',
    statements: [
      // A name points at a run or an experiment by id, with no foreign key: an experiment has no row of its
      // own, and a deleted run leaves a baseline that says so when it is used rather than vanishing.
      `CREATE TABLE baselines (
        name text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('run', 'experiment')),
        ref text NOT NULL,
        created_at bigint NOT NULL
      )`,
    ],
  },
];

/**
 * Brings the schema up to date and returns the versions it applied (empty when already current).
 * Everything happens in one transaction under an advisory lock keyed by schema, so two processes
 * opening the same database at once apply each migration exactly once, and a failure leaves nothing half-done.
 */
export async function migrate(db: Pick<SqlClient, 'transaction'>, list: readonly Migration[] = migrations): Promise<number[]> {
  list.forEach((m, i) => {
    const previous = list[i - 1];
    if (previous && m.version <= previous.version) throw new InternalError(`migration ${m.version} is out of order`);
  });
  return db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('scenario-orchestrator:migrate:' || current_schema()))");
    await tx.query(
      'CREATE TABLE IF NOT EXISTS scenario_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)',
    );
    const { rows } = await tx.query<{ version: number }>('SELECT version FROM scenario_migrations');
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const migration of list) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await tx.query(statement);
      await tx.query('INSERT INTO scenario_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
      done.push(migration.version);
    }
    return done;
  });
}
