import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/report/buildReport.ts';
import { buildChartData, ChartDataSchema } from '../../../src/report/html/chartData.ts';
import { escapeHtml, inlineSafely, jsonForScript } from '../../../src/report/html/escape.ts';
import { renderHtml, type HtmlAssets } from '../../../src/report/html/renderHtml.ts';
import { config, outcome, progress, smallReport } from '../fixtures.ts';

const assets: HtmlAssets = { uplotJs: 'var uPlot = function () {};', uplotCss: '.uplot { display: block; }', chartsJs: 'export function renderCharts() {}' };

/** The text of the page's JSON data element, as the browser's textContent would give it. */
function embeddedJson(html: string): unknown {
  const match = /<script type="application\/json" id="chart-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no chart data element');
  return JSON.parse(match[1]);
}

describe('renderHtml', () => {
  it('puts the report\'s figures in tables that need no JavaScript', () => {
    const report = smallReport();
    const html = renderHtml(report, buildChartData(report, []), assets);
    expect(html).toMatch(/<tr data-scenario="simple"><td>simple<\/td><td>complete<\/td><td>100<\/td><td>0<\/td><td>10<\/td><td>4 s<\/td><td>1 s<\/td><td>3 s<\/td><td>10 ms<\/td><td>0.975<\/td><\/tr>/);
    expect(html).toContain('<tr data-scenario="medium"><td>medium</td><td>8 ms</td>');
    expect(html).toContain('Ranked on the mean of accuracy and coverage');
    expect(html).toContain('<td>70%</td><td>timeout</td><td>30 s</td>');
    expect(html).toMatch(/<p id="scaling-verdict" data-verdict="inconclusive">Scaling: exponent /);
    expect(html).toContain('<li>complex 2023-11-14T22:13:25.000Z batch 4: upstream 503</li>');
    for (const recommendation of report.recommendations) expect(html).toContain(escapeHtml(recommendation));
  });

  it('escapes user text everywhere, and data cannot end its script element', () => {
    const hostile = '</script><script>alert(1)</script><!--';
    const tag = '<img src=x onerror=alert(2)>';
    const own = { ...config, scenarios: config.scenarios.map((s, i) => (i === 0 ? { ...s, name: hostile } : i === 1 ? { ...s, name: tag } : s)) };
    const report = buildReport(
      outcome([progress(hostile, { errors: [{ at: 1_700_000_001_000, message: '"quoted" & <b>bold</b>' }] }), progress(tag)], { orchestrationId: 'run-<1>' }),
      own,
    );
    const data = buildChartData(report, []);
    const html = renderHtml(report, data, assets);
    // Three script elements (data, uPlot, charts), so three closing tags: none came from the data.
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('<title>Scenario report: run-&lt;1&gt;</title>');
    expect(html).toContain('&quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    // The data comes back whole.
    expect(ChartDataSchema.parse(embeddedJson(html))).toEqual(data);
    expect(data.scenarios).toEqual([hostile, tag]);
  });

  it('inlines uPlot, its stylesheet and the charts module, and forbids loading anything', () => {
    const report = smallReport();
    const html = renderHtml(report, buildChartData(report, []), assets);
    expect(html).toContain(`<script>\n${assets.uplotJs}\n</script>`);
    expect(html).toContain(assets.uplotCss);
    expect(html).toMatch(/<script type="module">\nexport function renderCharts\(\) \{\}\nrenderCharts\(document.getElementById\('report-charts'\)/);
    expect(html).toContain(`content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'`);
    expect(html).not.toMatch(/\s(src|href)=/);
  });
});

describe('escaping helpers', () => {
  it('jsonForScript leaves no <, > or & and parses back to the same value', () => {
    const value = { a: '</script><!-- & \u2028', b: [1, null] };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('inlineSafely refuses code that would end its element early', () => {
    expect(() => inlineSafely('const s = "</SCRIPT>";', 'script')).toThrow(/<\/SCRIPT/);
    expect(() => inlineSafely('/* <!-- */', 'script')).toThrow(/<!--/);
    expect(() => inlineSafely('a::after { content: "</style>" }', 'style')).toThrow(/<\/style/);
    expect(inlineSafely('const a = 1 < 2;', 'script')).toBe('const a = 1 < 2;');
  });
});

describe('the shipped assets', () => {
  it('inline into a page: uPlot and charts.js hold nothing that would end their script element', async () => {
    const { loadChartAssets } = await import('../../../src/inspect/staticAssets.ts');
    const shipped = await loadChartAssets();
    expect(shipped.uplotJs).toContain('leeoniya/uPlot');
    expect(shipped.chartsJs).toContain('export function renderCharts(');
    const report = smallReport();
    const html = renderHtml(report, buildChartData(report, []), shipped);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
  });
});
