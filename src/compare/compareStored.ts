import type { SnapshotStore } from '../persistence/SnapshotStore.ts';
import { compareSides } from './compareSides.ts';
import { loadSide, resolveRef } from './loadSide.ts';
import type { Comparison } from './schema.ts';

/**
 * Compares two stored runs, experiments or baselines (each name tried in that order), scenario by scenario:
 * what `scenarios compare a b --json` prints. Differences are b − a, with Welch's 95% CI and p.
 *
 * @param store - The store holding both (and the baselines).
 * @example
 * ```ts
 * const comparison = await compareStored(store, 'main', 'orch-1a2b3c4d');
 * for (const scenario of comparison.scenarios) {
 *   const time = scenario.figures.find((f) => f.figure === 'timePerItem');
 *   if (time?.difference?.significant) console.log(scenario.scenario, time.difference.relative);
 * }
 * ```
 */
export async function compareStored(store: SnapshotStore, a: string, b: string): Promise<Comparison> {
  const sideA = await loadSide(store, await resolveRef(store, a));
  const sideB = await loadSide(store, await resolveRef(store, b));
  return compareSides(sideA, sideB);
}
