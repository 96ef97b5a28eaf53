/**
 * The progress chart's time axis without the process's downtime. The journal's times are wall-clock, so a
 * run resumed after a crash (or a store outage) has a stretch in which nothing ran; every other figure of
 * the report (elapsed times, budgets, milestones) leaves downtime out. The report only knows the total
 * (`downtimeMs`), so the down periods are found in the journal: stretches in which no batch of any
 * scenario was in flight, matched to the total by length.
 */

/** A batch's time in flight, ms since the run started. */
export interface BusySpan {
  fromMs: number;
  toMs: number;
}

/** A stretch cut out of the axis: it began at `fromMs` (wall-clock ms since the start) and lasted `downMs`. */
export interface DownPeriod {
  fromMs: number;
  downMs: number;
}

export interface DowntimeAxis {
  /** The cut stretches, in time order. */
  periods: DownPeriod[];
  /** Downtime no idle stretch of the journal could hold: it stays on the axis (0 when below the tolerance). */
  unplacedMs: number;
  /** Wall-clock ms since the start → ms on the axis: cut stretches before it taken off; inside one, its start. */
  toAxis: (ms: number) => number;
}

/** Idle stretches between the spans (and between the start, 0, and the first span), in time order. */
export function idleGaps(spans: readonly BusySpan[]): BusySpan[] {
  const ordered = [...spans].sort((a, b) => a.fromMs - b.fromMs);
  const gaps: BusySpan[] = [];
  let coveredTo = 0;
  for (const span of ordered) {
    if (span.fromMs > coveredTo) gaps.push({ fromMs: coveredTo, toMs: span.fromMs });
    coveredTo = Math.max(coveredTo, span.toMs);
  }
  return gaps;
}

/**
 * Places `downtimeMs` in the idle stretches of `spans`. Each round takes the unused stretch whose length is
 * closest to the downtime still to place (a crash leaves a stretch a little longer than its downtime: the
 * batch in flight was lost; a crash just after a batch, one a little shorter), and cuts from it the downtime
 * still to place, or all of it, at its end: the resume is where the stretch ends, and the report's clock
 * counts downtime from the last save before the crash. Stretches shorter than the tolerance (ordinary pauses
 * between batches) are never taken, and leftover downtime below it is not worth a break.
 */
export function placeDowntime(spans: readonly BusySpan[], downtimeMs: number): DowntimeAxis {
  const tolerance = Math.max(500, downtimeMs * 0.05);
  const candidates = idleGaps(spans).filter((gap) => gap.toMs - gap.fromMs >= tolerance);
  const periods: DownPeriod[] = [];
  let remaining = downtimeMs;
  while (remaining >= tolerance && candidates.length > 0) {
    let best = 0;
    const miss = (gap: BusySpan) => Math.abs(gap.toMs - gap.fromMs - remaining);
    candidates.forEach((gap, i) => {
      if (miss(gap) < miss(candidates[best] ?? gap)) best = i;
    });
    const [gap] = candidates.splice(best, 1);
    if (gap === undefined) break;
    const downMs = Math.min(gap.toMs - gap.fromMs, remaining);
    periods.push({ fromMs: gap.toMs - downMs, downMs });
    remaining -= downMs;
  }
  periods.sort((a, b) => a.fromMs - b.fromMs);
  const toAxis = (ms: number) => {
    let cut = 0;
    for (const period of periods) {
      if (ms <= period.fromMs) break;
      cut += Math.min(period.downMs, ms - period.fromMs);
    }
    return ms - cut;
  };
  return { periods, unplacedMs: remaining >= tolerance ? remaining : 0, toAxis };
}
