import { hashKey } from '../actors/seededRandom.ts';
import type { SnapshotStore } from '../persistence/SnapshotStore.ts';

/**
 * An experiment is N repeats of one orchestration. It has no table of its own: its runs are ordinary stored
 * orchestrations whose ids say where they belong (`E.r1` … `E.rN`), and each run's stored config records
 * `experiment: { id, index, of }`, so a resume of one repeat and the experiment report know where it fits.
 */

/** Most repeats one experiment may have. */
export const MAX_REPEATS = 100;

/** `E.r<k>`: the stored run id of repeat `index` (1-based) of experiment `experimentId`. */
export function experimentRunId(experimentId: string, index: number): string {
  if (!Number.isSafeInteger(index) || index < 1) throw new RangeError(`a repeat's index is a positive integer (got ${index})`);
  return `${experimentId}.r${index}`;
}

/** The experiment and repeat index a run id names (`E.r3` → { E, 3 }), or undefined for any other id. */
export function parseExperimentRunId(runId: string): { experimentId: string; index: number } | undefined {
  const match = /^(.+)\.r([1-9][0-9]*)$/.exec(runId);
  if (!match) return undefined;
  const index = Number(match[2]);
  return Number.isSafeInteger(index) ? { experimentId: match[1] as string, index } : undefined;
}

/** `exp-` and 8 random hex digits, as a run's default id is `orch-` and 8. */
export function newExperimentId(): string {
  return `exp-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Stored run ids of experiment `experimentId`, ascending by repeat index; [] when it has none. Only ids of
 * the exact form `E.r<k>` count, so the runs of an experiment named `E.r1` (`E.r1.r1`, …) are not E's.
 */
export async function findExperimentRuns(store: SnapshotStore, experimentId: string): Promise<string[]> {
  const rows = await store.list();
  return rows
    .flatMap((row) => {
      const parsed = parseExperimentRunId(row.id);
      return parsed?.experimentId === experimentId ? [{ id: row.id, index: parsed.index }] : [];
    })
    .sort((a, b) => a.index - b.index)
    .map((run) => run.id);
}

/**
 * The seed of repeat `index`: the config's seed itself with `sameData` (every repeat sees the same items and
 * draws), else an FNV-1a hash of (seed, "repeat", index), so repeats differ from each other and from a plain
 * run with that seed, and the same experiment seed always gives the same repeat seeds.
 */
export function repeatSeed(seed: number, index: number, sameData: boolean): number {
  return sameData ? seed : hashKey(seed, 'repeat', index);
}
