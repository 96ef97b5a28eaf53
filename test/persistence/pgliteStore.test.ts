import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { migrations } from '../../src/persistence/migrations.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { snapshotStoreContract } from './snapshotStoreContract.ts';

// Booting PGlite's WASM takes seconds, so the contract tests share one in-memory database.
let shared: PGlite;
beforeAll(async () => {
  shared = await PGlite.create('memory://');
});
afterAll(async () => {
  await shared.close();
});

snapshotStoreContract('PgliteSnapshotStore (memory://)', ({ now }) => PgliteSnapshotStore.attach(shared, { now }));

describe('PgliteSnapshotStore', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'pglite-store-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('applies each migration once however often it is opened', async () => {
    await PgliteSnapshotStore.attach(shared);
    const { rows } = await shared.query<{ version: number }>('SELECT version FROM scenario_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version));
  });

  it('opens an in-memory database by default', async () => {
    const store = await PgliteSnapshotStore.open();
    expect(store.description).toBe('pglite:memory://');
    expect(await store.list()).toEqual([]);
    await store.close();
  });

  it('keeps orchestrations and batches in its data folder across close and reopen', async () => {
    const dataDir = path.join(root, 'nested', 'db');
    const first = await PgliteSnapshotStore.open(dataDir, { now: () => 42 });
    await first.create({
      id: 'run-1', config: { seed: 1 }, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: { step: 0 },
      machineVersion: 'm1', xstateVersion: '5', owner: null, leaseExpiresAt: null,
    });
    await first.save('run-1', { snapshot: { step: 1 }, status: 'paused', expectedVersion: 0 });
    await first.recordBatch({
      orchestrationId: 'run-1', scenario: 'a', batchIndex: 0, attempt: 1, items: 3, itemsFailed: 0, qualityScore: 1, result: [1, 2, 3], startedAt: 1, finishedAt: 2,
    });
    const busy: unknown = await PgliteSnapshotStore.open(dataDir).catch((e: unknown) => e);
    expect(busy).toMatchObject({ code: 'lease_held' });
    expect((busy as Error).message).toContain(`in use by process ${process.pid}`);
    await first.close();

    const again = await PgliteSnapshotStore.open(dataDir);
    expect(await again.load('run-1')).toMatchObject({ snapshot: { step: 1 }, status: 'paused', version: 1, createdAt: 42 });
    expect(await again.loadBatches('run-1', 'a', 0)).toMatchObject([{ batchIndex: 0, result: [1, 2, 3] }]);
    await again.close();
  });
});

describe('openStore', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'open-store-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('opens the memory store for "memory"', async () => {
    const store = await openStore('memory', {});
    expect(store).toBeInstanceOf(MemorySnapshotStore);
    await store.close();
  });

  it('opens PGlite for a folder, taking over a lock left by a dead process', async () => {
    const dataDir = path.join(root, 'db');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, 'scenario-orchestrator.lock'), '2147483646');
    const store = await openStore(dataDir, {});
    expect(store).toBeInstanceOf(PgliteSnapshotStore);
    expect(store.description).toBe(`pglite:${dataDir}`);
    await store.close();
  });

  it('refuses a file where the folder should be as bad input (usage), in one line naming it', async () => {
    const file = path.join(root, 'not-a-folder');
    writeFileSync(file, 'x');
    const error: unknown = await openStore(file, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'usage' });
    expect((error as Error).message).toContain(`${file} is a file, not a folder`);
    expect((error as Error).message).not.toContain('\n');
  });
});
