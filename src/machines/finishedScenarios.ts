import { copyRecord, emptyRecord, ownValue, setOwn } from '../ownKeys.ts';
import type { ScenarioProgress } from '../report/schema.ts';

/**
 * The final progress of every scenario that has finished, by name, split into about √N buckets by a hash
 * of the name. The orchestrator records a finish without changing what it had (a saved snapshot may still
 * hold it) by copying one bucket and the list of buckets, O(√N): copying one map of every finished
 * scenario per finish made a run O(N²) (30 of 90 s of CPU at 10,000 scenarios, bench/README.md). Plain
 * data, so it persists as it is; a restored snapshot keeps its bucket count, which the hash is taken over.
 */
export type FinishedScenarios = Record<string, ScenarioProgress>[];

export function noneFinished(scenarios: number): FinishedScenarios {
  return Array.from({ length: Math.max(1, Math.ceil(Math.sqrt(scenarios))) }, () => emptyRecord<ScenarioProgress>());
}

function bucketOf(name: string, buckets: number): number {
  let hash = 0;
  for (let i = 0; i < name.length; i += 1) hash = (Math.imul(hash, 31) + name.charCodeAt(i)) | 0;
  return (hash >>> 0) % buckets;
}

export function withFinished(finished: FinishedScenarios, name: string, progress: ScenarioProgress): FinishedScenarios {
  const index = bucketOf(name, finished.length);
  const bucket = copyRecord(finished[index] ?? emptyRecord<ScenarioProgress>());
  setOwn(bucket, name, progress);
  const next = finished.slice();
  next[index] = bucket;
  return next;
}

export function finishedProgress(finished: FinishedScenarios, name: string): ScenarioProgress | undefined {
  const bucket = finished[bucketOf(name, finished.length)];
  return bucket && ownValue(bucket, name);
}

/** Every finished scenario's progress in one record (O(N): for reading a whole run, not per event). */
export function finishedByName(finished: FinishedScenarios): Record<string, ScenarioProgress> {
  const all = emptyRecord<ScenarioProgress>();
  for (const bucket of finished) for (const name of Object.keys(bucket)) setOwn(all, name, bucket[name] as ScenarioProgress);
  return all;
}
