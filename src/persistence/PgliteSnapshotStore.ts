import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ScenarioError } from '../errors.ts';
import { migrate } from './migrations.ts';
import { openPgliteThread } from './pgliteThread.ts';
import { SqlSnapshotStore } from './SqlSnapshotStore.ts';
import type { CallRunner, SqlClient, SqlQueryable } from './SqlSnapshotStore.ts';

export interface PgliteStoreOptions {
  now?: () => number;
  /**
   * @internal Run PGlite on this thread instead of a worker thread (for measurements): its WASM then blocks
   * the event loop for milliseconds per query, and skills' timers with it.
   */
  mainThread?: boolean;
}

const LOCK_FILE = 'scenario-orchestrator.lock';

/**
 * Embedded Postgres (PGlite, WASM) in a data folder, or in memory with `memory://`. `open` runs PGlite on
 * a worker thread (see pgliteThread.ts), so its work never delays a skill's timers or inflates busy time.
 * PGlite has a single connection; its own query and transaction mutexes already make a plain query wait
 * for a running transaction, so the store adds no queue of its own.
 */
export class PgliteSnapshotStore extends SqlSnapshotStore {
  /** Opened by open(): a locked folder (or memory://) no other process can reach, so any other process's lease is a dead one's. */
  readonly exclusive: boolean;

  private constructor(client: SqlClient, description: string, options: PgliteStoreOptions, exclusive = false, dataDir?: string) {
    super(client, { description, ...options, ...(dataDir === undefined ? {} : { run: reportDamage(dataDir) }) });
    this.exclusive = exclusive;
  }

  /** Opens (creating if missing) the data folder and migrates it; `memory://` keeps everything in memory. */
  static async open(dataDir = 'memory://', options: PgliteStoreOptions = {}): Promise<PgliteSnapshotStore> {
    const inMemory = dataDir.startsWith('memory://');
    let unlock = (): void => undefined;
    // A folder that already holds files is meant to be a database: if it cannot be opened, it is damaged.
    const existing = !inMemory && holdsFiles(dataDir);
    if (!inMemory) {
      mkdirSync(dataDir, { recursive: true });
      unlock = lockDataDir(dataDir);
    }
    try {
      const target = inMemory ? dataDir : path.resolve(dataDir);
      const opened = options.mainThread ? await mainThreadClient(target) : await openPgliteThread(target);
      const client: SqlClient = {
        ...opened,
        async close() {
          try {
            await opened.close();
          } finally {
            unlock();
          }
        },
      };
      try {
        await migrate(client);
      } catch (error) {
        await opened.close();
        throw error;
      }
      return new PgliteSnapshotStore(client, `pglite:${dataDir}`, options, true, inMemory ? undefined : dataDir);
    } catch (error) {
      unlock();
      if (existing && !(error instanceof ScenarioError)) throw damaged(dataDir, error, 'store_unavailable');
      throw error;
    }
  }

  /** Uses a PGlite the caller already has (migrating it); close() leaves that database open. */
  static async attach(db: PGlite, options: PgliteStoreOptions = {}): Promise<PgliteSnapshotStore> {
    const client = pgliteClient(db, () => Promise.resolve());
    await migrate(client);
    return new PgliteSnapshotStore(client, `pglite:${db.dataDir ?? 'memory://'}`, options);
  }
}

async function mainThreadClient(dataDir: string): Promise<SqlClient> {
  const db = await PGlite.create(dataDir);
  return pgliteClient(db, () => db.close());
}

/** The SqlClient over a PGlite on this thread; `close` is what closing it does (attach() leaves the database open). */
export function pgliteClient(db: PGlite, close: () => Promise<void>): SqlClient {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []) {
      return { rows: (await db.query<T>(sql, [...params])).rows };
    },
    transaction<R>(fn: (tx: SqlQueryable) => Promise<R>) {
      return db.transaction((tx) =>
        fn({
          async query<T>(sql: string, params: readonly unknown[] = []) {
            return { rows: (await tx.query<T>(sql, [...params])).rows };
          },
        }),
      );
    },
    close,
  };
}

/** True when `dir` exists and holds anything besides this store's lock file. */
function holdsFiles(dir: string): boolean {
  try {
    // The lock and its files aside (lockDataDir) are not the database's.
    return readdirSync(dir).some((name) => !name.startsWith(LOCK_FILE));
  } catch {
    return false;
  }
}

/** One line naming the folder; PGlite's own reason is its message's first line (a WASM abort adds build hints). */
function damaged(dataDir: string, error: unknown, code: 'store_unavailable' | 'snapshot_invalid'): ScenarioError {
  const message = error instanceof Error ? error.message : String(error);
  const reason = (message.split('\n', 1)[0] ?? '').replace(/\. Build with -sASSERTIONS for more info\.?$/, '').trim() || 'no reason given';
  return new ScenarioError(code, `embedded database in ${dataDir} is damaged or not a PGlite database: ${reason}`, { cause: error });
}

/**
 * Postgres reports files it cannot read as class XX (internal error, data or index corrupted) or 58 (system
 * error: I/O, a missing file); a WASM abort ends the worker's PGlite. Each means the folder is damaged,
 * not that a call failed: say so, naming the folder, instead of letting a raw driver error through.
 */
function reportDamage(dataDir: string): CallRunner {
  return (_operation, call) =>
    call(0).catch((error: unknown) => {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
      const message = error instanceof Error ? error.message : '';
      if (/^(XX|58)/.test(code) || /^Aborted\(/.test(message)) throw damaged(dataDir, error, 'snapshot_invalid');
      throw error;
    });
}

/**
 * PGlite does not stop a second process (or a second instance in this one) from opening the same
 * folder, and two writers corrupt it; a pid file makes that a clear error instead. Returns the unlock.
 * The file appears with its pid already in it (written aside, then linked into place, which fails if one
 * exists), so no process ever reads a lock half-made; a lock left by a dead process is moved aside before
 * it is dropped, and put back if what was moved turns out to be a live one (two processes taking over the
 * same stale lock at once: the second one moves the first one's fresh lock, sees it, and restores it).
 */
function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  const unlock = () => rmSync(file, { force: true });
  for (let tries = 0; tries < 5; tries++) {
    if (createWithPid(file)) return unlock;
    const holder = readPid(file);
    if (holder === undefined) continue; // gone meanwhile: try again
    if (isAlive(holder)) {
      // Another process drives runs here: the same answer (and exit code 3) as a live lease on a server.
      throw new ScenarioError(
        'lease_held',
        `PGlite data folder ${dataDir} is in use by process ${holder}: embedded PGlite serves one process at a time (use --db postgres://… to work on runs from several processes; if that process is gone, delete ${file})`,
      );
    }
    dropStaleLock(file, holder);
  }
  throw new ScenarioError('store_unavailable', `PGlite data folder ${dataDir} is being opened by another process`);
}

/** Creates `file` holding this process's pid, atomically; false when it exists. */
function createWithPid(file: string): boolean {
  const aside = `${file}.${process.pid}.new`;
  writeFileSync(aside, String(process.pid));
  try {
    linkSync(aside, file);
    return true;
  } catch (error) {
    if (isErrnoException(error) && error.code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

function readPid(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim());
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Drops the lock of dead process `stale`, unless another process replaced it meanwhile (then it is put back). */
function dropStaleLock(file: string, stale: number): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return; // another process moved it first
    throw error;
  }
  // Object.is: a lock holding no number reads as NaN, which is not === itself, and would be put back forever.
  if (!Object.is(readPid(aside), stale)) {
    try {
      linkSync(aside, file);
    } catch (error) {
      if (!isErrnoException(error) || error.code !== 'EEXIST') throw error;
    }
  }
  rmSync(aside, { force: true });
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return isErrnoException(error) && error.code === 'EPERM';
  }
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
