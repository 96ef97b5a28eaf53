import pg from 'pg';
import { ScenarioError, toError } from '../errors.ts';
import { migrate } from './migrations.ts';
import { SqlSnapshotStore } from './SqlSnapshotStore.ts';
import { redactUrl } from './redactUrl.ts';
import { StoreUnreachableError } from './storeErrors.ts';
import type { CallRunner, SqlClient, SqlQueryable } from './SqlSnapshotStore.ts';
import type { StoreOutageEvent } from './SnapshotStore.ts';

// Where they were first defined, so imports of them from here keep working; they live apart so the CLI can
// name a store and tell an outage without loading pg.
export { redactUrl, StoreUnreachableError };

export interface PostgresStoreOptions {
  connectionString: string;
  /** Use this existing schema instead of the server's search_path (lowercase identifier, e.g. for test isolation). */
  schema?: string;
  /**
   * How long the server may stay unreachable (counted from when it went away, for every call alike) before
   * calls fail with `store_unavailable` (StoreUnreachableError); default 30 s.
   */
  retryForMs?: number;
  /** Skip migrations, for databases whose schema is managed elsewhere. */
  migrate?: boolean;
  now?: () => number;
  poolSize?: number;
  /** Errors on idle pooled connections (e.g. the server restarted); the next call reconnects on its own. */
  onPoolError?: (error: Error) => void;
  /**
   * Told once per call that starts retrying before the store was ever reached (opening), e.g. `waiting for
   * postgres at 127.0.0.1:5999 (connection refused), retrying…`, so a caller can say why nothing happens.
   * Outages after that are told through watchOutages().
   */
  onWait?: (message: string) => void;
  /**
   * How long a refused connection is retried before this store has ever reached the server (default 3 s,
   * capped by retryForMs): a wrong host or port at start-up is a mistake to report, not an outage to wait out.
   */
  refusedAtStartForMs?: number;
}

const DEFAULT_RETRY_FOR_MS = 30_000;
/** How long close() waits for the pool's connections to end. */
const CLOSE_WAIT_MS = 2_000;
const DEFAULT_REFUSED_AT_START_FOR_MS = 3_000;
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300']);
const TRANSIENT_MESSAGES = ['Connection terminated', 'Query read timeout', 'timeout exceeded when trying to connect', 'not queryable', 'Connection ended'];

/** A Postgres server through a `pg` Pool; a call survives the server going away for up to `retryForMs`. */
export class PostgresSnapshotStore extends SqlSnapshotStore {
  readonly #reachability: Reachability;

  /** The server and database it is in (remote batches keep DBOS's queue there: src/remote). */
  readonly connectionString: string;

  private constructor(client: SqlClient, description: string, options: PostgresStoreOptions, run: CallRunner, reachability: Reachability) {
    super(client, { description, run, now: options.now });
    this.#reachability = reachability;
    this.connectionString = options.connectionString;
  }

  /** Told when the server becomes unreachable (the outage starts) and when it answers again. */
  watchOutages(listener: (event: StoreOutageEvent) => void): () => void {
    return this.#reachability.watch(listener);
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
      // A query on a connection whose server went silent fails too (client side, and server side if it runs on).
      query_timeout: Math.max(1_000, retryForMs),
      statement_timeout: Math.max(1_000, retryForMs),
      keepAlive: true,
      application_name: 'scenario-orchestrator',
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    pool.on('error', (error) => options.onPoolError?.(error));
    const reachability = new Reachability(retryForMs);
    const run = retryingRunner(description, retryForMs, {
      where: serverAddress(options.connectionString),
      refusedAtStartForMs: Math.min(retryForMs, options.refusedAtStartForMs ?? DEFAULT_REFUSED_AT_START_FOR_MS),
      ...(options.onWait ? { onWait: options.onWait } : {}),
    }, reachability);
    const store = new PostgresSnapshotStore(poolClient(pool), description, options, run, reachability);
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
      // A query abandoned on a silent server holds its connection until its query_timeout: do not wait for it.
      let timer: NodeJS.Timeout | undefined;
      const ending = pool.end().catch(() => undefined);
      await Promise.race([ending, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}

interface RetryHooks {
  /** `postgres at host:port`, for messages. */
  where: string;
  refusedAtStartForMs: number;
  onWait?: (message: string) => void;
}

/**
 * Whether the server is reachable, for the whole store rather than per call: an outage starts with the
 * first attempt that failed on connection loss (at that attempt's start) and ends with the first attempt
 * started since then that succeeds. The retry window counts from the outage's start, so every call gives
 * up together when it has lasted `retryForMs`, whenever each call began.
 */
class Reachability {
  since: number | undefined;
  gaveUp = false;
  readonly #listeners = new Set<(event: StoreOutageEvent) => void>();
  /** Calls sleeping between attempts: woken when another call got through, so all go on together. */
  readonly #sleepers = new Set<() => void>();

  readonly retryForMs: number;

  constructor(retryForMs: number) {
    this.retryForMs = retryForMs;
  }

  watch(listener: (event: StoreOutageEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  failed(attemptStart: number, reason: string): void {
    if (this.since !== undefined) return;
    this.since = attemptStart;
    this.gaveUp = false;
    this.#emit({ type: 'store.unreachable', since: attemptStart, reason, givesUpAfterMs: this.retryForMs });
  }

  succeeded(attemptStart: number): void {
    // An attempt begun before the outage says nothing about the server now.
    if (this.since === undefined || attemptStart < this.since) return;
    const since = this.since;
    this.since = undefined;
    this.gaveUp = false;
    const at = Date.now();
    this.#emit({ type: 'store.back', since, at, downMs: at - since });
    for (const wake of this.#sleepers) wake();
  }

  /** Waits `ms` between attempts, or less if the store is back meanwhile. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  #emit(event: StoreOutageEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not turn into a store error.
      }
    }
  }
}

/** How long one attempt may take once the window has run out: a shutdown tries each write once. */
const LAST_ATTEMPT_MS = 2_000;

/**
 * Retries a whole store call on connection loss with capped, jittered exponential backoff, until the
 * outage (see Reachability) has lasted `retryForMs`; each attempt is raced against what is left of that
 * window, so a call stuck inside `pg` cannot outlast it. After the window ran out, calls make one short
 * attempt each until one succeeds. Until the server has answered once, a refused connection gets only
 * `refusedAtStartForMs`.
 */
function retryingRunner(description: string, retryForMs: number, hooks: RetryHooks, reachability: Reachability): CallRunner {
  let reached = false;
  return async (operation, call) => {
    const started = Date.now();
    let told = false;
    for (let attempt = 0; ; attempt++) {
      const attemptStart = Date.now();
      const windowEnd = reachability.gaveUp ? attemptStart + Math.min(retryForMs, LAST_ATTEMPT_MS) : (reachability.since ?? attemptStart) + retryForMs;
      try {
        const result = await withinWindow(call(attempt), windowEnd, operation);
        reached = true;
        reachability.succeeded(attemptStart);
        return result;
      } catch (error) {
        if (!isTransientPgError(error)) {
          // The server answered (with an SQL error): it is reachable.
          if (!isConnectError(error)) {
            reached = true;
            reachability.succeeded(attemptStart);
          }
          throw error;
        }
        const refusedAtStart = !reached && isRefused(error);
        if (refusedAtStart) {
          const remaining = started + hooks.refusedAtStartForMs - Date.now();
          if (remaining <= 0) {
            throw new ScenarioError(
              'store_unavailable',
              `cannot connect to ${description}: ${operation} was refused for ${hooks.refusedAtStartForMs} ms (is the server running, and on this host and port?)`,
              { cause: error },
            );
          }
          if (!told) {
            told = true;
            hooks.onWait?.(`waiting for ${hooks.where} (${waitReason(error)}), retrying…`);
          }
          await sleep(Math.min(remaining, backoffMs(attempt)));
          continue;
        }
        reachability.failed(attemptStart, waitReason(error));
        const since = reachability.since ?? attemptStart;
        const remaining = since + retryForMs - Date.now();
        if (remaining <= 0 || reachability.gaveUp) {
          reachability.gaveUp = true;
          throw new StoreUnreachableError(
            `store ${description} is unavailable: unreachable for ${retryForMs} ms, ${operation} still failing (${oneLine(toError(error).message)})`,
            retryForMs,
            since,
            error,
          );
        }
        // While opening, say what we wait for; once the store was reached, the outage events say it (watchOutages).
        if (!told && !reached) {
          told = true;
          hooks.onWait?.(`waiting for ${hooks.where} (${waitReason(error)}), retrying…`);
        }
        await reachability.pause(Math.min(remaining, backoffMs(attempt)));
      }
    }
  };
}

/** The pause before retry `attempt` (from 0): 50 ms doubling up to 2 s, each jittered down by up to half. */
export function backoffMs(attempt: number): number {
  const backoff = Math.min(2_000, 50 * 2 ** attempt);
  return backoff / 2 + Math.random() * (backoff / 2);
}

/** The attempt, or a transient timeout error at `windowEnd`; an abandoned attempt's outcome is ignored. */
function withinWindow<R>(attempt: Promise<R>, windowEnd: number, operation: string): Promise<R> {
  const left = windowEnd - Date.now();
  let timer: NodeJS.Timeout | undefined;
  const cutOff = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${operation} got no answer before the retry window ran out`), { code: 'ETIMEDOUT' })), Math.max(0, left));
  });
  attempt.catch(() => undefined);
  return Promise.race([attempt, cutOff]).finally(() => clearTimeout(timer));
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

function errorCodes(error: unknown): string[] {
  if (error instanceof AggregateError) return error.errors.flatMap(errorCodes);
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  return typeof code === 'string' ? [code] : [];
}

function isRefused(error: unknown): boolean {
  return errorCodes(error).includes('ECONNREFUSED');
}

/** Failed before any server answered (a socket error, not an SQL error). */
function isConnectError(error: unknown): boolean {
  return errorCodes(error).some((code) => code.startsWith('E'));
}

/** Why a call is waiting, in a few words, for the `onWait` notice and the outage event. */
export function waitReason(error: unknown): string {
  const codes = errorCodes(error);
  if (codes.includes('ECONNREFUSED')) return 'connection refused';
  if (codes.includes('57P03')) return 'the server is starting up';
  if (codes.includes('57P01') || codes.includes('57P02')) return 'the server is shutting down';
  if (codes.some((c) => c === 'ETIMEDOUT' || c === 'EHOSTUNREACH' || c === 'ENETUNREACH')) return 'no answer';
  return oneLine(toError(error).message);
}

/** `postgres at host:port` of a connection string, for messages (no user, password or database). */
export function serverAddress(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `postgres at ${url.hostname || 'localhost'}:${url.port || '5432'}`;
  } catch {
    return 'postgres';
  }
}

function oneLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
