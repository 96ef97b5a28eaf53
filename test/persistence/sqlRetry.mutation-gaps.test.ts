import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/persistence/migrations.ts';
import { pgliteClient, PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import type { StoredOrchestration } from '../../src/persistence/SnapshotStore.ts';
import { SqlSnapshotStore, type CallRunner, type SqlClient } from '../../src/persistence/SqlSnapshotStore.ts';
import { OrchestrationDeletedError, VersionConflictError } from '../../src/persistence/storeErrors.ts';

// Gaps a StrykerJS run of src/persistence found: SqlSnapshotStore's re-check of a create or save whose
// statement ran but whose answer was lost (the connection dropped after COMMIT), which only the Postgres
// restart tests reached. Here a CallRunner loses the first answer on purpose, on an in-process PGlite.

let db: PGlite;
let client: SqlClient;

beforeAll(async () => {
  db = await PGlite.create();
  client = pgliteClient(db, () => Promise.resolve());
  await migrate(client);
}, 60_000);
afterAll(() => db.close());

/** Runs `operation`'s first attempt to the end, loses its answer, lets `meanwhile` happen, and runs attempt 1. */
function answerLost(operation: string, meanwhile: () => Promise<unknown> = () => Promise.resolve()): CallRunner {
  return async (op, call) => {
    if (op !== operation) return call(0);
    await call(0);
    await meanwhile();
    return call(1);
  };
}

let n = 0;
function row(): Omit<StoredOrchestration, 'version' | 'createdAt' | 'updatedAt'> {
  n += 1;
  return {
    id: `run-${n}`, config: { scenarios: n }, skill: { name: 'echo', version: '1' }, status: 'running', snapshot: { step: 0 }, machineVersion: 'm1', xstateVersion: '5', owner: null, leaseExpiresAt: null,
  };
}

const storeWith = (run?: CallRunner) => new SqlSnapshotStore(client, { description: 'test', ...(run ? { run } : {}) });
const sql = (text: string, params: unknown[]) => () => client.query(text, params);

describe('a create whose answer was lost', () => {
  it('finds its own row on the retry and succeeds', async () => {
    const mine = row();
    await storeWith(answerLost('create')).create(mine);
    expect(await storeWith().load(mine.id)).toMatchObject({ version: 0, config: mine.config, snapshot: mine.snapshot, status: 'running' });
  });

  it.each([
    ['config', `UPDATE orchestrations SET config = '{"scenarios": -1}'::jsonb WHERE id = $1`],
    ['snapshot', `UPDATE orchestrations SET snapshot = '{"step": 9}'::jsonb WHERE id = $1`],
    ['status', `UPDATE orchestrations SET status = 'paused' WHERE id = $1`],
    ['version', 'UPDATE orchestrations SET version = 1 WHERE id = $1'],
  ])('is a duplicate when the row found has another %s (another process created or moved it)', async (_what, change) => {
    const mine = row();
    const error: unknown = await storeWith(answerLost('create', sql(change, [mine.id]))).create(mine).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'usage', message: `orchestration "${mine.id}" already exists` });
  });

  it('is a duplicate on a first attempt, even when the row is the same', async () => {
    const mine = row();
    await storeWith().create(mine);
    await expect(storeWith().create(mine)).rejects.toMatchObject({ code: 'usage', message: `orchestration "${mine.id}" already exists` });
  });
});

describe('a save whose answer was lost', () => {
  it('finds what it wrote one version on and returns that version', async () => {
    const mine = row();
    await storeWith().create(mine);
    expect(await storeWith(answerLost('save')).save(mine.id, { snapshot: { step: 1 }, status: 'paused', expectedVersion: 0 })).toBe(1);
    expect(await storeWith().load(mine.id)).toMatchObject({ version: 1, snapshot: { step: 1 }, status: 'paused' });
  });

  it.each([
    ['saved again on top of it', `UPDATE orchestrations SET version = version + 1 WHERE id = $1`],
    ['saved another snapshot', `UPDATE orchestrations SET snapshot = '{"step": 7}'::jsonb WHERE id = $1`],
    ['saved another status', `UPDATE orchestrations SET status = 'failed' WHERE id = $1`],
  ])('is a conflict when another writer %s meanwhile', async (_what, change) => {
    const mine = row();
    await storeWith().create(mine);
    const saving = storeWith(answerLost('save', sql(change, [mine.id]))).save(mine.id, { snapshot: { step: 1 }, status: 'running', expectedVersion: 0 });
    await expect(saving).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('is a deleted run when the row went away meanwhile', async () => {
    const mine = row();
    await storeWith().create(mine);
    const saving = storeWith(answerLost('save', sql('DELETE FROM orchestrations WHERE id = $1', [mine.id]))).save(mine.id, { snapshot: { step: 1 }, status: 'running', expectedVersion: 0 });
    await expect(saving).rejects.toBeInstanceOf(OrchestrationDeletedError);
  });

  it('is a conflict on a first attempt, even when another writer saved the very same thing', async () => {
    const mine = row();
    await storeWith().create(mine);
    await storeWith().save(mine.id, { snapshot: { step: 1 }, status: 'running', expectedVersion: 0 });
    await expect(storeWith().save(mine.id, { snapshot: { step: 1 }, status: 'running', expectedVersion: 0 })).rejects.toBeInstanceOf(VersionConflictError);
  });
});

describe('what the runner is told', () => {
  it('names each call by its method, so an outage message says which call still fails', async () => {
    const seen: string[] = [];
    const store = storeWith((operation, call) => {
      seen.push(operation);
      return call(0);
    });
    const mine = row();
    await store.create(mine);
    await store.load(mine.id);
    await store.save(mine.id, { snapshot: {}, status: 'running', expectedVersion: 0 });
    await store.recordBatch({ orchestrationId: mine.id, scenario: 'a', batchIndex: 0, attempt: 1, items: 1, itemsFailed: 0, qualityScore: null, result: null, startedAt: 1, finishedAt: 2 });
    await store.loadBatches(mine.id, 'a', 0);
    await store.saveCachedBatch({ key: `k${n}`, skill: 'echo', skillVersion: '1', items: 1, result: {} });
    await store.loadCachedBatch(`k${n}`);
    await store.saveBaseline({ name: `b${n}`, kind: 'run', ref: mine.id });
    await store.loadBaseline(`b${n}`);
    await store.listBaselines();
    await store.deleteBaseline(`b${n}`);
    await store.acquireLease(mine.id, 'me', 1_000);
    await store.releaseLease(mine.id, 'me');
    await store.list();
    expect(seen).toEqual([
      'create', 'load', 'save', 'recordBatch', 'loadBatches', 'saveCachedBatch', 'loadCachedBatch', 'saveBaseline', 'loadBaseline', 'listBaselines', 'deleteBaseline',
      'acquireLease', 'releaseLease', 'list',
    ]);
  });

  it('closes its client once, however often it is closed', async () => {
    let closes = 0;
    const store = new SqlSnapshotStore({ ...client, close: () => Promise.resolve(void (closes += 1)) }, { description: 'test' });
    await store.close();
    await store.close();
    expect(closes).toBe(1);
  });
});

describe('a PGlite the caller already has', () => {
  it('is attached as a shared store: named by its folder or memory://, not exclusive, and left open on close', async () => {
    const attached = await PgliteSnapshotStore.attach(db);
    expect(attached.description).toBe('pglite:memory://');
    expect(attached.exclusive).toBe(false);
    await attached.close();
    expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });
});
