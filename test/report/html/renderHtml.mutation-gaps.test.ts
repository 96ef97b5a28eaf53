import { describe, expect, it } from 'vitest';
import { buildChartData } from '../../../src/report/html/chartData.ts';
import { renderHtml, type HtmlAssets } from '../../../src/report/html/renderHtml.ts';
import type { Report } from '../../../src/report/schema.ts';
import { smallReport } from '../fixtures.ts';

const assets: HtmlAssets = { uplotJs: '', uplotCss: '', chartsJs: '' };
const page = (report: Report) => renderHtml(report, buildChartData(report, []), assets);

/** The page's text from `start` up to (not including) `end`. */
function between(html: string, start: string, end: string): string {
  const from = html.indexOf(start);
  if (from === -1) throw new Error(`no ${start} in the page`);
  const to = html.indexOf(end, from);
  if (to === -1) throw new Error(`no ${end} after ${start} in the page`);
  return html.slice(from, to);
}

describe('the HTML report page', () => {
  it('heads the page with the run id and its facts: skill, seed, start, finish, downtime and the process memory', () => {
    const report: Report = { ...smallReport(), orchestrationId: 'run-<1>', downtimeMs: 1_500, process: { peakHeapMb: 12.34, peakRssMb: 100 } };
    expect(between(page(report), '<header>', '<section id="charts">')).toBe(
      [
        '<header>',
        '<h1>Scenario report: run-&lt;1&gt;</h1>',
        '<dl>' +
          '<div><dt>Skill</dt><dd>simulated@1.0.0</dd></div>' +
          '<div><dt>Seed</dt><dd>42</dd></div>' +
          '<div><dt>Started</dt><dd>2023-11-14T22:13:20.000Z</dd></div>' +
          '<div><dt>Finished</dt><dd>2023-11-14T22:13:32.345Z</dd></div>' +
          '<div><dt>Downtime</dt><dd>1.5 s</dd></div>' +
          '<div><dt>Process memory</dt><dd>peak heap 12.3 MB, peak RSS 100 MB (the whole process: every scenario together)</dd></div>' +
          '</dl>',
        '</header>',
        '',
      ].join('\n'),
    );
  });

  it('shows "-" for a start or finish it does not know, and no process memory for a report rebuilt from the store', () => {
    const rebuilt: Report = { ...smallReport(), startedAt: null, finishedAt: null };
    delete rebuilt.process;
    const facts = between(page(rebuilt), '<dl>', '</dl>');
    expect(facts).toContain('<div><dt>Started</dt><dd>-</dd></div><div><dt>Finished</dt><dd>-</dd></div>');
    expect(facts).not.toContain('Process memory');
  });

  it('says the charts need JavaScript and that every figure is also in the tables', () => {
    expect(between(page(smallReport()), '<section id="charts">', '<section id="scenarios">')).toBe(
      [
        '<section id="charts"><h2>Charts</h2>',
        '<noscript><p>The charts need JavaScript; every figure is also in the tables below.</p></noscript>',
        '<div class="report-charts" id="report-charts"></div>',
        '</section>',
        '',
      ].join('\n'),
    );
  });

  it('lists every error with its scenario, time, batch when known, and message, escaped', () => {
    const small = smallReport();
    const simple = small.scenarios.simple;
    if (!simple) throw new Error('no scenario simple');
    const report: Report = { ...small, scenarios: { ...small.scenarios, simple: { ...simple, errors: [{ at: '2023-11-14T22:13:21.000Z', message: 'bad <input> & "more"' }] } } };
    expect(between(page(report), '<section id="errors">', '</section>')).toBe(
      '<section id="errors"><h2>Errors</h2><ul>' +
        // No batch index: none is shown.
        '<li>simple 2023-11-14T22:13:21.000Z: bad &lt;input&gt; &amp; &quot;more&quot;</li>' +
        '<li>complex 2023-11-14T22:13:25.000Z batch 4: upstream 503</li>' +
        '</ul>',
    );
  });

  it('has no errors section when nothing failed', () => {
    const small = smallReport();
    const complex = small.scenarios.complex;
    if (!complex) throw new Error('no scenario complex');
    const html = page({ ...small, scenarios: { ...small.scenarios, complex: { ...complex, errors: [] } } });
    expect(html).not.toContain('<h2>Errors</h2>');
    // Nothing a reader would see between the budgets and the recommendations.
    expect(between(html, '<section id="budgets">', '<section id="recommendations">').split('</section>')[1]?.trim()).toBe('');
  });
});
