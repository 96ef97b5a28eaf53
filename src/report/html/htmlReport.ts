import type { BatchJournal } from '../../persistence/SnapshotStore.ts';
import type { Report } from '../schema.ts';
import { buildChartData, type ChartDataOptions } from './chartData.ts';
import { loadBatchSamples } from './loadBatchSamples.ts';
import { renderHtml, type HtmlAssets } from './renderHtml.ts';

/**
 * The HTML report of a run: its batches read from `journal` (the run's store), the charts' data built from
 * them and the report, rendered into one page with `assets` inlined. Without a journal the progress chart
 * and the per-batch quality CIs are empty; everything else is drawn from the report.
 */
export async function htmlReport(report: Report, journal: Pick<BatchJournal, 'loadBatches'> | undefined, assets: HtmlAssets, options: ChartDataOptions = {}): Promise<string> {
  const batches = journal === undefined ? [] : await loadBatchSamples(journal, report);
  return renderHtml(report, buildChartData(report, batches, options), assets);
}
