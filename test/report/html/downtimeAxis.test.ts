import { describe, expect, it } from 'vitest';
import { idleGaps, placeDowntime, type BusySpan } from '../../../src/report/html/downtimeAxis.ts';

/** Back-to-back batches of `ms` each from `fromMs` to `toMs` (the last may end early). */
function batches(fromMs: number, toMs: number, ms = 400): BusySpan[] {
  const spans: BusySpan[] = [];
  for (let at = fromMs; at < toMs; at += ms) spans.push({ fromMs: at + 5, toMs: Math.min(at + ms, toMs) });
  return spans;
}

describe('idleGaps', () => {
  it('finds the stretches no span covers, overlapping spans merged, from the start (0) on', () => {
    expect(idleGaps([{ fromMs: 300, toMs: 500 }, { fromMs: 100, toMs: 400 }, { fromMs: 900, toMs: 1000 }, { fromMs: 950, toMs: 960 }])).toEqual([
      { fromMs: 0, toMs: 100 },
      { fromMs: 500, toMs: 900 },
    ]);
    expect(idleGaps([])).toEqual([]);
  });
});

describe('placeDowntime', () => {
  it('cuts a crash out at the end of its idle stretch, so times after the resume lose the downtime and times before keep theirs', () => {
    // Batches to 2 400 ms; a crash lost the batch in flight; resumed at 15 900 ms (13 498 ms of downtime, counted
    // from the last save); batches to 16 550 ms. This is the journal of a real SIGKILL and resume.
    const axis = placeDowntime([...batches(0, 2_400), ...batches(15_900, 16_553, 653)], 13_498);
    // The idle stretch runs from 2 400 to 15 905 ms (the first batch after the resume began then).
    expect(axis.periods).toEqual([{ fromMs: 15_905 - 13_498, downMs: 13_498 }]);
    expect(axis.unplacedMs).toBe(0);
    expect(axis.toAxis(1_000)).toBe(1_000);
    expect(axis.toAxis(16_553)).toBe(16_553 - 13_498);
    // Inside the cut: its start, so nothing moves backwards.
    expect(axis.toAxis(10_000)).toBe(2_407);
    expect(axis.toAxis(2_407)).toBe(2_407);
  });

  it('takes the whole stretch when the downtime is a little longer (batches recorded after the last save are counted at the resume)', () => {
    const axis = placeDowntime([...batches(0, 2_000), ...batches(9_000, 10_000)], 7_200);
    expect(axis.periods).toEqual([{ fromMs: 2_000, downMs: 7_005 }]);
    // 195 ms left: below the tolerance, an ordinary pause between batches, not worth a break.
    expect(axis.unplacedMs).toBe(0);
    expect(axis.toAxis(10_000)).toBe(10_000 - 7_005);
  });

  it('places two crashes in their own stretches, and leaves a longer idle stretch of another cause (a pause of every scenario) alone', () => {
    const spans = [...batches(0, 1_000), ...batches(11_000, 12_000), ...batches(21_000, 22_000), ...batches(52_000, 53_000)];
    // Stretches: 1 000 → 11 005 (crash 1), 12 000 → 21 005 (crash 2), 22 000 → 52 005 (paused for 30 s).
    const axis = placeDowntime(spans, 10_000 + 9_000);
    expect(axis.periods).toEqual([
      { fromMs: 11_005 - 10_005, downMs: 10_005 },
      { fromMs: 21_005 - 8_995, downMs: 8_995 },
    ]);
    expect(axis.toAxis(53_000)).toBe(53_000 - 19_000);
    expect(axis.toAxis(30_000)).toBe(30_000 - 19_000);
  });

  it('changes nothing without downtime, and says what it could not place when the journal has no stretch for it', () => {
    const spans = batches(0, 5_000);
    const none = placeDowntime(spans, 0);
    expect(none.periods).toEqual([]);
    expect(none.toAxis(4_321)).toBe(4_321);
    // A store outage while a long batch ran: no idle stretch holds 3 s.
    const unplaced = placeDowntime([{ fromMs: 0, toMs: 8_000 }], 3_000);
    expect(unplaced.periods).toEqual([]);
    expect(unplaced.unplacedMs).toBe(3_000);
    expect(unplaced.toAxis(8_000)).toBe(8_000);
  });
});
