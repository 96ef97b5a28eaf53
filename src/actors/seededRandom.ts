/**
 * Deterministic randomness keyed by name, so any slice of a scenario's input (or any batch's
 * simulated outcome) can be regenerated on its own after a restore, with no state to persist.
 */

/** FNV-1a over the key parts: a cheap, well-spread 32-bit hash. */
export function hashKey(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0000`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  return h >>> 0;
}

/** mulberry32: a small PRNG with a 32-bit state; returns floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A generator for one named stream, e.g. (seed, 'simple', 'batch', 3). */
export function randomFor(...parts: readonly (string | number)[]): () => number {
  return createRandom(hashKey(...parts));
}
