import { ownValue } from '../ownKeys.ts';
import type { BatchRecord } from '../persistence/SnapshotStore.ts';
import { throughputPerSecond } from '../report/experimentReport.ts';
import type { Report } from '../report/schema.ts';
import { tukeyOutliers } from '../report/stats.ts';

/**
 * The samples a comparison tests, for one scenario of one side. A single run gives one value per batch, read
 * from its batch journal; an experiment gives one value per repeat, read from each repeat's report.
 */
export interface ScenarioSamples {
  status: string;
  /** Figure name → values, in display order: `quality`, each quality metric, `timePerItem`, `throughput`. */
  figures: Map<string, number[]>;
  notes: string[];
}

/** Figures every scenario has, beside its quality metrics. */
const QUALITY = 'quality';
const TIME_PER_ITEM = 'timePerItem';
const THROUGHPUT = 'throughput';

/** Below this a batch's time, whole milliseconds of Date.now(), is too coarse to say much per batch. */
const COARSE_BATCH_MS = 5;

type StoredResult = { cached?: unknown; busyMs?: unknown; metrics?: unknown };

const asResult = (value: unknown): StoredResult => (typeof value === 'object' && value !== null ? (value) : {});

function skillMetric(result: StoredResult, metric: string): number | undefined {
  const metrics = result.metrics;
  if (typeof metrics !== 'object' || metrics === null) return undefined;
  const value = ownValue(metrics as Record<string, unknown>, metric);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const mean = (values: readonly number[]): number => values.reduce((sum, v) => sum + v, 0) / values.length;

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function emptyFigures(metrics: readonly string[]): Map<string, number[]> {
  return new Map([[QUALITY, []], ...metrics.map((m) => [m, []] as [string, number[]]), [TIME_PER_ITEM, []], [THROUGHPUT, []]]);
}

function push(figures: Map<string, number[]>, figure: string, value: number): void {
  figures.get(figure)?.push(value);
}

/**
 * One value per batch the skill ran, from the scenario's journal rows:
 * - quality: `accuracy` is the batch's qualityScore, `coverage` its processed share, any other metric the
 *   skill's own figure for that batch; `quality` is the mean of those the batch measured. `latency` is judged
 *   on time per item, so it is compared as `timePerItem`, not per batch.
 * - time per item: the batch's busy time over the items it processed. A row's span (finishedAt − startedAt)
 *   covers the last attempt only (a failed attempt with retries left writes no row, and its backoff is not
 *   in it) and, with one worker, ends when the batch settled; with parallel workers a row is counted (its
 *   finishedAt) only after every earlier batch, so there the row's own `busyMs` is used: the busy time it
 *   added, overlaps with earlier batches counted once, as the report's busy time counts them.
 * - throughput: items processed per busy second of that batch.
 * Batches taken from the cache (the skill did not run) and batches that failed every attempt are left out.
 */
export function batchSamples(records: readonly BatchRecord[], qualityMetrics: readonly string[], status: string): ScenarioSamples {
  const metrics = qualityMetrics.filter((m) => m !== 'latency' && m !== QUALITY && m !== TIME_PER_ITEM && m !== THROUGHPUT);
  const figures = emptyFigures(metrics);
  const spans: number[] = [];
  let cached = 0;
  let failed = 0;
  let retried = 0;
  let parallel = false;
  for (const record of records) {
    const result = asResult(record.result);
    if (result.cached === true) {
      cached += 1;
      continue;
    }
    if (record.qualityScore === null) {
      failed += 1;
      continue;
    }
    if (record.attempt > 1) retried += 1;
    const processed = record.items - record.itemsFailed;
    const scores: number[] = [];
    for (const metric of metrics) {
      const value = metric === 'accuracy' ? record.qualityScore : metric === 'coverage' ? (record.items > 0 ? processed / record.items : undefined) : skillMetric(result, metric);
      if (value === undefined) continue;
      push(figures, metric, value);
      scores.push(value);
    }
    if (scores.length > 0) push(figures, QUALITY, mean(scores));
    if (typeof result.busyMs === 'number') parallel = true;
    const busyMs = typeof result.busyMs === 'number' ? result.busyMs : record.finishedAt - record.startedAt;
    spans.push(busyMs);
    if (processed <= 0) continue;
    push(figures, TIME_PER_ITEM, busyMs / processed);
    if (busyMs > 0) push(figures, THROUGHPUT, (processed / busyMs) * 1000);
  }
  const notes: string[] = [];
  if (cached > 0) notes.push(`${cached} batch(es) taken from the cache left out (the skill did not run for them)`);
  if (failed > 0) notes.push(`${failed} batch(es) that failed every attempt left out`);
  if (retried > 0) notes.push(`${retried} batch(es) were retried: their time is their last attempt's (earlier attempts and backoff are not in the journal)`);
  if (parallel) notes.push('batches ran in parallel: each batch counts the busy time it added (overlaps once), not its own latency');
  const instant = spans.filter((ms) => ms <= 0).length;
  if (instant > 0) notes.push(`${instant} batch(es) took 0 ms by the clock: left out of throughput`);
  const coarse = spans.length > 0 && medianOf(spans) < COARSE_BATCH_MS;
  if (coarse) notes.push(`batches take under ${COARSE_BATCH_MS} ms: their times are whole milliseconds, so per-batch time is coarse`);
  const stalls = coarse ? 0 : tukeyOutliers(figures.get(TIME_PER_ITEM) ?? []).length;
  if (stalls > 0) notes.push(`${stalls} batch(es) took far longer or shorter than the rest (Tukey's fences): a busy machine's stalls widen the intervals; repeats (--repeat) on a quieter machine sharpen them`);
  if (qualityMetrics.includes('latency')) notes.push('latency is judged on time per item, so it is compared as timePerItem, not per batch');
  return { status, figures, notes };
}

/**
 * One value per repeat that completed the scenario, from that repeat's report: each quality score (overall as
 * `quality`), busy time per item (`comparison.timePerItemMs`) and throughput: items per second of working
 * time, as the experiment report gives it (a repeat's scenarios wait at barriers and run batches in parallel).
 */
export function repeatSamples(reports: readonly Report[], scenario: string): ScenarioSamples {
  const completed = reports.filter((r) => ownValue(r.scenarios, scenario)?.status === 'complete');
  const metrics = [...new Set(completed.flatMap((r) => Object.keys(ownValue(r.scenarios, scenario)?.qualityScores ?? {})))].filter(
    (m) => m !== 'overall' && m !== QUALITY && m !== TIME_PER_ITEM && m !== THROUGHPUT,
  );
  const figures = emptyFigures(metrics);
  for (const report of completed) {
    const scores = ownValue(report.scenarios, scenario)?.qualityScores ?? {};
    const overall = ownValue(scores, 'overall');
    if (typeof overall === 'number') push(figures, QUALITY, overall);
    for (const metric of metrics) {
      const value = ownValue(scores, metric);
      if (typeof value === 'number') push(figures, metric, value);
    }
    const perItem = ownValue(report.comparison.timePerItemMs, scenario);
    if (typeof perItem === 'number') push(figures, TIME_PER_ITEM, perItem);
    // As the experiment report counts it, so `compare` and `run --repeat` print one throughput.
    const own = ownValue(report.scenarios, scenario);
    const throughput = own === undefined ? null : throughputPerSecond(own);
    if (throughput !== null) push(figures, THROUGHPUT, throughput);
  }
  const present = reports.filter((r) => ownValue(r.scenarios, scenario) !== undefined).length;
  const notes = present > completed.length ? [`${present - completed.length} of ${present} repeat(s) did not complete this scenario: left out`] : [];
  const status = completed.length > 0 ? 'complete' : (reports.map((r) => ownValue(r.scenarios, scenario)?.status).find((s) => s !== undefined) ?? 'missing');
  return { status, figures, notes };
}
