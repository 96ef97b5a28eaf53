import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/report/renderText.ts';
import { smallReport, unrankableReport } from './fixtures.ts';

describe('renderText', () => {
  it('renders status, times, barriers, scaling, budgets and recommendations as plain text', () => {
    expect(renderText(smallReport())).toMatchInlineSnapshot(`
      "Orchestration run-1: skill simulated@1.0.0, seed 42
      Started 2023-11-14T22:13:20.000Z, finished 2023-11-14T22:13:32.345Z, downtime 0 ms

      Scenarios
        Scenario  Status                             Items  Failed  Batches  Elapsed  Busy   Waiting  Busy per item  Overall quality
        simple    complete                           100    0       10       4 s      1 s    3 s      10 ms          0.975
        medium    complete                           300    0       6        10 s     2.4 s  0 ms     8 ms           0.925
        complex   failed (error_tolerance_exceeded)  400    100     4        10 s     2 s    0 ms     5 ms           0.5333

      Quality (ranking: simple > medium)
        simple: accuracy 0.95, coverage 1, overall 0.975
        medium: accuracy 0.85, coverage 1, overall 0.925
        complex: accuracy 0.9, coverage 0.5, latency 0.2, overall 0.5333
        basis: Ranked on the mean of accuracy and coverage, the metrics every completed scenario measured. Scores: simple 0.975, medium 0.925. Not ranked: complex failed (error tolerance exceeded).

      Barriers
        30%: released when all arrived, after 800 ms; arrived: simple, medium, complex
        70%: released by timeout, after 30 s; arrived: simple, medium; late: complex

      Scaling: exponent 0.797 (inconclusive). Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed across 2 completed scenarios.
        note: A verdict needs at least three completed scenarios with different item counts; with 2, the exponent is only the slope between them.
        note: Batch sizes differ (simple 10, medium 50), so part of the per-item difference comes from per-batch overhead being spread over more items, not from load.

      Budgets
        Scenario  Time (working)     Memory                Errors              Quality
        simple    held 1 s / 30 s    held 64 MB / 256 MB   held 0% / 0%        held 0.975 / basic (0.6)
        medium    held 10 s / 90 s   held 64 MB / 512 MB   held 0% / 5%        held 0.925 / good (0.75)
        complex   held 10 s / 300 s  held 64 MB / 1024 MB  BROKEN 12.5% / 10%  BROKEN 0.5333 / excellent (0.9)

      Errors
        complex 2023-11-14T22:13:25.000Z batch 4: upstream 503

      Recommendations
        - 2 of 3 scenarios completed; failed: "complex".
        - Scenario "complex" failed because it exceeded its error tolerance (12.5% of items failed against 10% allowed) after 400 items; last error: "upstream 503".
        - The barrier at 70% was released by its timeout after 30 s with "complex" still missing: raise barriers.timeoutMs, or check what held up "complex".
      "
    `);
  });

  it('uses no ANSI escape codes', () => {
    expect(renderText(smallReport())).not.toContain(String.fromCharCode(27));
  });
  it('says it cannot rank scenarios that share no measured metric, rather than inventing an order', () => {
    const text = renderText(unrankableReport());
    expect(text).toContain('Quality (no ranking)\n');
    expect(text).toContain('  basis: Cannot rank: the completed scenarios share no measured quality metric (simple: f1; medium: recall).\n');
  });
});
