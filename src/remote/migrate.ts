import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';

/** pg advisory-lock namespace (the first key) of this tool's remote batches: 0x5ce7 ("scen"). */
export const LOCK_NAMESPACE = 0x5ce7;
/** The second key: DBOS's migrations. Worker liveness locks use hashtext(worker name) under the same namespace. */
const MIGRATION_KEY = 0;

/**
 * Creates or upgrades DBOS's system tables in `databaseUrl`, one process at a time: two workers migrating a
 * fresh database at once collide ("tuple concurrently updated"), so every process that may be first (the
 * orchestrator, each worker, `scenarios worker --migrate-only`) takes the same advisory lock around it.
 */
export async function migrateSystemDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Polled, not waited for in pg_advisory_lock: a session waiting there holds a transaction open, and
    // DBOS's CREATE INDEX CONCURRENTLY waits for every open transaction, so the two would wait on each other.
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_NAMESPACE, MIGRATION_KEY]);
      if (rows[0]?.locked) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      await onStderr(() => DBOS.migrate(databaseUrl));
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, MIGRATION_KEY]);
    }
  } finally {
    await client.end();
  }
}

/**
 * DBOS announces its migrations with console.log ("Running DBOS system database migrations..."), which would
 * land on stdout, where `scenarios run --json` prints only its result: for `call`'s duration, to stderr.
 */
async function onStderr<T>(call: () => Promise<T>): Promise<T> {
  const { log, info } = console;
  console.log = console.info = (...args: unknown[]) => console.error(...args);
  try {
    return await call();
  } finally {
    console.log = log;
    console.info = info;
  }
}
