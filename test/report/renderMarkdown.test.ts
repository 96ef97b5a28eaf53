import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { smallReport, unrankableReport } from './fixtures.ts';

describe('renderMarkdown', () => {
  it('renders headings and GitHub tables', () => {
    expect(renderMarkdown(smallReport())).toMatchInlineSnapshot(`
      "# Scenario report: run-1

      - Skill: simulated@1.0.0
      - Seed: 42
      - Started: 2023-11-14T22:13:20.000Z
      - Finished: 2023-11-14T22:13:32.345Z
      - Downtime: 0 ms

      ## Scenarios

      | Scenario | Status | Items | Failed | Batches | Elapsed | Busy | Waiting | Busy per item | Overall quality |
      | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
      | simple | complete | 100 | 0 | 10 | 4 s | 1 s | 3 s | 10 ms | 0.975 |
      | medium | complete | 300 | 0 | 6 | 10 s | 2.4 s | 0 ms | 8 ms | 0.925 |
      | complex | failed (error_tolerance_exceeded) | 400 | 100 | 4 | 10 s | 2 s | 0 ms | 5 ms | 0.5333 |

      ## Quality

      | Rank | Scenario | accuracy | coverage | latency | overall |
      | --- | --- | --- | --- | --- | --- |
      | 1 | simple | 0.95 | 1 | - | 0.975 |
      | 2 | medium | 0.85 | 1 | - | 0.925 |
      | - | complex | 0.9 | 0.5 | 0.2 | 0.5333 |

      Ranked on the mean of accuracy and coverage, the metrics every completed scenario measured. Scores: simple 0.975, medium 0.925. Not ranked: complex failed (error tolerance exceeded).

      ## Barriers

      | Milestone | Released by | Open for | Arrived | Late |
      | --- | --- | --- | --- | --- |
      | 30% | all-arrived | 800 ms | simple, medium, complex | - |
      | 70% | timeout | 30 s | simple, medium | complex |

      ## Scaling

      exponent 0.797 (inconclusive). Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed across 2 completed scenarios.

      - A verdict needs at least three completed scenarios with different item counts; with 2, the exponent is only the slope between them.
      - Batch sizes differ (simple 10, medium 50), so part of the per-item difference comes from per-batch overhead being spread over more items, not from load.

      ## Budgets

      | Scenario | Time (working) | Memory | Errors | Quality |
      | --- | --- | --- | --- | --- |
      | simple | held 1 s / 30 s | held 64 MB / 256 MB | held 0% / 0% | held 0.975 / basic (0.6) |
      | medium | held 10 s / 90 s | held 64 MB / 512 MB | held 0% / 5% | held 0.925 / good (0.75) |
      | complex | held 10 s / 300 s | held 64 MB / 1024 MB | BROKEN 12.5% / 10% | BROKEN 0.5333 / excellent (0.9) |

      ## Recommendations

      - 2 of 3 scenarios completed; failed: "complex".
      - Scenario "complex" failed because it exceeded its error tolerance (12.5% of items failed against 10% allowed) after 400 items; last error: "upstream 503".
      - The barrier at 70% was released by its timeout after 30 s with "complex" still missing: raise barriers.timeoutMs, or check what held up "complex".
      "
    `);
  });

  it('escapes pipes inside table cells', () => {
    const report = smallReport();
    const withPipe = { ...report, barriers: [{ ...report.barriers[1]!, late: ['a|b'] }] };
    expect(renderMarkdown(withPipe)).toContain('| a\\|b |');
  });
  it('says it cannot rank scenarios that share no measured metric, and still lists every scenario', () => {
    const md = renderMarkdown(unrankableReport());
    expect(md).toContain('| - | simple | 0.8 | - | 0.8 |');
    expect(md).toContain('| - | medium | - | 0.5 | 0.5 |');
    expect(md).toContain('Cannot rank: the completed scenarios share no measured quality metric (simple: f1; medium: recall).');
  });
});
