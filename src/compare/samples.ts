import { mean, median } from 'simple-statistics';
import { ownValue } from '../ownKeys.ts';
import type { BatchRecord } from '../persistence/SnapshotStore.ts';
import type { Report } from '../report/schema.ts';
import { latencyScore } from '../report/quality.ts';
import { roundTo } from '../report/round.ts';
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

function emptyFigures(metrics: readonly string[]): Map<string, number[]> {
  return new Map([[QUALITY, []], ...metrics.map((m) => [m, []] as [string, number[]]), [TIME_PER_ITEM, []], [THROUGHPUT, []]]);
}

function push(figures: Map<string, number[]>, figure: string, value: number): void {
  figures.get(figure)?.push(value);
}

/** What sampling a scenario's journal needs from its definition. */
export interface BatchSampling {
  qualityMetrics: readonly string[];
  /** The latency target, when the scenario has one: latency is scored per sample against it. */
  latencyTargetMsPerItem?: number | undefined;
  /** Batches the scenario ran at once (its merged `parallelWorkers`, 1 when unset). */
  workers: number;
}

/** One batch the skill ran, as a comparison reads it. */
interface RanBatch {
  items: number;
  processed: number;
  /** The busy time the batch added: its own span with one worker, its row's `busyMs` with several. */
  busyMs: number;
  /** Metric → the batch's figure, for the metrics it measured (not `latency`, which needs a time). */
  scores: Map<string, number>;
}

/**
 * Consecutive batches whose busy time is measured together: with one worker a batch (merged with the next when
 * the millisecond clock gave it 0 ms); with N workers N consecutive batches, whose added busy times together
 * cover the time they kept the skill busy (one batch's alone does not: it is the part no earlier batch
 * overlapped, often 0 ms). A trailing group too short to stand is merged into the one before it.
 */
function timeGroups(batches: readonly RanBatch[], workers: number): RanBatch[][] {
  const groups: RanBatch[][] = [];
  let open: RanBatch[] = [];
  for (const batch of batches) {
    open.push(batch);
    if (open.length >= workers && open.some((b) => b.busyMs > 0) && open.some((b) => b.processed > 0)) {
      groups.push(open);
      open = [];
    }
  }
  const last = groups.at(-1);
  if (open.length > 0 && last) last.push(...open);
  else if (open.length > 0) groups.push(open);
  return groups;
}

const sum = (values: readonly number[]): number => values.reduce((total, v) => total + v, 0);

/**
 * One sample per batch the skill ran (per group of batches for time, see below), from the scenario's journal rows:
 * - quality: `accuracy` is the batch's qualityScore, `coverage` its processed share, `latency` the score of its
 *   group's time per item against the scenario's `latencyTargetMsPerItem` (`latencyScore`, as the report
 *   scores it), any other metric the skill's own figure for that batch; `quality` is the mean of those the
 *   batch measured: the report's `overall`, per batch.
 * - time per item and throughput, from one set of samples (same n): a group's busy time over the items it
 *   processed, and its inverse per second. With one worker a group is a batch and its time the row's span
 *   (finishedAt − startedAt: its last attempt only; a failed attempt with retries left writes no row, and its
 *   backoff is not in it). With N workers a row's finishedAt is when it was counted, after every earlier batch,
 *   so its span includes waiting for them; its `busyMs` is the busy time it added (overlaps counted once),
 *   which is 0 for a batch that ended inside an earlier one's call. So N consecutive batches are one group:
 *   the sum of their `busyMs` is the time they kept the skill busy, and the groups add up to the report's busy time.
 * Batches taken from the cache (the skill did not run) and batches that failed every attempt are left out.
 */
export function batchSamples(records: readonly BatchRecord[], sampling: BatchSampling, status: string): ScenarioSamples {
  const { qualityMetrics, latencyTargetMsPerItem: target } = sampling;
  const workers = Math.max(1, Math.floor(sampling.workers));
  const metrics = qualityMetrics.filter((m) => m !== QUALITY && m !== TIME_PER_ITEM && m !== THROUGHPUT);
  const latency = metrics.includes('latency') && target !== undefined;
  const figures = emptyFigures(metrics.filter((m) => m !== 'latency' || latency));
  const batches: RanBatch[] = [];
  let cached = 0;
  let failed = 0;
  let retried = 0;
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
    const scores = new Map<string, number>();
    for (const metric of metrics) {
      if (metric === 'latency') continue;
      const value = metric === 'accuracy' ? record.qualityScore : metric === 'coverage' ? (record.items > 0 ? processed / record.items : undefined) : skillMetric(result, metric);
      if (value !== undefined) scores.set(metric, value);
    }
    const busyMs = typeof result.busyMs === 'number' ? result.busyMs : record.finishedAt - record.startedAt;
    batches.push({ items: record.items, processed, busyMs, scores });
  }
  const groups = timeGroups(batches, workers);
  for (const group of groups) {
    const busyMs = sum(group.map((b) => b.busyMs));
    const processed = sum(group.map((b) => b.processed));
    // A group with no measured time or no item gives no time sample (only a scenario whose every batch did).
    const perItem = busyMs > 0 && processed > 0 ? busyMs / processed : undefined;
    if (perItem !== undefined) {
      push(figures, TIME_PER_ITEM, perItem);
      push(figures, THROUGHPUT, (processed / busyMs) * 1000);
    }
    // As the report judges it: the time per item rounded as shown (3 decimals).
    const latencyOfGroup = latency && perItem !== undefined && target !== undefined ? latencyScore(roundTo(perItem, 3), target) : undefined;
    for (const batch of group) {
      const scores = [...batch.scores.values()];
      for (const [metric, value] of batch.scores) push(figures, metric, value);
      if (latencyOfGroup !== undefined) {
        push(figures, 'latency', latencyOfGroup);
        scores.push(latencyOfGroup);
      }
      if (scores.length > 0) push(figures, QUALITY, mean(scores));
    }
  }
  const notes: string[] = [];
  if (cached > 0) notes.push(`${cached} batch(es) taken from the cache left out (the skill did not run for them)`);
  if (failed > 0) notes.push(`${failed} batch(es) that failed every attempt left out`);
  if (retried > 0) notes.push(`${retried} batch(es) were retried: their time is their last attempt's (earlier attempts and backoff are not in the journal)`);
  if (workers > 1) {
    notes.push(
      `batches ran ${workers} at a time, so one batch's time is not its own: timePerItem and throughput are sampled per ${workers} consecutive batches (their busy time, overlaps counted once, over the items they processed), n = ${groups.length}${latency ? '; each batch\'s latency is its group\'s' : ''}`,
    );
  }
  const spans = batches.map((b) => b.busyMs);
  const instant = workers === 1 ? spans.filter((ms) => ms <= 0).length : 0;
  if (instant > 0) notes.push(`${instant} batch(es) took 0 ms by the clock: each is timed together with the batch after it`);
  const coarse = workers === 1 && spans.length > 0 && median(spans) < COARSE_BATCH_MS;
  if (coarse) notes.push(`batches take under ${COARSE_BATCH_MS} ms: their times are whole milliseconds, so per-batch time is coarse`);
  const stalls = coarse ? 0 : tukeyOutliers(figures.get(TIME_PER_ITEM) ?? []).length;
  if (stalls > 0) notes.push(`${stalls} sample(s) took far longer or shorter than the rest (Tukey's fences): a busy machine's stalls widen the intervals; repeats (--repeat) on a quieter machine sharpen them`);
  if (metrics.includes('latency') && !latency) notes.push('latency has no latencyTargetMsPerItem to be scored against: not compared');
  return { status, figures, notes };
}

/**
 * One value per repeat that completed the scenario, from that repeat's report: each quality score (overall as
 * `quality`), busy time per item (`comparison.timePerItemMs`) and its inverse, items per busy second.
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
    // Per busy second, as a run's batches are sampled, so a run and an experiment compare one quantity (the
    // experiment report's own throughputPerSecond is per working second: a different figure).
    const perItem = ownValue(report.comparison.timePerItemMs, scenario);
    if (typeof perItem === 'number') {
      push(figures, TIME_PER_ITEM, perItem);
      if (perItem > 0) push(figures, THROUGHPUT, 1000 / perItem);
    }
  }
  const present = reports.filter((r) => ownValue(r.scenarios, scenario) !== undefined).length;
  const notes = present > completed.length ? [`${present - completed.length} of ${present} repeat(s) did not complete this scenario: left out`] : [];
  const status = completed.length > 0 ? 'complete' : (reports.map((r) => ownValue(r.scenarios, scenario)?.status).find((s) => s !== undefined) ?? 'missing');
  return { status, figures, notes };
}
