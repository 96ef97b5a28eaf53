import type { BatchJournal } from '../../persistence/SnapshotStore.ts';
import type { Report } from '../schema.ts';
import type { BatchSample } from './chartData.ts';

/**
 * Every recorded batch of the report's scenarios, as the charts need them. The journal is passed in (the
 * run's store), so this module reads nothing by itself.
 */
export async function loadBatchSamples(journal: Pick<BatchJournal, 'loadBatches'>, report: Report): Promise<BatchSample[]> {
  const perScenario = await Promise.all(
    Object.keys(report.scenarios).map((name) => journal.loadBatches(report.orchestrationId, name, 0)),
  );
  return perScenario.flat().map((b) => ({
    scenario: b.scenario,
    batchIndex: b.batchIndex,
    items: b.items,
    itemsFailed: b.itemsFailed,
    qualityScore: b.qualityScore,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
  }));
}
