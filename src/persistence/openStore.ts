import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ScenarioError, toError } from '../errors.ts';
import { MemorySnapshotStore } from './MemorySnapshotStore.ts';
import type { PostgresSnapshotStore } from './PostgresSnapshotStore.ts';
import { redactUrl } from './redactUrl.ts';
import type { SnapshotStore } from './SnapshotStore.ts';

/** Environment variables, as `process.env` holds them (a plain type, so the declarations need no Node types). */
export type Environment = Readonly<Record<string, string | undefined>>;

// Each driver is imported where its store is opened: a `memory` run loads neither PGlite nor pg (together
// about a third of the CLI's start-up), and a PGlite run does not load pg.
const postgresStore = async () => (await import('./PostgresSnapshotStore.ts')).PostgresSnapshotStore;
const pgliteStore = async () => (await import('./PgliteSnapshotStore.ts')).PgliteSnapshotStore;

export interface OpenStoreOptions {
  /**
   * Told what opening is waiting for, one line each: `creating the embedded database in …`, `waiting for
   * postgres at host:port (connection refused), retrying…`. The CLI prints them on stderr.
   */
  onNotice?: (message: string) => void;
  /** Where the default `.scenarios/db` lives (default: process.cwd()). */
  cwd?: string;
}

/**
 * Opens (and migrates) the store named by `spec`: a `postgres://` / `postgresql://` URL, `memory`, or a
 * PGlite data folder (`memory://` for an in-memory PGlite). Without a spec: `DATABASE_URL`, else
 * PGlite in `.scenarios/db` under the working directory.
 * @throws ScenarioError `store_unavailable` with a one-line message naming the target; `usage` when a
 * PGlite folder is a file.
 */
export async function openStore(spec?: string, env: Environment = process.env, options: OpenStoreOptions = {}): Promise<SnapshotStore> {
  const store = await open(spec, env, options, false);
  if (!store) throw new ScenarioError('internal', 'openStore created no store');
  return store;
}

/**
 * For read-only use: opens the store only if it already exists, and creates nothing (no folder, no
 * embedded database, no tables). Resolves undefined when there is no such store.
 */
export function openExistingStore(spec?: string, env: Environment = process.env, options: OpenStoreOptions = {}): Promise<SnapshotStore | undefined> {
  return open(spec, env, options, true);
}

/** The store `spec` names, as messages show it. */
export function storeName(spec?: string, env: Environment = process.env, cwd = process.cwd()): string {
  const target = resolveTarget(spec, env, cwd);
  if (target === 'memory') return 'memory';
  return isUrl(target) ? redactUrl(target) : `pglite:${target}`;
}

const isUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

function resolveTarget(spec: string | undefined, env: Environment, cwd: string): string {
  return spec ?? (env.DATABASE_URL || path.join(cwd, '.scenarios', 'db'));
}

async function open(spec: string | undefined, env: Environment, options: OpenStoreOptions, existingOnly: boolean): Promise<SnapshotStore | undefined> {
  const target = resolveTarget(spec, env, options.cwd ?? process.cwd());
  if (target === 'memory') return existingOnly ? undefined : new MemorySnapshotStore();
  const url = isUrl(target);
  const name = url ? redactUrl(target) : `pglite:${target}`;
  try {
    if (url) {
      const PostgresSnapshotStore = await postgresStore();
      const open = (migrate: boolean) =>
        PostgresSnapshotStore.open({ connectionString: target, migrate, ...retryWindow(env), ...(options.onNotice ? { onWait: options.onNotice } : {}) });
      if (!existingOnly) return await open(true);
      // Look without creating tables; a schema that exists is brought up to date like any other open.
      if (!(await hasTables(await open(false)))) return undefined;
      return await open(true);
    }
    if (target.startsWith('memory://')) return existingOnly ? undefined : await (await pgliteStore()).open(target);
    const fresh = preparePgliteFolder(target, existingOnly);
    if (fresh && existingOnly) return undefined;
    if (fresh) options.onNotice?.(`creating the embedded database in ${target}… (the first run in a folder takes a few seconds)`);
    return await (await pgliteStore()).open(target);
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    const reason = toError(error).message.split('\n', 1)[0] ?? '';
    throw new ScenarioError('store_unavailable', `cannot open store ${name}: ${reason}`, { cause: error });
  }
}

/**
 * Checks that `dir` can hold a PGlite database and creates the folder unless `existingOnly`. Returns true
 * when it holds none yet. A file where the folder should be is bad input, not an outage.
 */
function preparePgliteFolder(dir: string, existingOnly: boolean): boolean {
  const notAFolder = () =>
    new ScenarioError('usage', `${dir} is a file, not a folder: an embedded PGlite store needs a folder (created if missing); or use postgres://… or memory`);
  let stats;
  try {
    stats = statSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new ScenarioError('usage', `${dir} cannot be a folder: part of that path is a file`);
    if (code !== 'ENOENT') throw error;
  }
  if (stats && !stats.isDirectory()) throw notAFolder();
  if (existsSync(path.join(dir, 'PG_VERSION'))) return false;
  if (!existingOnly) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST') throw new ScenarioError('usage', `${dir} cannot be a folder: part of that path is a file`);
      throw error;
    }
  }
  return true;
}

/** `SCENARIOS_STORE_RETRY_MS`: how long a Postgres server may stay unreachable before a run gives up (default 30 s). */
function retryWindow(env: Environment): { retryForMs?: number } {
  const value = Number(env.SCENARIOS_STORE_RETRY_MS);
  return env.SCENARIOS_STORE_RETRY_MS && Number.isFinite(value) && value >= 100 ? { retryForMs: value } : {};
}

/** Whether the store's tables exist (a database the schema was never created in holds no runs). Closes it. */
async function hasTables(store: PostgresSnapshotStore): Promise<boolean> {
  try {
    // Any id will do: this only asks whether the table exists.
    await store.load('');
    return true;
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
    if (code === '42P01') return false;
    throw error;
  } finally {
    await store.close();
  }
}
