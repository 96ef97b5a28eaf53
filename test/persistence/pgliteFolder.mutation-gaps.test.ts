import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import type { SqlClient } from '../../src/persistence/SqlSnapshotStore.ts';

// Gaps a StrykerJS run of src/persistence found in PgliteSnapshotStore's lock file and damaged-folder
// paths, which only the CLI and crash-takeover tests (left out of the mutation subset: they spawn
// processes) reached. Everything here runs in this process.

const LOCK = 'scenario-orchestrator.lock';
// Above Linux's largest pid (2^22), so no process has it.
const DEAD_PID = 2_147_483_646;
const garbage = () => Buffer.from(Array.from({ length: 3072 }, (_, i) => (i * 7919 + 13) % 251));

let root = '';
let sound = '';
let tableFile = '';

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'pglite-folder-'));
  sound = path.join(root, 'sound');
  const store = await PgliteSnapshotStore.open(sound);
  await store.create({
    id: 'run-1', config: {}, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: {}, machineVersion: 'm1', xstateVersion: '5', owner: null, leaseExpiresAt: null,
  });
  const { rows } = await (store as unknown as { client: SqlClient }).client.query<{ path: string }>(`SELECT pg_relation_filepath('orchestrations') AS path`);
  tableFile = rows[0]?.path ?? '';
  await store.close();
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the sound folder, as `harm` leaves it. */
function copy(name: string, harm: (dir: string) => void = () => undefined): string {
  const dir = path.join(root, name);
  cpSync(sound, dir, { recursive: true });
  harm(dir);
  return dir;
}

/** The lock file and whatever it left aside (`.new`, `.stale`). */
const lockFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith(LOCK));

describe('the lock file of an embedded data folder', { timeout: 60_000 }, () => {
  it('refuses a folder another live process holds, naming it, and leaves its lock alone', async () => {
    const dir = copy('held', (d) => writeFileSync(path.join(d, LOCK), String(process.ppid)));
    const error: unknown = await PgliteSnapshotStore.open(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'lease_held' });
    expect((error as Error).message).toBe(
      `PGlite data folder ${dir} is in use by process ${process.ppid}: embedded PGlite serves one process at a time (use --db postgres://… to work on runs from several processes; if that process is gone, delete ${path.join(dir, LOCK)})`,
    );
    expect(readFileSync(path.join(dir, LOCK), 'utf8')).toBe(String(process.ppid));
    expect(lockFiles(dir)).toEqual([LOCK]);
  });

  it.each([
    ['a dead process', String(DEAD_PID)],
    ['no number', 'not a pid'],
    ['pid 0', '0'],
    ['a negative pid', '-1'],
  ])('takes over a lock left by %s, holds it with its own pid while open, and removes it on close', async (_what, content) => {
    const dir = copy(`stale-${content.replace(/\W/g, '')}`, (d) => writeFileSync(path.join(d, LOCK), content));
    const store = await PgliteSnapshotStore.open(dir);
    try {
      expect(readFileSync(path.join(dir, LOCK), 'utf8')).toBe(String(process.pid));
      expect(lockFiles(dir)).toEqual([LOCK]);
      expect(await store.load('run-1')).toMatchObject({ id: 'run-1' });
    } finally {
      await store.close();
    }
    expect(lockFiles(dir)).toEqual([]);
  });

  it('refuses a second open of a folder this process holds, and the first keeps working', async () => {
    const dir = copy('twice');
    const first = await PgliteSnapshotStore.open(dir);
    try {
      const second: unknown = await PgliteSnapshotStore.open(dir).catch((e: unknown) => e);
      expect(second).toMatchObject({ code: 'lease_held' });
      expect((second as Error).message).toContain(`in use by process ${process.pid}`);
      expect(await first.load('run-1')).toMatchObject({ id: 'run-1' });
    } finally {
      await first.close();
    }
  });
});

describe('memory://', { timeout: 60_000 }, () => {
  it('is a store of its own that no other process can reach, so it is exclusive', async () => {
    const store = await PgliteSnapshotStore.open('memory://');
    try {
      expect(store.exclusive).toBe(true);
      expect(store.description).toBe('pglite:memory://');
    } finally {
      await store.close();
    }
  });
});

describe('a damaged embedded data folder', { timeout: 60_000 }, () => {
  it('that cannot be opened is named in one line as damaged (store_unavailable), and left unlocked', async () => {
    const dir = path.join(root, 'not-a-database');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'PG_VERSION'), garbage());
    const error: unknown = await PgliteSnapshotStore.open(dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ScenarioError', code: 'store_unavailable' });
    expect((error as Error).message).toBe(`embedded database in ${dir} is damaged or not a PGlite database: PGlite failed to initialize properly`);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(lockFiles(dir)).toEqual([]);
  });

  it('whose runs table is garbage is named as damaged (snapshot_invalid) by the call that reads it', async () => {
    const dir = copy('table', (d) => writeFileSync(path.join(d, tableFile), garbage()));
    const store = await PgliteSnapshotStore.open(dir);
    try {
      const error: unknown = await store.load('run-1').catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ScenarioError', code: 'snapshot_invalid' });
      expect((error as Error).message).toMatch(new RegExp(`^embedded database in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged or not a PGlite database: could not read blocks [^\\n]+$`));
      expect((error as Error & { cause?: { code?: string } }).cause?.code).toMatch(/^(XX|58)/);
      // An SQL error that is not damage passes through as it is.
      await expect(store.acquireLease('run-1', 'me', Number.NaN)).rejects.not.toMatchObject({ code: 'snapshot_invalid' });
    } finally {
      await store.close();
    }
    expect(existsSync(path.join(dir, LOCK))).toBe(false);
  });
});
