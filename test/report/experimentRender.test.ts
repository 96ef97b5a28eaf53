import { describe, expect, it } from 'vitest';
import { buildExperimentReport, EXPERIMENT_DEFINITIONS } from '../../src/report/experimentReport.ts';
import { renderExperimentMarkdown, renderExperimentText } from '../../src/report/experimentRender.ts';
import type { ExperimentReport, RepeatedMeasure } from '../../src/report/experimentSchema.ts';
import { describeScaling } from '../../src/report/phrases.ts';
import type { ScenarioProgress } from '../../src/report/schema.ts';
import { progress, storedRepeat } from './fixtures.ts';

const NAMES = ['simple', 'medium'];
const BATCH_SIZES: Record<string, number> = { simple: 10, medium: 50 };

/** Repeat `index` of experiment E as a stored run: its scenarios in rotated order. */
const repeat = (index: number, scenarios: ScenarioProgress[]) => storedRepeat(NAMES, index, scenarios, 'complete', BATCH_SIZES);

/** Three repeats: simple's busy time 2, 2.5 and 3 ms per item and accuracy 0.90..0.92; medium the same each time. */
function threeRepeats(): ExperimentReport {
  const runs = [200, 250, 300].map((busy, i) =>
    repeat(i + 1, [
      progress('simple', { busyMs: busy, elapsedMs: busy + 50, quality: { items: 100, sums: { accuracy: 90 + i } } }),
      progress('medium', { busyMs: 1_000, elapsedMs: 1_000 }),
    ]),
  );
  return buildExperimentReport({ experimentId: 'E', seed: 7, sameData: false, repeats: 3, runs });
}

const definitions = Object.values(EXPERIMENT_DEFINITIONS);

/** A figure with the given values and no intervals (as for fewer than three repeats). */
function figure(overrides: Partial<RepeatedMeasure>): RepeatedMeasure {
  return { n: 2, median: 1, medianCi95: null, meanKind: 'arithmetic', mean: 1, meanCi95: null, standardDeviation: 0, values: [], outliers: [], ...overrides };
}

/**
 * A report at the edges a renderer meets: a missing repeat (no seed, no order), a scenario with no figure, a
 * geometric and an arithmetic time in one table, two outliers, a metric only one scenario names and no notes.
 */
function edgeReport(ab: ExperimentReport['ab'] = null): ExperimentReport {
  const report = threeRepeats();
  return {
    ...report,
    sameData: true,
    skill: null,
    runs: [report.runs[0] as ExperimentReport['runs'][number], { index: 2, runId: 'E.r2', seed: null, status: 'missing', scenarioOrder: [] }],
    scenarios: {
      fast: {
        completedIn: ['E.r1'],
        notCompletedIn: [],
        quality: { speed: figure({ median: 0.5, mean: 0.5 }) },
        timePerItemMs: figure({ median: 0, mean: 0 }),
        throughputPerSecond: null,
      },
      slow: {
        completedIn: ['E.r1'],
        notCompletedIn: [],
        quality: {},
        timePerItemMs: figure({ meanKind: 'geometric', median: 4, mean: 4, outliers: ['E.r5', 'E.r6'] }),
        throughputPerSecond: null,
      },
    },
    ab,
    notes: [],
  };
}

describe('renderExperimentText', () => {
  it('prints the header, the repeats, one aligned table per figure with overall quality first, the scaling fit, the notes and how to read it', () => {
    const report = threeRepeats();
    expect(renderExperimentText(report).split('\n')).toEqual([
      "Experiment E: 3 repeats, skill simulated@1.0.0, seed 7 (each repeat's seed derived from it)",
      '',
      'Repeats',
      '  #  Run   Seed  Status    Started in order',
      '  1  E.r1  1001  complete  simple > medium',
      '  2  E.r2  1002  complete  medium > simple',
      '  3  E.r3  1003  complete  simple > medium',
      '',
      'Busy time per item (ms)',
      '  Scenario  Median [95% CI]       Geometric mean [95% CI]  n  Outliers',
      '  simple    2.5 [2, 3]            2.466 [1.489, 4.084]     3  -',
      '  medium    3.333 [3.333, 3.333]  3.333 [3.333, 3.333]     3  -',
      '',
      'Throughput (items per second of working time)',
      '  Scenario  Median [95% CI]     Geometric mean [95% CI]  n  Outliers',
      '  simple    333.3 [285.7, 400]  336.5 [221.4, 511.3]     3  -',
      '  medium    300 [300, 300]      300 [300, 300]           3  -',
      '',
      'Quality: overall',
      '  Scenario  Median [95% CI]     Mean [95% CI]           n  Outliers',
      '  simple    0.955 [0.95, 0.96]  0.955 [0.9426, 0.9674]  3  -',
      '  medium    0.95 [0.95, 0.95]   0.95 [0.95, 0.95]       3  -',
      '',
      'Quality: accuracy',
      '  Scenario  Median [95% CI]   Mean [95% CI]          n  Outliers',
      '  simple    0.91 [0.9, 0.92]  0.91 [0.8852, 0.9348]  3  -',
      '  medium    0.9 [0.9, 0.9]    0.9 [0.9, 0.9]         3  -',
      '',
      'Quality: coverage',
      '  Scenario  Median [95% CI]  Mean [95% CI]  n  Outliers',
      '  simple    1 [1, 1]         1 [1, 1]       3  -',
      '  medium    1 [1, 1]         1 [1, 1]       3  -',
      '',
      `Scaling over every repeat: ${describeScaling(report.scaling)}`,
      ...report.scaling.notes.map((n) => `  note: ${n}`),
      '',
      'Notes',
      '  - simple: n = 3, so the intervals are wide (with fewer than 5 values a bootstrap interval of the median is about the range of the values); coverage quality was identical in every repeat.',
      '  - medium: n = 3; time per item, throughput, accuracy quality, coverage quality and overall quality were identical in every repeat.',
      '',
      'How to read it',
      ...definitions.map((d) => `  - ${d}`),
      '',
    ]);
    expect(report.scaling.notes.length).toBeGreaterThan(0);
  });

  it('prints a missing repeat and a scenario without a figure as dashes, marks an arithmetic mean under a geometric heading, and says there are no notes', () => {
    const text = renderExperimentText(edgeReport());
    const blocks = text.split('\n\n');
    expect(blocks[0]).toBe('Experiment E: 3 repeats, every repeat on seed 7 (sameData)');
    expect(blocks[1]?.split('\n')).toEqual([
      'Repeats',
      '  #  Run   Seed  Status    Started in order',
      '  1  E.r1  1001  complete  simple > medium',
      '  2  E.r2  -     missing   -',
    ]);
    expect(blocks[2]?.split('\n')).toEqual([
      'Busy time per item (ms)',
      '  Scenario  Median [95% CI]  Geometric mean [95% CI]  n  Outliers',
      '  fast      0                0 (arithmetic)           2  -',
      '  slow      4                4                        2  E.r5, E.r6',
    ]);
    expect(blocks[3]?.split('\n')).toEqual([
      'Throughput (items per second of working time)',
      '  Scenario  Median [95% CI]  Mean [95% CI]  n  Outliers',
      '  fast      -                -              0  -',
      '  slow      -                -              0  -',
    ]);
    // Only fast names speed: slow is no row of the table, and without `overall` the metrics keep their order.
    expect(blocks[4]?.split('\n')).toEqual([
      'Quality: speed',
      '  Scenario  Median [95% CI]  Mean [95% CI]  n  Outliers',
      '  fast      0.5              0.5            2  -',
    ]);
    expect(blocks.at(-2)).toBe('Notes\n  none');
    expect(text).not.toContain('A/B');
  });

  it('prints each repeat\'s A/B verdict under the versions compared', () => {
    const text = renderExperimentText(edgeReport(abPart()));
    expect(text.split('\n\n')).toContain(["A/B: s@1 vs s@2; each repeat's verdict on quality", '  fast in E.r1: b is better', '  fast in E.r2: no difference'].join('\n'));
  });
});

function abPart(): ExperimentReport['ab'] {
  return {
    versions: { a: 's@1', b: 's@2' },
    scenarios: {
      fast: {
        repeats: [
          { runId: 'E.r1', pairedBatches: 4, qualityDifference: 0.05, timeRatio: 2, verdict: 'b is better' },
          { runId: 'E.r2', pairedBatches: 4, qualityDifference: 0, timeRatio: 2, verdict: 'no difference' },
        ],
        qualityDifference: figure({ median: 0.025, mean: 0.025 }),
        timeRatio: figure({ meanKind: 'geometric', median: 2, mean: 2 }),
      },
    },
  };
}

describe('renderExperimentMarkdown', () => {
  it('puts the same tables under headings, then the scaling fit, the notes and how to read it', () => {
    const report = threeRepeats();
    const markdown = renderExperimentMarkdown(report);
    expect(markdown.split('\n').slice(0, 16)).toEqual([
      "# Experiment E: 3 repeats, skill simulated@1.0.0, seed 7 (each repeat's seed derived from it)",
      '',
      '## Repeats',
      '',
      '| # | Run | Seed | Status | Started in order |',
      '| --- | --- | --- | --- | --- |',
      '| 1 | E.r1 | 1001 | complete | simple > medium |',
      '| 2 | E.r2 | 1002 | complete | medium > simple |',
      '| 3 | E.r3 | 1003 | complete | simple > medium |',
      '',
      '## Busy time per item (ms)',
      '',
      '| Scenario | Median [95% CI] | Geometric mean [95% CI] | n | Outliers |',
      '| --- | --- | --- | --- | --- |',
      '| simple | 2.5 [2, 3] | 2.466 [1.489, 4.084] | 3 | - |',
      '| medium | 3.333 [3.333, 3.333] | 3.333 [3.333, 3.333] | 3 | - |',
    ]);
    const tail = markdown.slice(markdown.indexOf('## Scaling over every repeat'));
    expect(tail.split('\n')).toEqual([
      '## Scaling over every repeat',
      '',
      describeScaling(report.scaling),
      ...report.scaling.notes.map((n) => `- ${n}`),
      '',
      '## Notes',
      '',
      '- simple: n = 3, so the intervals are wide (with fewer than 5 values a bootstrap interval of the median is about the range of the values); coverage quality was identical in every repeat.',
      '- medium: n = 3; time per item, throughput, accuracy quality, coverage quality and overall quality were identical in every repeat.',
      '',
      '## How to read it',
      '',
      ...definitions.map((d) => `- ${d}`),
      '',
    ]);
    expect(markdown).toContain(['', '## Quality: overall', '', '| Scenario | Median [95% CI] | Mean [95% CI] | n | Outliers |'].join('\n'));
  });

  it('lists the A/B verdicts under a heading, and says None. when there are no notes', () => {
    const markdown = renderExperimentMarkdown(edgeReport(abPart()));
    expect(markdown).toContain(['', '', "## A/B: s@1 vs s@2; each repeat's verdict on quality", '', '- fast in E.r1: b is better', '- fast in E.r2: no difference', '', '## Scaling'].join('\n'));
    expect(markdown).toContain('\n## Notes\n\nNone.\n\n## How to read it\n');
    expect(markdown).toContain('| 2 | E.r2 | - | missing | - |');
    expect(markdown).toContain('| fast | 0 | 0 (arithmetic) | 2 | - |');
    // Without A/B the last table is followed by the scaling fit, with no heading between them.
    expect(renderExperimentMarkdown(edgeReport())).toContain('| fast | 0.5 | 0.5 | 2 | - |\n\n## Scaling over every repeat\n');
  });
});
