import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchRecord, SnapshotStore, StoredOrchestration } from '../../src/persistence/SnapshotStore.ts';
import { MAX_STORED_VERSION, OrchestrationDeletedError, VersionConflictError, VersionOverflowError } from '../../src/persistence/storeErrors.ts';

export type MakeStore = (options: { now: () => number }) => Promise<SnapshotStore>;

type NewRow = Omit<StoredOrchestration, 'version' | 'createdAt' | 'updatedAt'>;

const NASTY_IDS = [
  "x'); DROP TABLE orchestrations; --",
  'Robert"; DELETE FROM batch_results WHERE "1"="1',
  '$1 $2 ::jsonb \\ % _',
  'ünïcödé 🚀 名前',
];

const NESTED = {
  value: { context: { cursor: 3, scores: [0.5, -1.25, 1e-9, 9007199254740991], empty: {}, none: [], flag: false, nothing: null } },
  children: { 'scenario:a': { status: 'active', value: 'running', history: [{ type: 'batch.done', index: 0 }] } },
  text: 'quotes \' " back\\slash \n newline, tab\t, emoji 🚀, "{json}" and $1',
};

/**
 * The behaviours every SnapshotStore must share. Each test works under fresh random ids, so backends
 * may hand every test the same database (as the Postgres suite does) without tests seeing each other.
 */
export function snapshotStoreContract(name: string, makeStore: MakeStore): void {
  describe(`${name}: SnapshotStore contract`, () => {
    let store: SnapshotStore;
    let clock: number;
    let prefix: string;
    const id = (suffix: string): string => `${prefix}/${suffix}`;
    const row = (rowId: string, overrides: Partial<NewRow> = {}): NewRow => ({
      id: rowId,
      config: { scenarios: [{ name: 'a', batchSize: 10 }], seed: 42 },
      skill: { name: 'echo', version: '1.0.0' },
      status: 'running',
      snapshot: { status: 'active', value: 'pending' },
      machineVersion: 'm1',
      xstateVersion: '5.33.3',
      owner: null,
      leaseExpiresAt: null,
      ...overrides,
    });
    const batch = (orchestrationId: string, batchIndex: number, overrides: Partial<BatchRecord> = {}): BatchRecord => ({
      orchestrationId,
      scenario: 'a',
      batchIndex,
      attempt: 1,
      items: 10,
      itemsFailed: 0,
      qualityScore: 0.75,
      result: { outputs: [{ item: batchIndex, ok: true }] },
      startedAt: 1_000 + batchIndex,
      finishedAt: 2_000 + batchIndex,
      ...overrides,
    });

    beforeEach(async () => {
      clock = 1_700_000_000_000;
      prefix = randomUUID();
      store = await makeStore({ now: () => clock });
    });
    afterEach(async () => {
      await store.close();
    });

    it('loads what was created, with version 0 and the clock as timestamps', async () => {
      const created = row(id('one'), { skill: { name: 'echo', version: '2', module: './skills/echo.ts' }, owner: 'p1', leaseExpiresAt: 5 });
      await store.create(created);
      expect(await store.load(id('one'))).toEqual({ ...created, version: 0, createdAt: clock, updatedAt: clock, leaseRemainingMs: expect.any(Number) as number });
    });

    it('returns undefined for an id that was never stored', async () => {
      expect(await store.load(id('missing'))).toBeUndefined();
      expect(await store.loadBatches(id('missing'), 'a', 0)).toEqual([]);
    });

    it('rejects a second create of the same id and keeps the first', async () => {
      await store.create(row(id('dup')));
      await expect(store.create(row(id('dup'), { config: { other: true } }))).rejects.toMatchObject({ code: 'usage', message: `orchestration "${id('dup')}" already exists` });
      expect((await store.load(id('dup')))?.config).toEqual(row('x').config);
    });

    it('saves with the expected version, returns the next one and stamps updatedAt', async () => {
      await store.create(row(id('s')));
      clock += 10;
      expect(await store.save(id('s'), { snapshot: { step: 1 }, status: 'paused', expectedVersion: 0 })).toBe(1);
      clock += 10;
      expect(await store.save(id('s'), { snapshot: { step: 2 }, status: 'complete', expectedVersion: 1 })).toBe(2);
      expect(await store.load(id('s'))).toMatchObject({ snapshot: { step: 2 }, status: 'complete', version: 2, updatedAt: clock, createdAt: clock - 20 });
    });

    it('rejects a save with a stale version as a VersionConflictError and changes nothing', async () => {
      await store.create(row(id('c')));
      await store.save(id('c'), { snapshot: { step: 1 }, status: 'running', expectedVersion: 0 });
      const stale = store.save(id('c'), { snapshot: { step: 1 }, status: 'running', expectedVersion: 0 });
      await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
      // No row at all is not another writer: it says the row is gone.
      await expect(store.save(id('nobody'), { snapshot: {}, status: 'running', expectedVersion: 0 })).rejects.toBeInstanceOf(OrchestrationDeletedError);
      expect(await store.load(id('c'))).toMatchObject({ version: 1, snapshot: { step: 1 } });
    });

    it('refuses a save past the largest version the store can count, as a VersionOverflowError', async () => {
      await store.create(row(id('v')));
      await expect(store.save(id('v'), { snapshot: {}, status: 'running', expectedVersion: MAX_STORED_VERSION })).rejects.toBeInstanceOf(VersionOverflowError);
      await expect(store.save(id('v'), { snapshot: {}, status: 'running', expectedVersion: MAX_STORED_VERSION - 1 })).rejects.toBeInstanceOf(VersionConflictError);
      expect(await store.load(id('v'))).toMatchObject({ version: 0 });
    });

    it('lets exactly one of many concurrent saves of the same version win', async () => {
      await store.create(row(id('race')));
      const attempts = Array.from({ length: 12 }, (_, i) => store.save(id('race'), { snapshot: { writer: i }, status: 'running', expectedVersion: 0 }));
      const outcomes = await Promise.allSettled(attempts);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(VersionConflictError);
      expect((await store.load(id('race')))?.version).toBe(1);
    });

    it('keeps the first record of a batch and loads batches ascending from an index', async () => {
      const o = id('batches');
      for (const index of [2, 0, 3, 1]) await store.recordBatch(batch(o, index));
      await store.recordBatch(batch(o, 1, { attempt: 2, result: { overwritten: true }, qualityScore: null }));
      await store.recordBatch(batch(o, 1, { scenario: 'b', qualityScore: null, itemsFailed: 10, result: { error: 'boom' } }));
      await store.recordBatch(batch(id('other'), 1));
      const loaded = await store.loadBatches(o, 'a', 1);
      expect(loaded.map((b) => b.batchIndex)).toEqual([1, 2, 3]);
      expect(loaded[0]).toEqual(batch(o, 1));
      expect(await store.loadBatches(o, 'b', 0)).toEqual([batch(o, 1, { scenario: 'b', qualityScore: null, itemsFailed: 10, result: { error: 'boom' } })]);
      expect(await store.loadBatches(o, 'a', 4)).toEqual([]);
    });

    it('keeps one record when the same batch is recorded concurrently', async () => {
      const o = id('batch-race');
      await Promise.all(Array.from({ length: 8 }, (_, attempt) => store.recordBatch(batch(o, 0, { attempt }))));
      const loaded = await store.loadBatches(o, 'a', 0);
      expect(loaded).toHaveLength(1);
    });

    // Lease times come from the store's own clock (the database's on a SQL store), never the caller's: a
    // lifetime of 0 expires at once, a minute stays live for the whole test, on every backend.
    it('refuses a lease held live by another owner, naming it and its time left, and hands over an expired one', async () => {
      const o = id('lease');
      await store.create(row(o));
      expect(await store.acquireLease(o, 'p1', 60_000)).toEqual({ acquired: true });
      const refused = await store.acquireLease(o, 'p2', 60_000);
      expect(refused).toMatchObject({ acquired: false, owner: 'p1' });
      const left = refused.acquired ? -1 : (refused.remainingMs ?? -1);
      expect(left).toBeGreaterThan(50_000);
      expect(left).toBeLessThanOrEqual(60_000);
      expect(await store.load(o)).toMatchObject({ owner: 'p1', leaseRemainingMs: expect.any(Number) as number });
      expect(await store.acquireLease(o, 'p1', 0)).toEqual({ acquired: true });
      expect(await store.acquireLease(o, 'p2', 60_000)).toEqual({ acquired: true });
      expect(await store.load(o)).toMatchObject({ owner: 'p2' });
      expect(await store.acquireLease(id('no-such-run'), 'p1', 1_000)).toEqual({ acquired: false, owner: null, remainingMs: null });
    });

    it('hands a live lease over only from the owner named as gone', async () => {
      const o = id('takeover');
      await store.create(row(o));
      await store.acquireLease(o, 'dead', 60_000);
      expect(await store.acquireLease(o, 'p2', 60_000, 'someone-else')).toMatchObject({ acquired: false, owner: 'dead' });
      expect(await store.acquireLease(o, 'p2', 60_000, 'dead')).toEqual({ acquired: true });
      // A second taker that also saw the dead owner loses to the first: the lease is p2's now.
      expect(await store.acquireLease(o, 'p3', 60_000, 'dead')).toMatchObject({ acquired: false, owner: 'p2' });
    });

    it('releases a lease only for its owner', async () => {
      const o = id('release');
      await store.create(row(o));
      await store.acquireLease(o, 'p1', 60_000);
      await store.releaseLease(o, 'p2');
      expect(await store.load(o)).toMatchObject({ owner: 'p1' });
      await store.releaseLease(o, 'p1');
      expect(await store.load(o)).toMatchObject({ owner: null, leaseExpiresAt: null, leaseRemainingMs: null });
      expect(await store.acquireLease(o, 'p2', 60_000)).toEqual({ acquired: true });
    });

    it('lists newest first with summary fields', async () => {
      for (const [i, suffix] of ['old', 'mid', 'new'].entries()) {
        clock = 1_700_000_000_000 + i * 1_000;
        await store.create(row(id(suffix), { skill: { name: `skill-${suffix}`, version: '1' } }));
      }
      const mine = (await store.list()).filter((s) => s.id.startsWith(prefix));
      expect(mine.map((s) => s.id)).toEqual([id('new'), id('mid'), id('old')]);
      expect(mine[0]).toEqual({
        id: id('new'), status: 'running', skill: 'skill-new', owner: null, leaseExpiresAt: null, leaseRemainingMs: null, createdAt: clock, updatedAt: clock,
      });
    });

    it('round-trips nested snapshots, configs and results as JSON', async () => {
      await store.create(row(id('json'), { config: NESTED, snapshot: NESTED }));
      expect(await store.load(id('json'))).toMatchObject({ config: NESTED, snapshot: NESTED });
      await store.save(id('json'), { snapshot: [NESTED, 'top-level array', 1], status: 'running', expectedVersion: 0 });
      expect((await store.load(id('json')))?.snapshot).toEqual([NESTED, 'top-level array', 1]);
      await store.save(id('json'), { snapshot: 'just a string', status: 'running', expectedVersion: 1 });
      expect((await store.load(id('json')))?.snapshot).toBe('just a string');
      await store.recordBatch(batch(id('json'), 0, { result: NESTED }));
      expect((await store.loadBatches(id('json'), 'a', 0))[0]?.result).toEqual(NESTED);
    });

    it('stores ids, owners and scenario names that look like SQL verbatim', async () => {
      for (const nasty of NASTY_IDS) {
        const o = id(nasty);
        await store.create(row(o, { owner: nasty }));
        expect((await store.load(o))?.owner).toBe(nasty);
        expect(await store.save(o, { snapshot: { nasty }, status: 'running', expectedVersion: 0 })).toBe(1);
        await store.recordBatch(batch(o, 0, { scenario: nasty }));
        expect((await store.loadBatches(o, nasty, 0))[0]?.scenario).toBe(nasty);
        expect(await store.acquireLease(o, nasty, 10)).toEqual({ acquired: true });
      }
      const listed = (await store.list()).filter((s) => s.id.startsWith(prefix)).map((s) => s.id);
      expect(listed.sort()).toEqual(NASTY_IDS.map(id).sort());
      expect(await store.load(id(NASTY_IDS[0] ?? ''))).toBeDefined();
    });

    describe('baselines', () => {
      const mine = async () => (await store.listBaselines()).filter((b) => b.name.startsWith(prefix));

      it('saves a named baseline, loads it by name and lists it', async () => {
        expect(await store.saveBaseline({ name: id('main'), kind: 'run', ref: 'orch-1' })).toBeUndefined();
        expect(await store.loadBaseline(id('main'))).toEqual({ name: id('main'), kind: 'run', ref: 'orch-1', createdAt: clock });
        expect(await store.loadBaseline(id('other'))).toBeUndefined();
        expect(await mine()).toEqual([{ name: id('main'), kind: 'run', ref: 'orch-1', createdAt: clock }]);
      });

      it('replaces a baseline saved under the same name and hands back the one it replaced', async () => {
        await store.saveBaseline({ name: id('main'), kind: 'run', ref: 'orch-1' });
        const first = clock;
        clock += 5_000;
        expect(await store.saveBaseline({ name: id('main'), kind: 'experiment', ref: 'exp-1' })).toEqual({ name: id('main'), kind: 'run', ref: 'orch-1', createdAt: first });
        expect(await store.loadBaseline(id('main'))).toEqual({ name: id('main'), kind: 'experiment', ref: 'exp-1', createdAt: clock });
        expect(await mine()).toHaveLength(1);
      });

      it('lists baselines by name and deletes them one at a time', async () => {
        for (const name of ['b', 'a', 'c']) await store.saveBaseline({ name: id(name), kind: 'run', ref: `orch-${name}` });
        expect((await mine()).map((b) => b.name)).toEqual([id('a'), id('b'), id('c')]);
        expect(await store.deleteBaseline(id('b'))).toBe(true);
        expect(await store.deleteBaseline(id('b'))).toBe(false);
        expect((await mine()).map((b) => b.ref)).toEqual(['orch-a', 'orch-c']);
      });

      it('keeps names and refs that look like SQL verbatim', async () => {
        for (const nasty of NASTY_IDS) await store.saveBaseline({ name: id(nasty), kind: 'experiment', ref: nasty });
        for (const nasty of NASTY_IDS) expect((await store.loadBaseline(id(nasty)))?.ref).toBe(nasty);
        expect((await mine()).map((b) => b.name).sort()).toEqual(NASTY_IDS.map(id).sort());
        expect(await store.deleteBaseline(id(NASTY_IDS[0] ?? ''))).toBe(true);
        expect(await mine()).toHaveLength(NASTY_IDS.length - 1);
      });
    });
  });
}
