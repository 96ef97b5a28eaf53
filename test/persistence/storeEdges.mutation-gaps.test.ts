import { getEventListeners } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import { isBatchResultCache } from '../../src/persistence/batchCacheStore.ts';
import { LeaseHeldError, LeaseKeeper, newOwnerId, ownerIsGone, parseOwnerId, type ProcessProbe } from '../../src/persistence/leaseKeeper.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { openExistingStore, openStore } from '../../src/persistence/openStore.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { redactUrl } from '../../src/persistence/redactUrl.ts';
import {
  MAX_STORED_VERSION,
  OrchestrationDeletedError,
  StoreUnreachableError,
  VersionConflictError,
  VersionOverflowError,
} from '../../src/persistence/storeErrors.ts';

// Gaps a StrykerJS run of src/persistence found (mutants that survived every test in the mutation
// subset): leaseKeeper, openStore's embedded-folder paths, batchCacheStore's type guard, the store
// errors and redactUrl. Each test names the mutants it fails on.

const TTL = 3_000;

async function newRun(store: MemorySnapshotStore, id: string): Promise<void> {
  await store.create({
    id, config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm', xstateVersion: '5', owner: null, leaseExpiresAt: null,
  });
}

/** The outcome of `promise` once settled, read without awaiting it (a mutant that never settles then fails fast). */
function watch<T>(promise: Promise<T>): { readonly outcome: { value: T } | { error: unknown } | undefined } {
  const watched: { outcome: { value: T } | { error: unknown } | undefined } = { outcome: undefined };
  promise.then(
    (value) => (watched.outcome = { value }),
    (error: unknown) => (watched.outcome = { error }),
  );
  return watched;
}

describe('owner ids', () => {
  const probe: ProcessProbe = { hostname: 'here', pid: 100, isAlive: (pid) => pid !== 200 };

  // leaseKeeper.ts:10 `randomUUID().slice(0, 8)` → `randomUUID()`, and the template → "": this process's
  // own id would not parse, so its host and pid could never be checked.
  it('makes ids of this host and pid with an 8-character suffix, which parse back', () => {
    const first = newOwnerId();
    expect(first).toMatch(/:[0-9a-f]{8}$/);
    expect(first.startsWith(`${hostname()}:${process.pid}:`)).toBe(true);
    expect(parseOwnerId(first)).toEqual({ host: hostname(), pid: process.pid });
    expect(newOwnerId()).not.toBe(first);
  });

  // leaseKeeper.ts:15 the `^` and `$` anchors: an owner id that only contains a dead host:pid id (a
  // custom id) would be judged gone and its live lease taken over.
  it('judges no id gone that has text before or after a host:pid:suffix id', () => {
    expect(ownerIsGone('here:200:0123abcd', { probe })).toBe(true);
    for (const custom of ['here:200:0123abcd-worker', 'here:200:0123abcd9', 'job 7\nhere:200:0123abcd']) {
      expect(parseOwnerId(custom)).toBeUndefined();
      expect(ownerIsGone(custom, { probe })).toBe(false);
    }
  });

  // leaseKeeper.ts:17 `Number.isSafeInteger(pid)` → true: a pid too large to be one would be probed.
  it('parses no pid too large to be exact', () => {
    expect(parseOwnerId('here:99999999999999999999:0123abcd')).toBeUndefined();
  });
});

describe('LeaseKeeper.acquire: refusals and waits', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  // leaseKeeper.ts:146 `attempt.owner === null` → false: `resume --wait` on a run with no row (deleted)
  // would wait forever, polling, instead of refusing. :79 the name → "", :77 the no-time-left branch.
  it('with onWait, refuses at once when the store names no holder (the run is gone), without waiting', async () => {
    const store = new MemorySnapshotStore({ now: () => Date.now() });
    const waits: unknown[] = [];
    const acquired = watch(LeaseKeeper.acquire(store, 'gone', 'B', TTL, () => undefined, { onWait: (holder) => void waits.push(holder) }));
    await vi.advanceTimersByTimeAsync(0);
    expect(waits).toEqual([]);
    const outcome = acquired.outcome;
    expect(outcome && 'error' in outcome ? outcome.error : outcome).toBeInstanceOf(LeaseHeldError);
    const error = (outcome as { error: LeaseHeldError }).error;
    expect(error).toMatchObject({ name: 'LeaseHeldError', code: 'lease_held', owner: null, remainingMs: null });
    expect(String(error)).toBe('LeaseHeldError: orchestration "gone" is being driven by another process (unknown)');
  });

  // leaseKeeper.ts:195 `signal?.removeEventListener('abort', onAbort)` removed: each one-second pause of a
  // long wait would leave a listener on the caller's signal (Node warns of a leak past ten).
  it('leaves no listener on the caller signal after waiting a lease out', async () => {
    const store = new MemorySnapshotStore({ now: () => Date.now() });
    await newRun(store, 'r');
    await store.acquireLease('r', 'A', TTL);
    const controller = new AbortController();
    const waits: number[] = [];
    const taken = LeaseKeeper.acquire(store, 'r', 'B', TTL, () => undefined, {
      onWait: ({ remainingMs }) => void waits.push(remainingMs),
      signal: controller.signal,
    });
    await vi.advanceTimersByTimeAsync(TTL + 100);
    (await taken).stop();
    expect(waits).toHaveLength(3);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  // leaseKeeper.ts:191 `clearTimeout(timer)` removed and :198 `{ once: true }` → {}: an interrupted wait
  // would leave its pause timer running (the process lingers) and its listener on the signal.
  it('an interrupted wait leaves no timer and no listener behind', async () => {
    const store = new MemorySnapshotStore({ now: () => Date.now() });
    await newRun(store, 'r');
    await store.acquireLease('r', 'A', TTL);
    const controller = new AbortController();
    const acquired = watch(LeaseKeeper.acquire(store, 'r', 'B', TTL, () => undefined, { onWait: () => undefined, signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(500);
    controller.abort(new Error('interrupted'));
    await vi.advanceTimersByTimeAsync(0);
    expect(acquired.outcome).toMatchObject({ error: { message: 'interrupted' } });
    expect(vi.getTimerCount()).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });

  // leaseKeeper.ts:189 `if (signal?.aborted)` → false: a wait started on an already aborted signal
  // (Ctrl-C before the first pause) would go on waiting and then take the lease.
  it('a signal aborted before the first pause stops the wait at once, leaving the lease to its holder', async () => {
    const store = new MemorySnapshotStore({ now: () => Date.now() });
    await newRun(store, 'r');
    await store.acquireLease('r', 'A', TTL);
    const acquired = watch(
      LeaseKeeper.acquire(store, 'r', 'B', TTL, () => undefined, { onWait: () => undefined, signal: AbortSignal.abort(new Error('interrupted')) }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(acquired.outcome).toMatchObject({ error: { message: 'interrupted' } });
    await vi.advanceTimersByTimeAsync(2 * TTL);
    expect((await store.load('r'))?.owner).toBe('A');
  });
});

describe('openStore: the embedded folder', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'store-edges-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  // openStore.ts:101 `code !== 'ENOENT'`, :103, :104, :105, :78: a read-only command (`status`, `list`)
  // on a folder with no database must find no store and create nothing.
  it('openExistingStore finds no store in a missing or empty folder, or in memory, and creates nothing', async () => {
    const missing = path.join(root, 'missing', 'db');
    expect(await openExistingStore(missing, {})).toBeUndefined();
    const empty = path.join(root, 'empty');
    mkdirSync(empty);
    expect(await openExistingStore(empty, {})).toBeUndefined();
    expect(await openExistingStore(undefined, {}, { cwd: root })).toBeUndefined();
    expect(await openExistingStore('memory', {})).toBeUndefined();
    expect(await openExistingStore('memory://', {})).toBeUndefined();
    expect(readdirSync(root)).toEqual(['empty']);
    expect(readdirSync(empty)).toEqual([]);
  });

  // openStore.ts:100 `code === 'ENOTDIR'` and its message: a path through a file is bad input (usage), not an outage.
  it('refuses a folder under a file as bad input, naming it', async () => {
    const file = path.join(root, 'file');
    writeFileSync(file, 'x');
    for (const open of [openStore, openExistingStore]) {
      const error: unknown = await open(path.join(file, 'db'), {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ScenarioError);
      expect(error).toMatchObject({ code: 'usage', message: `${path.join(file, 'db')} cannot be a folder: part of that path is a file` });
    }
  });

  // openStore.ts:101 `code !== 'ENOENT'` → false, and :83–84 the message: any other reason the folder
  // cannot be looked at is the store being unavailable, in one line naming it.
  it('reports a folder it cannot look at as store_unavailable, naming the store and the reason', async () => {
    const tooLong = path.join(root, 'x'.repeat(300));
    const error: unknown = await openExistingStore(tooLong, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'store_unavailable',
      message: `cannot open store pglite:${tooLong}: ENAMETOOLONG: name too long, stat '${tooLong}'`,
    });
  });

  // openStore.ts:76 `target.startsWith('memory://')` → false (it would be made a folder, with a notice) and
  // `existingOnly ? undefined : …` → false (checked above). One PGlite boot, in memory.
  it('opens memory:// as an in-memory PGlite, with no folder and no notice', async () => {
    const notices: string[] = [];
    const store = await openStore('memory://', {}, { onNotice: (message) => void notices.push(message) });
    try {
      expect(store).toBeInstanceOf(PgliteSnapshotStore);
      expect(store.description).toBe('pglite:memory://');
      expect(notices).toEqual([]);
    } finally {
      await store.close();
    }
  });

  // openStore.ts:79 `if (fresh)` → false/true and its text, :104 the PG_VERSION check → false, :107
  // `{ recursive: true }` → {}: a first run says it is creating the database (it takes seconds); a folder
  // that holds one is opened (here: refused, this process holds it) without that notice, also read-only.
  it('creates a fresh nested folder saying so once; a folder that holds a database is opened without the notice', async () => {
    const dir = path.join(root, 'nested', 'db');
    const notices: string[] = [];
    const onNotice = (message: string) => void notices.push(message);
    const store = await openStore(dir, {}, { onNotice });
    try {
      expect(notices).toEqual([`creating the embedded database in ${dir}… (the first run in a folder takes a few seconds)`]);
      expect(store.description).toBe(`pglite:${dir}`);
      expect(existsSync(path.join(dir, 'PG_VERSION'))).toBe(true);
      // This process holds the folder: opening it again gets PGlite's lock refusal, which shows the
      // folder was taken for a database, not for a fresh (read-only: absent) one.
      await expect(openExistingStore(dir, {}, { onNotice })).rejects.toMatchObject({ code: 'lease_held' });
      await expect(openStore(dir, {}, { onNotice })).rejects.toMatchObject({ code: 'lease_held' });
      expect(notices).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

describe('isBatchResultCache', () => {
  // batchCacheStore.ts:50: the guard decides whether a run gets a result cache from its journal.
  it('is true only for a store with both cache methods', () => {
    const noop = () => undefined;
    expect(isBatchResultCache(new MemorySnapshotStore())).toBe(true);
    expect(isBatchResultCache({ loadCachedBatch: noop, saveCachedBatch: noop })).toBe(true);
    expect(isBatchResultCache({})).toBe(false);
    expect(isBatchResultCache({ loadCachedBatch: noop })).toBe(false);
    expect(isBatchResultCache({ saveCachedBatch: noop })).toBe(false);
    expect(isBatchResultCache({ loadCachedBatch: noop, saveCachedBatch: 'not a method' })).toBe(false);
    expect(isBatchResultCache({ loadCachedBatch: 'not a method', saveCachedBatch: noop })).toBe(false);
  });
});

describe('store errors, as a user sees them', () => {
  // storeErrors.ts: each class's name, code and message (→ "" mutants).
  it('name the run, what happened and what to do', () => {
    const conflict = new VersionConflictError('run-1', 7);
    expect(conflict).toBeInstanceOf(ScenarioError);
    expect(String(conflict)).toBe('VersionConflictError: orchestration "run-1" was changed by another process (expected version 7); this process stops driving it');
    expect(conflict.code).toBe('lease_held');

    const deleted = new OrchestrationDeletedError('run-1');
    expect(String(deleted)).toBe(
      'OrchestrationDeletedError: orchestration "run-1" was deleted from the store while this process was driving it; this process stops (nothing left to save into)',
    );
    expect(deleted.code).toBe('not_found');

    const overflow = new VersionOverflowError('run-1');
    expect(MAX_STORED_VERSION).toBe(2 ** 31 - 1);
    expect(String(overflow)).toBe(
      'VersionOverflowError: orchestration "run-1" has reached the largest version the store can count (2147483647) and cannot be saved again; start a new run',
    );
    expect(overflow.code).toBe('snapshot_invalid');

    const cause = new Error('ECONNREFUSED');
    const unreachable = new StoreUnreachableError('postgres at db:5432 unreachable for 30 s', 30_000, 1_000, cause);
    expect(String(unreachable)).toBe('StoreUnreachableError: postgres at db:5432 unreachable for 30 s');
    expect(unreachable).toMatchObject({ code: 'store_unavailable', unreachableForMs: 30_000, since: 1_000, cause });
  });
});

describe('redactUrl', () => {
  // redactUrl.ts: the password (userinfo or query) hidden, everything else kept; a connection string
  // that is not a valid URL (a port out of range) still loses its password.
  it('hides the password and keeps the user, host, port, database and other options', () => {
    expect(redactUrl('postgres://alice:s3cret@db.example:6543/app?sslmode=require&password=s3cret&application_name=runs')).toBe(
      'postgres://alice@db.example:6543/app?sslmode=require&application_name=runs',
    );
    expect(redactUrl('postgres://alice:s3cret@db.example:99999/app')).toBe('postgres://alice@db.example:99999/app');
    expect(redactUrl('postgres://db.example:99999/app')).toBe('postgres://db.example:99999/app');
  });

  it('hides all of a password with "/", ":" or "@" in it when the string is not a valid URL, and one in the query', () => {
    expect(redactUrl('postgres://alice:pa/ss@db:99999/app')).toBe('postgres://alice@db:99999/app');
    expect(redactUrl('postgres://alice:pa:ss@db:99999/app')).toBe('postgres://alice@db:99999/app');
    expect(redactUrl('postgres://alice:p@ss@db:99999/app')).toBe('postgres://alice@db:99999/app');
    expect(redactUrl('postgres://alice@db:99999/app?password=s3cret&sslmode=require')).toBe('postgres://alice@db:99999/app?password=***&sslmode=require');
  });
});
