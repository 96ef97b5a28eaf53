import { describe, expect, it } from 'vitest';
import { checkBudgets } from '../../src/report/budgets.ts';
import { buildReport } from '../../src/report/buildReport.ts';
import { renderMarkdown } from '../../src/report/renderMarkdown.ts';
import { renderText } from '../../src/report/renderText.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { config, definition, outcome, progress } from './fixtures.ts';

/** A run whose skill reported no memory of its own and ran in the process (no isolation): every figure is 0. Complex meets its 1 ms latency target. */
const unmeasured = () => ['simple', 'medium', 'complex'].map((name) => progress(name, { memoryUsedMb: 0, ...(name === 'complex' ? { busyMs: 800 } : {}) }));

describe('memory in the report', () => {
  it('does not judge a memory limit nothing measured: held is null and the figure reads "not measured"', () => {
    expect(checkBudgets(progress('simple', { memoryUsedMb: 0 }), definition('simple'), 1).memory).toEqual({
      held: null,
      limit: 256,
      actual: 'not measured',
      unit: 'MB',
    });
  });

  it('judges a scenario whose skill ran out of memory as broken, though its figure is the limit itself', () => {
    const failed = progress('simple', { status: 'failed', failureReason: 'memory_limit_exceeded', memoryUsedMb: 256 });
    expect(checkBudgets(failed, definition('simple'), 1).memory).toEqual({ held: false, limit: 256, actual: 256, unit: 'MB' });
  });

  it('says "not measured" in the budget tables, counts no broken budget, and recommends how to measure', () => {
    const report = buildReport(outcome(unmeasured()), config);
    expect(renderText(report)).toMatch(/simple +held .* not measured \/ 256 MB/);
    expect(renderMarkdown(report)).toContain('| not measured / 256 MB |');
    expect(report.recommendations[0]).toBe('All 3 scenarios completed within their budgets.');
    expect(report.recommendations).toContain(
      'The memory limits of "simple", "medium" and "complex" were not measured: the process heap is shared by every scenario in it, ' +
        'so set isolation to "worker" to run each scenario\'s skill in a worker thread capped at its limit, or return memoryMb from run().',
    );
  });

  it('names only the scenarios whose memory was not measured', () => {
    const report = buildReport(outcome([progress('simple', { memoryUsedMb: 12 }), progress('medium', { memoryUsedMb: 0 })]), config);
    expect(report.budgets.simple?.memory).toMatchObject({ held: true, actual: 12 });
    expect(report.recommendations.filter((r) => r.includes('not measured'))).toEqual([expect.stringMatching(/^The memory limit of "medium" was not measured: /)]);
  });

  it('reports the process memory once, for the run, when the driving process measured it', () => {
    const report = buildReport(outcome(unmeasured(), { process: { peakHeapMb: 85.24, peakRssMb: 210.46 } }), config);
    expect(report.process).toEqual({ peakHeapMb: 85.2, peakRssMb: 210.5 });
    expect(ReportSchema.parse(report).process).toEqual({ peakHeapMb: 85.2, peakRssMb: 210.5 });
    expect(renderText(report)).toContain('Process memory: peak heap 85.2 MB, peak RSS 210.5 MB (the whole process: every scenario together)');
    expect(renderMarkdown(report)).toContain('- Process memory: peak heap 85.2 MB, peak RSS 210.5 MB (the whole process: every scenario together)');
    // No scenario's figure is taken from it.
    expect(Object.values(report.scenarios).map((s) => s.memoryUsedMb)).toEqual([0, 0, 0]);
  });

  it('leaves the process figure out of a report rebuilt without one', () => {
    const report = buildReport(outcome(unmeasured()), config);
    expect('process' in report).toBe(false);
    expect(renderText(report)).not.toContain('Process memory');
  });
});
