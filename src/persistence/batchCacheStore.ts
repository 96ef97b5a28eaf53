import type { BatchCache } from '../actors/batchCache.ts';
import { batchCacheKey } from '../actors/batchCacheKey.ts';
import { SkillResultSchema, type Skill, type SkillResult } from '../actors/skill.ts';
import type { BatchResultCache } from './SnapshotStore.ts';

/**
 * The BatchCache over a store's cache table (or the memory store's map), for one skill: its name and
 * version are part of every key, so a new version of the skill never reads an older one's results.
 */
export function storeBatchCache(store: BatchResultCache, skill: Pick<Skill, 'name' | 'version'>): BatchCache {
  const identity = { name: skill.name, version: skill.version };
  // The key a lookup computed, for the store() of the same batch after a miss: hashing a batch's items is
  // the cache's main cost (about 0.25 ms for 100 small items), and a skill that reorders or edits its items
  // in place must not have its result stored under a key its own input would never produce again.
  const keyOfLookup = new WeakMap<readonly unknown[], { params: object; key: string | undefined }>();
  const keyFor = (params: Readonly<Record<string, unknown>>, items: readonly unknown[]) => {
    const known = keyOfLookup.get(items);
    keyOfLookup.delete(items);
    return known !== undefined && known.params === params ? known.key : batchCacheKey(identity, params, items);
  };
  return {
    async lookup(plan, items) {
      const key = batchCacheKey(identity, plan.params, items);
      keyOfLookup.set(items, { params: plan.params, key });
      if (key === undefined) return undefined;
      const entry = await store.loadCachedBatch(key);
      if (entry === undefined || entry.items !== items.length) return undefined;
      // A row edited by hand, or written by an older build, is a miss (the batch runs and overwrites it), never a result.
      const parsed = SkillResultSchema.safeParse(entry.result);
      if (!parsed.success || (parsed.data.processed !== undefined && parsed.data.processed > items.length)) return undefined;
      return parsed.data;
    },
    async store(plan, items, result) {
      const key = keyFor(plan.params, items);
      if (key === undefined) return;
      await store.saveCachedBatch({ key, skill: identity.name, skillVersion: identity.version, items: items.length, result: withoutMemory(result) });
    },
  };
}

/** A batch taken from the cache used no memory in the run that takes it: the figure of the run that stored it is not kept. */
function withoutMemory(result: SkillResult): SkillResult {
  const rest: SkillResult = { ...result };
  delete rest.memoryMb;
  return rest;
}

/** Whether a journal is a store that can also keep cached results (every SnapshotStore is). */
export function isBatchResultCache(value: object): value is BatchResultCache {
  return typeof (value as Partial<BatchResultCache>).loadCachedBatch === 'function' && typeof (value as Partial<BatchResultCache>).saveCachedBatch === 'function';
}
