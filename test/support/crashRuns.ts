import { existsSync, readFileSync } from 'node:fs';
import { openStore } from '../../src/persistence/openStore.ts';
import type { SqlClient } from '../../src/persistence/SqlSnapshotStore.ts';
import type { Report } from '../../src/report/schema.ts';

/** The idempotency keys a recording skill (test/fixtures/recordingSkill.ts) wrote to `file`, one per call, in call order. */
export const recordedCalls = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** How many times each batch (by idempotency key) really ran. */
export function executions(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** What a crashed-and-resumed run must share with an uninterrupted one, per scenario. */
export const totals = (report: Report) =>
  Object.fromEntries(
    Object.entries(report.scenarios).map(([name, s]) => [name, { status: s.status, items: s.itemsProcessed, failed: s.itemsFailed, batches: s.batchCount, milestones: s.milestonesReached, quality: s.qualityScores.accuracy }]),
  );

/** Deletes run `id` and its journal from the store at `db` (a shared server keeps no test's rows). */
export async function forgetRun(db: string, id: string): Promise<void> {
  const store = await openStore(db);
  try {
    const { client } = store as unknown as { client: SqlClient };
    await client.query('DELETE FROM batch_results WHERE orchestration_id = $1', [id]);
    await client.query('DELETE FROM orchestrations WHERE id = $1', [id]);
  } finally {
    await store.close();
  }
}
