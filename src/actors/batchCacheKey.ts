import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * Params that say how to run a skill, not what it returns: `parallelWorkers` changes how many batches are in
 * flight and `cacheEnabled` whether the cache is asked, and neither changes a batch's result. Keeping them
 * out of the key lets a run with 4 workers reuse what a run with 1 stored. Every other param stays in,
 * since only the skill knows which of its params matter.
 */
const PARAMS_OUTSIDE_THE_KEY: readonly string[] = ['parallelWorkers', 'cacheEnabled'];

/** Bumped if what goes into a key changes, so keys of an older layout can never match. */
const KEY_LAYOUT = 1;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * RFC 8785 canonical JSON: object keys sorted, numbers in one spelling, so equal values give equal text
 * whatever order their keys were written in. undefined when the value has no JSON form (NaN, Infinity,
 * a lone surrogate, a bigint, a cycle): such a batch is not cached rather than cached under a key that
 * could not tell it from another.
 */
function canonicalJson(value: unknown): string | undefined {
  try {
    return canonicalize(value);
  } catch {
    return undefined;
  }
}

/**
 * The key a batch's result is cached under: sha256 of the skill's name and version, the scenario's merged
 * params (less PARAMS_OUTSIDE_THE_KEY) and a hash of the batch's items, each as canonical JSON. The
 * scenario's name, the batch's index and the orchestration play no part, so any run (or scenario) that
 * hands the same skill version the same params and items gets the same key. undefined when the params or
 * items cannot be written as JSON.
 */
export function batchCacheKey(skill: { name: string; version: string }, params: Readonly<Record<string, unknown>>, items: readonly unknown[]): string | undefined {
  const itemsJson = canonicalJson(items);
  if (itemsJson === undefined) return undefined;
  const keyed: Record<string, unknown> = {};
  // Own keys, `__proto__` too, copied as data: a param of that name must change the key like any other.
  for (const name of Object.keys(params)) {
    if (!PARAMS_OUTSIDE_THE_KEY.includes(name)) Object.defineProperty(keyed, name, { value: params[name], enumerable: true, writable: true, configurable: true });
  }
  const keyJson = canonicalJson({ layout: KEY_LAYOUT, skill: skill.name, version: skill.version, params: keyed, items: sha256(itemsJson) });
  return keyJson === undefined ? undefined : sha256(keyJson);
}
