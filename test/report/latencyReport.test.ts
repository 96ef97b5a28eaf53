import { describe, expect, it } from 'vitest';
import type { OrchestrationConfig } from '../../src/config/schema.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { config, outcome, progress } from './fixtures.ts';

/** The default config with complex's latency target removed (it still names latency). */
const withoutTarget: OrchestrationConfig = {
  ...config,
  scenarios: config.scenarios.map((s) => (s.name === 'complex' ? { ...s, latencyTargetMsPerItem: undefined } : s)),
};

describe('latency in the report', () => {
  it('scores latency from the same time per item the comparison shows', () => {
    const report = buildReport(outcome([progress('complex', { busyMs: 2_000 })]), config);
    expect(report.comparison.timePerItemMs.complex).toBe(2.5);
    expect(report.scenarios.complex?.qualityScores.latency).toBe(0.4); // 1 ms target / 2.5 ms
    expect(renderText(report)).toContain('complex: accuracy 0.9, coverage 1, latency 0.4, overall 0.7667');
  });

  it('says latency is not measured without a target, and advises one with this run’s time per item', () => {
    const report = buildReport(outcome([progress('complex', { busyMs: 400 })]), withoutTarget);
    expect(report.scenarios.complex?.qualityScores.latency).toBeNull();
    expect(report.comparison.missingMetrics).toEqual([{ metric: 'latency', reason: 'no-target', scenarios: ['complex'] }]);
    expect(renderText(report)).toContain(
      'note: latency is missing for complex: no latencyTargetMsPerItem to judge time per item against, so it is left out of overall quality and the ranking.',
    );
    expect(report.recommendations).toContain(
      '"latency" is named in qualityMetrics of "complex" without a latencyTargetMsPerItem, so it is not measured: set the busy time per item ' +
        'at or under which it scores 1 (this run took 0.5 ms per item in "complex"), or remove it from qualityMetrics.',
    );
    expect(report.recommendations.join('\n')).not.toContain('never reported "latency"');
  });

  it('says latency has no time per item when every batch came from the cache', () => {
    const report = buildReport(outcome([progress('complex', { busyMs: 0, cachedBatches: 8, cachedItems: 800 })]), config);
    expect(report.comparison.missingMetrics).toEqual([{ metric: 'latency', reason: 'no-timed-items', scenarios: ['complex'] }]);
    expect(renderMarkdown(report)).toContain(
      '- latency is missing for complex: the skill processed no item itself (none succeeded, or every batch came from the cache), so there is no time per item to judge.',
    );
  });

  it("warns that the skill's own latency and coverage are ignored where the scenario names them", () => {
    const report = buildReport(
      outcome([
        progress('simple', { quality: { items: 100, sums: { accuracy: 90, coverage: 50 } } }),
        progress('complex', { busyMs: 800, quality: { items: 800, sums: { accuracy: 720, latency: 80 } } }),
      ]),
      config,
    );
    // The run's own figures: all 800 items (coverage 1) at the 1 ms target (latency 1), not the skill's 0.5 and 0.1.
    expect(report.scenarios.simple?.qualityScores.coverage).toBe(1);
    expect(report.scenarios.complex?.qualityScores.latency).toBe(1);
    expect(report.comparison.ignoredSkillMetrics).toEqual([
      { metric: 'coverage', scenarios: ['simple'] },
      { metric: 'latency', scenarios: ['complex'] },
    ]);
    expect(report.recommendations).toContain(
      'The skill returns its own "latency" (in "complex"), which the report ignores: latency is measured by the run ' +
        '(busy time per item against latencyTargetMsPerItem). Return the skill\'s figure under another name (e.g. "skillLatency") ' +
        'and name that in qualityMetrics to report it.',
    );
    expect(report.recommendations).toContain(
      'The skill returns its own "coverage" (in "simple"), which the report ignores: coverage is measured by the run ' +
        '(items processed over input size). Return the skill\'s figure under another name (e.g. "skillCoverage") ' +
        'and name that in qualityMetrics to report it.',
    );
    expect(ReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('lists no ignored metric when the skill returns none under a run-measured name', () => {
    const report = buildReport(outcome([progress('simple'), progress('complex', { busyMs: 800 })]), config);
    expect(report.comparison.ignoredSkillMetrics).toEqual([]);
    expect(report.recommendations.join('\n')).not.toContain('which the report ignores');
  });
});
