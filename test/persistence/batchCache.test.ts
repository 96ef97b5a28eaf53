import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchCacheKey } from '../../src/actors/batchCacheKey.ts';
import type { SkillResult } from '../../src/actors/skill.ts';
import { storeBatchCache } from '../../src/persistence/batchCacheStore.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { PostgresSnapshotStore } from '../../src/persistence/PostgresSnapshotStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';
import { serverUrl, skipWithoutServer, useServerSchema } from '../support/postgresServer.ts';
import { testPlan } from '../support/plans.ts';

const skill = { name: 'classify', version: '1.0.0' };
const items = [{ id: 'a', text: 'hello' }, { id: 'b', text: 'wörld 🚀' }];
const plan = testPlan({ definition: { skillParams: { batchSize: 2, cacheEnabled: true, temperature: 0.2 } } });
// Parsed, so `__proto__` is an own metric (in an object literal it would set the prototype).
const result: SkillResult = { qualityScore: 0.75, processed: 1, metrics: JSON.parse('{"latency": 0.5, "__proto__": 0.25}') as Record<string, number> };

describe('batchCacheKey', () => {
  const params = { batchSize: 2, temperature: 0.2, prompt: { system: 'be brief', stop: ['\n'] } };
  const key = batchCacheKey(skill, params, items);

  it('is a sha256 that stays the same for the same skill version, params and items, whatever the key order', () => {
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const reordered = { prompt: { stop: ['\n'], system: 'be brief' }, temperature: 0.2, batchSize: 2 };
    expect(batchCacheKey({ version: '1.0.0', name: 'classify' }, reordered, items.map((i) => ({ text: i.text, id: i.id })))).toBe(key);
  });

  it('changes with the skill name or version, any param that can change a result, and the items', () => {
    const changed = [
      batchCacheKey({ ...skill, version: '1.0.1' }, params, items),
      batchCacheKey({ ...skill, name: 'classify-v2' }, params, items),
      batchCacheKey(skill, { ...params, temperature: 0.3 }, items),
      batchCacheKey(skill, { ...params, batchSize: 3 }, items),
      batchCacheKey(skill, { ...params, prompt: { system: 'be brief', stop: [] } }, items),
      batchCacheKey(skill, { ...params, extra: null }, items),
      batchCacheKey(skill, JSON.parse('{"__proto__": 1, "batchSize": 2, "temperature": 0.2, "prompt": {"system": "be brief", "stop": ["\\n"]}}') as Record<string, unknown>, items),
      batchCacheKey(skill, params, [items[1], items[0]]),
      batchCacheKey(skill, params, [items[0]]),
      batchCacheKey(skill, params, [{ ...items[0], text: 'hello ' }, items[1]]),
      batchCacheKey(skill, params, [{ ...items[0], id: 1 }, items[1]]),
    ];
    for (const other of changed) expect(other).not.toBe(key);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it('ignores parallelWorkers and cacheEnabled, which change how batches run but not what they return', () => {
    expect(batchCacheKey(skill, { ...params, parallelWorkers: 4, cacheEnabled: true }, items)).toBe(key);
    expect(batchCacheKey(skill, { ...params, cacheEnabled: false }, items)).toBe(key);
  });

  it('gives no key for items or params without a JSON form, so they are never cached', () => {
    expect(batchCacheKey(skill, params, [{ value: Number.NaN }])).toBeUndefined();
    expect(batchCacheKey(skill, params, [{ text: 'lone \ud800 surrogate' }])).toBeUndefined();
    expect(batchCacheKey(skill, { ...params, limit: Infinity }, items)).toBeUndefined();
  });
});

/** What every store must do with cached batches, through the BatchCache the batch runner uses. */
function cacheBehaviour(open: () => Promise<SnapshotStore>, reopen?: () => Promise<SnapshotStore>) {
  it('keeps a result and hands it back for the same skill version, params and items, without the old memory figure', async () => {
    const store = await open();
    try {
      const cache = storeBatchCache(store, skill);
      expect(await cache.lookup(plan, items)).toBeUndefined();
      await cache.store(plan, items, { ...result, memoryMb: 12 });
      const found = await cache.lookup(plan, items);
      expect(found).toEqual(result);
      expect(Object.hasOwn(found?.metrics ?? {}, '__proto__')).toBe(true);
      // Another scenario, orchestration or worker count with the same params and items shares it.
      const elsewhere = testPlan({ orchestrationId: 'orch-other', definition: { name: 'beta', skillParams: { batchSize: 2, cacheEnabled: true, temperature: 0.2, parallelWorkers: 4 } } });
      expect(await cache.lookup(elsewhere, items)).toEqual(result);
    } finally {
      await store.close();
    }
    if (reopen) {
      // Another process opening the same store later reads it.
      const again = await reopen();
      try {
        expect(await storeBatchCache(again, skill).lookup(plan, items)).toEqual(result);
      } finally {
        await again.close();
      }
    }
  });

  it('misses for another skill version, other params or other items', async () => {
    const store = await open();
    try {
      await storeBatchCache(store, skill).store(plan, items, result);
      expect(await storeBatchCache(store, { ...skill, version: '2.0.0' }).lookup(plan, items)).toBeUndefined();
      const warmer = testPlan({ definition: { skillParams: { batchSize: 2, cacheEnabled: true, temperature: 0.9 } } });
      expect(await storeBatchCache(store, skill).lookup(warmer, items)).toBeUndefined();
      expect(await storeBatchCache(store, skill).lookup(plan, [items[0]])).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('treats a stored entry that is not a valid result for the batch as a miss, and a new result replaces it', async () => {
    const store = await open();
    try {
      const key = batchCacheKey(skill, plan.params, items) ?? '';
      const cache = storeBatchCache(store, skill);
      await store.saveCachedBatch({ key, skill: skill.name, skillVersion: skill.version, items: 2, result: { qualityScore: 7 } });
      expect(await cache.lookup(plan, items)).toBeUndefined();
      await store.saveCachedBatch({ key, skill: skill.name, skillVersion: skill.version, items: 2, result: { qualityScore: 0.5, processed: 3 } });
      expect(await cache.lookup(plan, items)).toBeUndefined();
      await cache.store(plan, items, result);
      expect(await cache.lookup(plan, items)).toEqual(result);
      expect(await store.loadCachedBatch(key)).toEqual({ key, skill: 'classify', skillVersion: '1.0.0', items: 2, result });
    } finally {
      await store.close();
    }
  });

  it('stores nothing for items without a JSON form', async () => {
    const store = await open();
    try {
      const cache = storeBatchCache(store, skill);
      const odd = [{ value: Number.NaN }];
      await cache.store(plan, odd, result);
      expect(await cache.lookup(plan, odd)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
}

describe('batch cache in the memory store', () => {
  cacheBehaviour(() => Promise.resolve(new MemorySnapshotStore()));

  it('stores a result under the items the batch was looked up with, even if the skill reordered them in place', async () => {
    const cache = storeBatchCache(new MemorySnapshotStore(), skill);
    const batch = [...items];
    expect(await cache.lookup(plan, batch)).toBeUndefined();
    batch.reverse();
    await cache.store(plan, batch, result);
    expect(await cache.lookup(plan, [...items])).toEqual(result);
    // Without a lookup first (or for other params), the items as they are now make the key.
    const other = testPlan({ definition: { skillParams: { batchSize: 2, cacheEnabled: true, temperature: 0.9 } } });
    await cache.store(other, batch, result);
    expect(await cache.lookup(other, batch)).toEqual(result);
  });

  it('misses an entry stored for another number of items, and hands back one that processed every item', async () => {
    const store = new MemorySnapshotStore();
    const cache = storeBatchCache(store, skill);
    const key = batchCacheKey(skill, plan.params, items) ?? '';
    await store.saveCachedBatch({ key, skill: skill.name, skillVersion: skill.version, items: 3, result });
    expect(await cache.lookup(plan, items)).toBeUndefined();
    const whole: SkillResult = { qualityScore: 0.5, processed: items.length };
    await store.saveCachedBatch({ key, skill: skill.name, skillVersion: skill.version, items: 2, result: whole });
    expect(await cache.lookup(plan, items)).toEqual(whole);
  });

  it('stores under the params it is given, not those of the lookup of the same items', async () => {
    const store = new MemorySnapshotStore();
    const cache = storeBatchCache(store, skill);
    const other = testPlan({ definition: { skillParams: { batchSize: 2, cacheEnabled: true, temperature: 0.9 } } });
    await cache.lookup(plan, items);
    await cache.store(other, items, result);
    expect(await cache.lookup(other, items)).toEqual(result);
    expect(await cache.lookup(plan, items)).toBeUndefined();
  });

  it('keeps results apart from what the caller does to its objects afterwards', async () => {
    const store = new MemorySnapshotStore();
    const mine: SkillResult = { qualityScore: 0.5, metrics: { f1: 0.5 } };
    const cache = storeBatchCache(store, skill);
    await cache.store(plan, items, mine);
    (mine.metrics ?? {}).f1 = 0;
    const found = await cache.lookup(plan, items);
    expect(found?.metrics).toEqual({ f1: 0.5 });
    if (found?.metrics) found.metrics.f1 = 0;
    expect((await cache.lookup(plan, items))?.metrics).toEqual({ f1: 0.5 });
  });
});

// Each test opens a PGlite folder (a reopen too): up to 30 s apiece on a loaded 2-core machine.
describe('batch cache in an embedded PGlite folder', { timeout: 120_000 }, () => {
  let root: string;
  let n = 0;
  let dir = '';
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'batch-cache-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });
  // A folder per test; `reopen` opens the one the test just used.
  cacheBehaviour(
    () => PgliteSnapshotStore.open((dir = path.join(root, `db${n++}`))),
    () => PgliteSnapshotStore.open(dir),
  );
});

describe.skipIf(skipWithoutServer('batch cache on the Postgres server'))('batch cache on the Postgres server', () => {
  const own = useServerSchema('so_cache');
  const schema = own.name;
  const open = () => PostgresSnapshotStore.open({ connectionString: serverUrl ?? '', schema });
  // One schema for every test: each clears the table first, so a test's cached result cannot leak into another.
  cacheBehaviour(async () => {
    await own.admin.query(`DELETE FROM ${pg.escapeIdentifier(schema)}.batch_cache`).catch(() => undefined);
    return open();
  }, open);
});
