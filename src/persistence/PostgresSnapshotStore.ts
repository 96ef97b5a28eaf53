import pg from 'pg';
import { ScenarioError, toError } from '../errors.ts';
import { migrate } from './migrations.ts';
import { SqlSnapshotStore } from './SqlSnapshotStore.ts';
import type { CallRunner, SqlClient, SqlQueryable } from './SqlSnapshotStore.ts';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Use this existing schema instead of the server's search_path (lowercase identifier, e.g. for test isolation). */
  schema?: string;
  /** How long a call keeps retrying while the server is unreachable before failing with `store_unavailable`. */
  retryForMs?: number;
  /** Skip migrations, for databases whose schema is managed elsewhere. */
  migrate?: boolean;
  now?: () => number;
  poolSize?: number;
  /** Errors on idle pooled connections (e.g. the server restarted); the next call reconnects on its own. */
  onPoolError?: (error: Error) => void;
}

const DEFAULT_RETRY_FOR_MS = 30_000;
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);
const TRANSIENT_MESSAGES = ['Connection terminated', 'timeout exceeded when trying to connect', 'not queryable', 'Connection ended'];

/** A Postgres server through a `pg` Pool; a call survives the server going away for up to `retryForMs`. */
export class PostgresSnapshotStore extends SqlSnapshotStore {
  private constructor(client: SqlClient, description: string, options: PostgresStoreOptions, run: CallRunner) {
    super(client, { description, run, now: options.now });
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresSnapshotStore> {
    const { schema } = options;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ScenarioError('usage', `schema "${schema}" must be a lowercase SQL identifier`);
    }
    const retryForMs = options.retryForMs ?? DEFAULT_RETRY_FOR_MS;
    const description = redactUrl(options.connectionString) + (schema ? ` (schema ${schema})` : '');
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 4,
      // pg treats 0 as "wait forever"; a black-holed server must still fail each attempt in bounded time.
      connectionTimeoutMillis: Math.max(1_000, Math.min(retryForMs, 10_000)),
      keepAlive: true,
      application_name: 'scenario-orchestrator',
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    pool.on('error', (error) => options.onPoolError?.(error));
    const run = retryingRunner(description, retryForMs);
    const store = new PostgresSnapshotStore(poolClient(pool), description, options, run);
    if (options.migrate !== false) {
      try {
        await run('migrate', () => migrate(store.client));
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    return store;
  }
}

function poolClient(pool: pg.Pool): SqlClient {
  let ended = false;
  return {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      // pg types rows as `any`; the SQL that selected them is the only source of their shape.
      return { rows: (await pool.query(sql, [...params])).rows as T[] };
    },
    async transaction<R>(fn: (tx: SqlQueryable) => Promise<R>) {
      const client = await pool.connect();
      // A checked-out client that loses its socket emits 'error'; without a listener that kills the process.
      const ignore = (): void => undefined;
      client.on('error', ignore);
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn({
          async query<T>(sql: string, params: readonly unknown[] = []) {
            return { rows: (await client.query(sql, [...params])).rows as T[] };
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = toError(rollbackError);
        }
        throw error;
      } finally {
        client.off('error', ignore);
        // Passing an error makes the pool destroy the connection instead of reusing a dead one.
        client.release(broken);
      }
    },
    async close() {
      if (ended) return;
      ended = true;
      await pool.end();
    },
  };
}

/** Retries a whole store call on connection loss with capped, jittered exponential backoff. */
function retryingRunner(description: string, retryForMs: number): CallRunner {
  return async (operation, call) => {
    const deadline = Date.now() + retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call(attempt);
      } catch (error) {
        if (!isTransientPgError(error)) throw error;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new ScenarioError(
            'store_unavailable',
            `store ${description} is unavailable: ${operation} still failing after ${retryForMs} ms (${oneLine(toError(error).message)})`,
            { cause: error },
          );
        }
        const backoff = Math.min(2_000, 50 * 2 ** attempt);
        await sleep(Math.min(remaining, backoff / 2 + Math.random() * (backoff / 2)));
      }
    }
  };
}

/** Connection loss, server shutdown or start-up: the kind of failure that waiting can fix. */
export function isTransientPgError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error ? error.code : undefined;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  // Node reports a refused dual-stack connect (localhost) as an AggregateError of per-address errors.
  if (error instanceof AggregateError && error.errors.some(isTransientPgError)) return true;
  const message = error instanceof Error ? error.message : '';
  return TRANSIENT_MESSAGES.some((m) => message.includes(m));
}

/** The connection string as it may be shown: no password, in the userinfo or in the query string. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    url.searchParams.delete('password');
    return url.toString();
  } catch {
    return connectionString.replace(/:[^:@/]*@/, '@');
  }
}

function oneLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
