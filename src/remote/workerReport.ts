import { z } from 'zod';
import type { OrchestrationConfig } from '../config/schema.ts';
import type { BatchJournal, BatchRecord } from '../persistence/SnapshotStore.ts';
import { formatMs, formatNumber, formatPercent } from '../report/format.ts';
import { roundTo } from '../report/round.ts';
import type { Report, WorkerFigures, WorkersReport } from '../report/schema.ts';

/** The part of a journal row's result the workers section reads (batchRunner.ts `toRecord`). */
const RowResultSchema = z.looseObject({
  worker: z.string().optional(),
  /** The skill call's whole time on its worker. */
  workerBusyMs: z.number().min(0).optional(),
  /** Rows written before `workerBusyMs` was kept: with one batch in flight per scenario, the same time. */
  busyMs: z.number().min(0).optional(),
});

export const WORKERS_BASIS =
  'per worker, from the batch journal: the recorded batches it ran and their items; busy time is the skill\'s call on the worker, summed over its batches ' +
  '(the queue and the network are not in it; concurrent calls each count); items per busy second are the items the skill processed over that time; ' +
  'share is of every recorded batch of the run (a batch\'s failed attempts are not recorded)';

/** True for a run whose batches go to `scenarios worker` processes (config `execution.mode`, as stored with the run). */
export const isRemoteRun = (config: OrchestrationConfig): boolean => config.execution?.mode === 'remote';

interface Tally {
  batches: number;
  items: number;
  itemsFailed: number;
  busyMs: number;
}

/**
 * The workers section from a run's journal rows, or undefined when no row names a worker (a local run, or a
 * remote run none of whose batches a worker ran).
 */
export function buildWorkersReport(rows: readonly BatchRecord[]): WorkersReport | undefined {
  const tallies = new Map<string, Tally>();
  let other = 0;
  for (const row of rows) {
    const parsed = RowResultSchema.safeParse(row.result);
    const worker = parsed.success ? parsed.data.worker : undefined;
    if (!parsed.success || worker === undefined) {
      other += 1;
      continue;
    }
    const tally = tallies.get(worker) ?? { batches: 0, items: 0, itemsFailed: 0, busyMs: 0 };
    tally.batches += 1;
    tally.items += row.items;
    tally.itemsFailed += row.itemsFailed;
    tally.busyMs += parsed.data.workerBusyMs ?? parsed.data.busyMs ?? 0;
    tallies.set(worker, tally);
  }
  if (tallies.size === 0) return undefined;
  const total = rows.length;
  const perWorker = [...tallies.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]): WorkerFigures => ({
      name,
      batches: t.batches,
      items: t.items,
      itemsFailed: t.itemsFailed,
      busyMs: roundTo(t.busyMs, 1),
      itemsPerBusySecond: t.busyMs > 0 ? roundTo(((t.items - t.itemsFailed) * 1000) / t.busyMs, 2) : null,
      batchShare: roundTo(t.batches / total, 4),
    }));
  return { perWorker, batches: total, otherBatches: other, basis: WORKERS_BASIS };
}

/**
 * The report with its `workers` section when some recorded batch of the run ran on a worker, read from the
 * batch journal (each row names its worker), so a resumed run, and a report rebuilt from the store, count every
 * recorded batch. Any other report is returned as it is.
 */
export async function withWorkersReport(report: Report, config: OrchestrationConfig, journal: Pick<BatchJournal, 'loadBatches'>): Promise<Report> {
  const rows = (await Promise.all(config.scenarios.map((s) => journal.loadBatches(report.orchestrationId, s.name, 0)))).flat();
  const workers = buildWorkersReport(rows);
  return workers === undefined ? report : { ...report, workers };
}

/** The workers block every renderer shares (text, Markdown, HTML): a title, a table (one row per worker) and notes. */
export interface WorkersTable {
  title: string;
  header: string[];
  rows: string[][];
  notes: string[];
}

/** The workers block of a report, or undefined when no batch ran on a worker. */
export function workersTable(report: Report): WorkersTable | undefined {
  const { workers } = report;
  if (!workers) return undefined;
  const header = ['Worker', 'Batches', 'Share', 'Items', 'Failed', 'Busy', 'Items/busy s'];
  const rows = workers.perWorker.map((w) => [
    w.name,
    String(w.batches),
    formatPercent(w.batchShare),
    String(w.items),
    String(w.itemsFailed),
    formatMs(w.busyMs),
    w.itemsPerBusySecond === null ? '-' : formatNumber(w.itemsPerBusySecond, 1),
  ]);
  const notes: string[] = [];
  if (workers.otherBatches > 0) notes.push(`${workers.otherBatches} of ${workers.batches} recorded batches ran on no worker (taken from the cache, or run in the orchestrating process)`);
  notes.push('busy time is the skill\'s call on the worker, summed over its batches (concurrent calls each count; the queue and the network are not in it)');
  const count = workers.perWorker.length;
  return { title: `Workers (${count} ran ${workers.batches - workers.otherBatches} of ${workers.batches} recorded batches)`, header, rows, notes };
}
