import { describe, expect, it } from 'vitest';
import { abMetric } from '../../../src/ab/abMetrics.ts';
import { buildAbReport, type AbBatchRow } from '../../../src/ab/abReport.ts';
import { buildReport } from '../../../src/report/buildReport.ts';
import type { ChartData } from '../../../src/report/html/chartData.ts';
import {
  abSection,
  barriersSection,
  budgetsSection,
  qualitySection,
  recommendationsSection,
  scenariosSection,
  timePerItemSection,
  workersSection,
} from '../../../src/report/html/htmlSections.ts';
import type { Report } from '../../../src/report/schema.ts';
import { config, outcome, progress, smallReport, unrankableReport } from '../fixtures.ts';

/*
 * The HTML report's sections as a reader without JavaScript sees them: whole sections are compared, so a
 * heading, a header cell, a unit, a "-" for a missing figure or a row out of order each shows up as a diff.
 */

const lines = (...parts: string[]) => parts.join('\n');
const head = (...cells: string[]) => `<thead><tr>${cells.map((c) => `<th scope="col">${c}</th>`).join('')}</tr></thead>`;
const row = (scenario: string | undefined, ...cells: string[]) => `<tr${scenario === undefined ? '' : ` data-scenario="${scenario}"`}>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
const noCi: ChartData['quality'] = { basis: 'batches', scenarios: [] };

describe('the scenarios section', () => {
  it('lists every scenario with its figures, then the matrix sorted by the varied parameter', () => {
    const report: Report = {
      ...smallReport(),
      matrix: { parameters: ['skillParams.batchSize'], values: { simple: { 'skillParams.batchSize': 10 }, medium: { 'skillParams.batchSize': 5 }, complex: { 'skillParams.batchSize': 20 } } },
    };
    expect(scenariosSection(report)).toBe(
      lines(
        '<section id="scenarios"><h2>Scenarios</h2>',
        '<table id="scenario-table">',
        head('Scenario', 'Status', 'Items', 'Failed', 'Batches', 'Elapsed', 'Busy', 'Waiting', 'Busy per item', 'Overall quality'),
        '<tbody>',
        row('simple', 'simple', 'complete', '100', '0', '10', '4 s', '1 s', '3 s', '10 ms', '0.975'),
        row('medium', 'medium', 'complete', '300', '0', '6', '10 s', '2.4 s', '0 ms', '8 ms', '0.925'),
        row('complex', 'complex', 'failed (error_tolerance_exceeded)', '400', '100', '4', '10 s', '2 s', '0 ms', '5 ms', '0.5333'),
        '</tbody>',
        '</table>',
        '<h3>Matrix (by batchSize)</h3>',
        '<table id="matrix-table">',
        head('batchSize', 'Scenario', 'Status', 'Items', 'Busy per item', 'Overall quality'),
        '<tbody>',
        // The row is found by its scenario, which is the matrix table's second column.
        row('medium', '5', 'medium', 'complete', '300', '8 ms', '0.925'),
        row('simple', '10', 'simple', 'complete', '100', '10 ms', '0.975'),
        row('complex', '20', 'complex', 'failed (error_tolerance_exceeded)', '400', '5 ms', '0.5333'),
        '</tbody>',
        '</table>',
        // No cache note: no batch came from the cache.
        '',
        '</section>',
      ),
    );
  });

  it('has no matrix heading for a run without a matrix', () => {
    const html = scenariosSection(smallReport());
    expect(html).not.toContain('Matrix');
    // Nothing a reader would see between the table and the end of the section.
    expect(html.slice(html.lastIndexOf('</table>') + '</table>'.length, -'</section>'.length).trim()).toBe('');
  });

  it('escapes a scenario name in its cell and in the attribute that finds its row', () => {
    const name = `a<b>&"c'`;
    const own = { ...config, scenarios: config.scenarios.map((s, i) => (i === 0 ? { ...s, name } : s)) };
    const html = scenariosSection(buildReport(outcome([progress(name)]), own));
    expect(html).toContain('<tr data-scenario="a&lt;b&gt;&amp;&quot;c&#39;"><td>a&lt;b&gt;&amp;&quot;c&#39;</td><td>complete</td>');
    expect(html).not.toContain('<b>');
  });
});

describe('the quality section', () => {
  it('ranks the ranked scenarios first, in rank order, then the rest with rank "-", overall last, and a CI table per scenario', () => {
    const small = smallReport();
    // medium ranked above simple, so the rank order differs from the scenarios' own order.
    const report: Report = { ...small, comparison: { ...small.comparison, qualityRanking: ['medium', 'simple'] } };
    const chart: ChartData['quality'] = {
      basis: 'batches',
      scenarios: [
        { scenario: 'simple', estimate: 0.95, low: 0.9, high: 0.99, n: 10 },
        { scenario: 'medium', estimate: 0.85, low: null, high: null, n: 1 },
      ],
    };
    expect(qualitySection(report, chart)).toBe(
      lines(
        '<section id="quality"><h2>Quality</h2>',
        '<table id="quality-table">',
        head('Rank', 'Scenario', 'accuracy', 'coverage', 'latency', 'overall'),
        '<tbody>',
        row('medium', '1', 'medium', '0.85', '1', '-', '0.925'),
        row('simple', '2', 'simple', '0.95', '1', '-', '0.975'),
        row('complex', '-', 'complex', '0.9', '0.5', '0.2', '0.5333'),
        '</tbody>',
        '</table>',
        '<p>Ranked on the mean of accuracy and coverage, the metrics every completed scenario measured. Scores: medium 0.925, simple 0.975. Not ranked: complex failed (error tolerance exceeded).</p>',
        '',
        '<h3>Quality with 95% CI (mean of the per-batch qualityScore (batches are the samples))</h3>',
        '<table id="quality-ci-table">',
        head('Scenario', 'Mean', '95% CI', 'n'),
        '<tbody>',
        row('simple', 'simple', '0.95', '0.9 to 0.99', '10'),
        // One batch has no interval.
        row('medium', 'medium', '0.85', '-', '1'),
        '</tbody>',
        '</table>',
        '</section>',
      ),
    );
  });

  it('says the figures are over repeats when they come from a repeat experiment', () => {
    const html = qualitySection(smallReport(), { basis: 'repeats', scenarios: [{ scenario: 'simple', estimate: 0.9, low: 0.85, high: 0.95, n: 5 }] });
    expect(html).toContain('<h3>Quality with 95% CI (over repeats)</h3>\n<table id="quality-ci-table">');
    expect(html).toContain(row('simple', 'simple', '0.9', '0.85 to 0.95', '5'));
  });

  it('has no CI heading without CI figures, and ranks nothing when the scenarios share no metric', () => {
    expect(qualitySection(unrankableReport(), noCi)).toBe(
      lines(
        '<section id="quality"><h2>Quality</h2>',
        '<table id="quality-table">',
        head('Rank', 'Scenario', 'f1', 'recall', 'overall'),
        '<tbody>',
        row('simple', '-', 'simple', '0.8', '-', '0.8'),
        row('medium', '-', 'medium', '-', '0.5', '0.5'),
        '</tbody>',
        '</table>',
        '<p>Cannot rank: the completed scenarios share no measured quality metric (simple: f1; medium: recall).</p>',
        '',
        '',
        '</section>',
      ),
    );
  });
});

describe('the A/B section', () => {
  /** Three pairs: b is 1.2 times slower in each, and scores 0.80, 0.81, 0.82 against a's 0.9. */
  const rows: AbBatchRow[] = [10, 20, 40].map((ta, i) => ({
    cached: false,
    metrics: { [abMetric.quality('a')]: 0.9, [abMetric.quality('b')]: 0.8 + i * 0.01, [abMetric.ms('a')]: ta, [abMetric.ms('b')]: ta * 1.2, [abMetric.bFirst]: i % 2 },
  }));

  it('shows the versions, one row per scenario with both qualities and times, and the verdicts', () => {
    const ab = buildAbReport({ labels: { a: 'v1', b: 'v<2>' }, scenarios: [{ name: 'simple', rows }] });
    expect(abSection({ ...smallReport(), ab })).toBe(
      lines(
        '<section id="ab"><h2>A/B</h2>',
        '<p>A/B: a = v1, b = v&lt;2&gt; (paired by batch: both ran on the same items)</p>',
        '<table id="ab-table">',
        head('Scenario', 'Pairs', 'Quality a', 'Quality b', 'b − a (points, 95% CI)', 'p', 'Time/batch a', 'Time/batch b', 'b/a time (95% CI)', 'p (time)'),
        '<tbody>',
        row('simple', 'simple', '3', '0.9000', '0.8100', '−9.0 (−11.5 … −6.5)', '0.004', '23.3 ms', '28 ms', '+20.0% (+20.0% … +20.0%)', '&lt; 0.001'),
        '</tbody>',
        '</table>',
        '<ul><li>simple: b is 9.0 points less accurate than a (95% CI −11.5 … −6.5, p = 0.004)</li>' +
          '<li>simple: time: b takes 20.0% more time per batch than a (geometric mean of b/a over 3 pairs, 95% CI +20.0% … +20.0%, p &lt; 0.001; mean difference +4.67 ms, 95% CI −2.92 … +12.26 ms)</li>' +
          '<li>a ran first in 2 batches, b in 1 (they alternate); the scenarios&#39; own quality is the mean of both versions and their busy time covers both</li></ul>',
        '</section>',
      ),
    );
  });

  it('is absent from a run of one skill', () => {
    expect(abSection(smallReport())).toBe('');
  });
});

describe('the workers section', () => {
  it('shows each worker, its share, busy time and throughput ("-" when its calls took no time), and the notes', () => {
    const workers: NonNullable<Report['workers']> = {
      perWorker: [
        { name: 'host-a/1', batches: 3, items: 30, itemsFailed: 10, busyMs: 500, itemsPerBusySecond: 40, batchShare: 0.4286 },
        { name: 'w0', batches: 1, items: 10, itemsFailed: 0, busyMs: 0, itemsPerBusySecond: null, batchShare: 0.1429 },
      ],
      batches: 7,
      otherBatches: 3,
      basis: 'summed over its batches',
    };
    expect(workersSection({ ...smallReport(), workers })).toBe(
      lines(
        '<section id="workers"><h2>Workers</h2>',
        '<p>Workers (2 ran 4 of 7 recorded batches)</p>',
        '<table id="workers-table">',
        head('Worker', 'Batches', 'Share', 'Items', 'Failed', 'Busy', 'Items/busy s'),
        '<tbody>',
        // A worker is not a scenario: its rows carry no data-scenario.
        row(undefined, 'host-a/1', '3', '42.9%', '30', '10', '500 ms', '40'),
        row(undefined, 'w0', '1', '14.3%', '10', '0', '0 ms', '-'),
        '</tbody>',
        '</table>',
        '<ul><li>3 of 7 recorded batches ran on no worker (taken from the cache, or run in the orchestrating process)</li>' +
          '<li>busy time is the skill&#39;s call on the worker, summed over its batches (concurrent calls each count; the queue and the network are not in it)</li></ul>',
        '</section>',
      ),
    );
  });

  it('is absent from a run in one process', () => {
    expect(workersSection(smallReport())).toBe('');
  });
});

describe('the time per item section', () => {
  it('counts only the items the skill ran (not the cached ones), with "-" for a scenario without a time per item, then the verdict and notes', () => {
    const small = smallReport();
    const simple = small.scenarios.simple;
    if (!simple) throw new Error('no scenario simple');
    const timePerItemMs = { ...small.comparison.timePerItemMs, medium: null };
    const report: Report = { ...small, scenarios: { ...small.scenarios, simple: { ...simple, cachedItems: 30 } }, comparison: { ...small.comparison, timePerItemMs } };
    expect(timePerItemSection(report)).toBe(
      lines(
        '<section id="scaling"><h2>Time per item and scaling</h2>',
        '<table id="time-per-item-table">',
        head('Scenario', 'Busy per item', 'Items the skill ran', 'Busy'),
        '<tbody>',
        row('simple', 'simple', '10 ms', '70', '1 s'),
        row('medium', 'medium', '-', '300', '2.4 s'),
        row('complex', 'complex', '5 ms', '400', '2 s'),
        '</tbody>',
        '</table>',
        '<p id="scaling-verdict" data-verdict="inconclusive">Scaling: exponent 0.797 (inconclusive). Compares busy time (time inside the skill, excluding barrier waits and pauses) against items processed across 2 completed scenarios.</p>',
        '<ul><li>A verdict needs at least three completed scenarios with different item counts; with 2, the exponent is only the slope between them.</li>' +
          '<li>Batch sizes differ (simple 10, medium 50), so part of the per-item difference comes from per-batch overhead being spread over more items, not from load.</li></ul>',
        '</section>',
      ),
    );
  });
});

describe('the barriers section', () => {
  it('shows each barrier, how long it stayed open, who arrived and who was late ("-" for nobody)', () => {
    expect(barriersSection(smallReport())).toBe(
      lines(
        '<section id="barriers"><h2>Barriers</h2>',
        '<table id="barrier-table">',
        head('Milestone', 'Released by', 'Open for', 'Arrived', 'Late'),
        '<tbody>',
        row(undefined, '30%', 'all-arrived', '800 ms', 'simple, medium, complex', '-'),
        row(undefined, '70%', 'timeout', '30 s', 'simple, medium', 'complex'),
        '</tbody>',
        '</table>',
        '</section>',
      ),
    );
  });

  it('shows "-" for a barrier nobody arrived at, and every late scenario', () => {
    const small = smallReport();
    const report: Report = { ...small, barriers: [{ milestone: 50, releasedBy: 'timeout', arrived: [], late: ['simple', 'medium'], arrivedAtMs: {}, openedAtMs: 0, releasedAtMs: 1_500 }] };
    expect(barriersSection(report)).toContain(row(undefined, '50%', 'timeout', '1.5 s', '-', 'simple, medium'));
  });

  it('says so when no barrier was reached', () => {
    expect(barriersSection({ ...smallReport(), barriers: [] })).toBe(lines('<section id="barriers"><h2>Barriers</h2>', '<p>No barriers were reached.</p>', '</section>'));
  });
});

describe('the budgets section', () => {
  it('shows each budget held or broken, with the figure against the limit', () => {
    expect(budgetsSection(smallReport())).toBe(
      lines(
        '<section id="budgets"><h2>Budgets</h2>',
        '<table id="budget-table">',
        head('Scenario', 'Time (working)', 'Memory', 'Errors', 'Quality'),
        '<tbody>',
        row('simple', 'simple', 'held 1 s / 30 s', 'held 64 MB / 256 MB', 'held 0% / 0%', 'held 0.975 / basic (0.6)'),
        row('medium', 'medium', 'held 10 s / 90 s', 'held 64 MB / 512 MB', 'held 0% / 5%', 'held 0.925 / good (0.75)'),
        row('complex', 'complex', 'held 10 s / 300 s', 'held 64 MB / 1024 MB', 'BROKEN 12.5% / 10%', 'BROKEN 0.5333 / excellent (0.9)'),
        '</tbody>',
        '</table>',
        '</section>',
      ),
    );
  });
});

describe('the recommendations section', () => {
  it('lists the recommendations, escaped', () => {
    expect(recommendationsSection({ ...smallReport(), recommendations: ['Raise "x" & <y>', 'second'] })).toBe(
      lines('<section id="recommendations"><h2>Recommendations</h2>', '<ul><li>Raise &quot;x&quot; &amp; &lt;y&gt;</li><li>second</li></ul>', '</section>'),
    );
  });

  it('says "None." when there are none', () => {
    expect(recommendationsSection({ ...smallReport(), recommendations: [] })).toBe(lines('<section id="recommendations"><h2>Recommendations</h2>', '<p>None.</p>', '</section>'));
  });
});
