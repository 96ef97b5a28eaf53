import { fitLogLog, fitTwoTerm, type LogLogFit, type TwoTermFit } from './fit.ts';
import { formatApprox, formatNumber, formatPercent } from './format.ts';
import { roundTo } from './round.ts';
import type { Scaling } from './schema.ts';

/** One completed scenario as the scaling fit sees it: the batches the skill ran, not those taken from the cache. */
export interface ScalingPoint {
  name: string;
  /** Items processed by batches the skill ran. */
  items: number;
  /** Batches the skill ran. */
  batches: number;
  busyMs: number;
  batchSize: number;
  /** Batches taken from the batch cache instead (not in items, batches or busy time). */
  cachedBatches?: number;
}

/** Verdict bands around 1: a little noise in measured time should not flip "linear". */
const SUBLINEAR_BELOW = 0.9;
const LINEAR_UP_TO = 1.1;
/** Two item counts always fit a line exactly, so only a third one can show whether growth is steady. */
const ITEM_COUNTS_FOR_VERDICT = 3;
/** Only points with work and time can enter a log-log fit. */
export function usableScalingPoints<P extends Pick<ScalingPoint, 'items' | 'busyMs'>>(points: readonly P[]): P[] {
  return points.filter((p) => p.items > 0 && p.busyMs > 0);
}

/** Share of total busy time that `perBatchMs × batches` accounts for across the points. */
export function batchTimeShare(points: readonly Pick<ScalingPoint, 'batches' | 'busyMs'>[], perBatchMs: number): number {
  const busy = points.reduce((total, p) => total + p.busyMs, 0);
  const batchTime = points.reduce((total, p) => total + perBatchMs * p.batches, 0);
  return busy > 0 ? batchTime / busy : 0;
}

/**
 * The verdict for an exponent as the report shows it (rounded): below 0 `negative` (busy time fell as items
 * grew), below 0.9 `sublinear`, up to and including 1.1 `linear`, above that `superlinear`.
 */
export function scalingVerdict(exponent: number): Exclude<Scaling['verdict'], 'inconclusive'> {
  if (exponent < 0) return 'negative';
  if (exponent < SUBLINEAR_BELOW) return 'sublinear';
  if (exponent <= LINEAR_UP_TO) return 'linear';
  return 'superlinear';
}

/** The log-log fit's uncertainty as the report carries it, rounded. */
function exponentUncertainty(
  logLog: LogLogFit | undefined,
  ci: { low: number; high: number } | null,
): Pick<Scaling, 'exponentStandardError' | 'exponentCi95' | 'rSquared'> {
  return {
    exponentStandardError: logLog?.standardError == null ? null : roundTo(logLog.standardError, 4),
    exponentCi95: logLog === undefined || ci === null ? null : { ...ci, method: 'student-t', degreesOfFreedom: logLog.degreesOfFreedom },
    rSquared: logLog?.rSquared == null ? null : roundTo(logLog.rSquared, 4),
  };
}

function roundTwoTerm(fit: TwoTermFit): NonNullable<Scaling['twoTerm']> {
  const round = (c: TwoTermFit['perItemMs']) => ({ estimate: roundTo(c.estimate, 3), standardError: roundTo(c.standardError, 4) });
  return {
    perBatchMs: round(fit.perBatchMs),
    perItemMs: round(fit.perItemMs),
    rSquared: fit.rSquared === null ? null : roundTo(fit.rSquared, 4),
    degreesOfFreedom: fit.degreesOfFreedom,
  };
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * How busy time grows with items processed across completed scenarios, and how much of it is a fixed
 * cost per batch. Pass completed scenarios only; points without items or busy time are left out.
 */
export function fitScaling(points: readonly ScalingPoint[]): Scaling {
  const used = usableScalingPoints(points);
  const notes: string[] = [];
  // A scenario whose every batch came from the cache has no busy time to fit: say so, rather than lump it
  // with scenarios that did no work.
  const allCached = points.filter((p) => !used.includes(p) && p.batches === 0 && (p.cachedBatches ?? 0) > 0).map((p) => p.name);
  const skipped = points.filter((p) => !used.includes(p) && !allCached.includes(p.name)).map((p) => p.name);
  if (allCached.length > 0) notes.push(`Left out because every batch came from the cache, so the skill never ran: ${allCached.join(', ')}.`);
  if (skipped.length > 0) notes.push(`Left out for lack of items or busy time: ${skipped.join(', ')}.`);
  const partlyCached = used.filter((p) => (p.cachedBatches ?? 0) > 0);
  if (partlyCached.length > 0) {
    const listed = partlyCached.map((p) => `${p.name} ${p.cachedBatches ?? 0} of ${p.batches + (p.cachedBatches ?? 0)}`).join(', ');
    notes.push(`Batches taken from the cache are left out (${listed}): the fit counts only the items and batches the skill ran.`);
  }

  const basis =
    `Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed ` +
    `across ${plural(used.length, 'completed scenario')}.`;

  const distinctItems = new Set(used.map((p) => p.items)).size;
  const logLog = fitLogLog(used);
  const exponent = logLog === undefined ? null : roundTo(logLog.exponent, 3);
  const ci = logLog?.ci95 == null ? null : { low: roundTo(logLog.ci95.low, 3), high: roundTo(logLog.ci95.high, 3) };
  if (exponent === null) notes.push('An exponent needs at least two completed scenarios with different item counts.');
  else if (distinctItems < ITEM_COUNTS_FOR_VERDICT) {
    notes.push(
      'A verdict needs at least three completed scenarios with different item counts; ' +
        `with ${distinctItems}, the exponent is only the slope between them.`,
    );
  }
  // The bands are judged on the interval as shown (rounded), as the exponent is, so an exact fit at 0.9 whose
  // bounds differ from it only in floating-point noise is not called inconclusive.
  const bandsInCi = ci === null ? [] : [...new Set([scalingVerdict(ci.low), scalingVerdict(ci.high)])];
  let verdict: Scaling['verdict'];
  if (exponent === null || distinctItems < ITEM_COUNTS_FOR_VERDICT) verdict = 'inconclusive';
  else if (ci !== null && bandsInCi.length > 1) {
    verdict = 'inconclusive';
    notes.push(
      `The exponent's 95% CI (${formatNumber(ci.low)} to ${formatNumber(ci.high)}) reaches from ${bandsInCi[0] ?? ''} ` +
        `to ${bandsInCi[1] ?? ''}, so the points cannot tell which it is; more input sizes (or repeats) narrow it.`,
    );
  } else verdict = scalingVerdict(exponent);
  if (verdict === 'negative') {
    notes.push(
      'Busy time fell as items grew, so something other than the number of items (batch size, caching, warm-up) ' +
        'drives it here; the exponent says nothing about how the load scales.',
    );
  }

  const batchSizes = [...new Set(used.map((p) => p.batchSize))];
  if (batchSizes.length > 1) {
    const listed = used.map((p) => `${p.name} ${p.batchSize}`).join(', ');
    notes.push(
      `Batch sizes differ (${listed}), so part of the per-item difference comes from per-batch overhead ` +
        `being spread over more items, not from load.`,
    );
  }

  const twoTerm = fitTwoTerm(used);
  const split = twoTerm === undefined ? undefined : { perBatchMs: twoTerm.perBatchMs.estimate, perItemMs: twoTerm.perItemMs.estimate };
  if (used.length >= 3 && split === undefined) {
    notes.push('Per-batch and per-item cost cannot be separated: batch count is (nearly) proportional to items in every scenario.');
  }
  if (split !== undefined) {
    if (split.perBatchMs < 0 || split.perItemMs < 0) {
      notes.push('The split into per-batch and per-item cost has a negative term, so a fixed cost per batch plus a cost per item does not describe this data well.');
    } else {
      const share = batchTimeShare(used, split.perBatchMs);
      if (share > 0.5) {
        notes.push(
          `Time is driven by batch count (${formatApprox(split.perBatchMs)} ms per batch, ${formatPercent(share)} of busy time) ` +
            `rather than item count (${formatApprox(split.perItemMs)} ms per item).`,
        );
      }
    }
  }

  return {
    exponent,
    verdict,
    points: used.length,
    ...exponentUncertainty(logLog, ci),
    twoTerm: twoTerm === undefined ? null : roundTwoTerm(twoTerm),
    basis,
    perBatchMs: split === undefined ? null : roundTo(split.perBatchMs, 3),
    perItemMs: split === undefined ? null : roundTo(split.perItemMs, 3),
    notes,
  };
}
