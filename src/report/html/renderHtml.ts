import { formatMs } from '../format.ts';
import { describeProcessMemory } from '../phrases.ts';
import type { Report } from '../schema.ts';
import type { ChartData } from './chartData.ts';
import { escapeHtml, inlineSafely, jsonForScript } from './escape.ts';
import { abSection, barriersSection, budgetsSection, qualitySection, recommendationsSection, scenariosSection, timePerItemSection, workersSection } from './htmlSections.ts';
import { REPORT_CSS } from './reportStyle.ts';
import { skillLabel } from '../../ab/skillLabel.ts';

/** The code the page inlines: uPlot (its IIFE build and stylesheet) and the charts module the inspector also serves. */
export interface HtmlAssets {
  uplotJs: string;
  uplotCss: string;
  /** src/inspect/public/charts.js: an ES module exporting renderCharts(container, chartData). */
  chartsJs: string;
}

/**
 * Nothing may leave the page: every resource is inline, and the policy forbids fetching any (a
 * `file://` page would otherwise be free to load from the network).
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

function header(report: Report): string {
  const facts: [string, string][] = [
    ['Skill', skillLabel(report.skill)],
    ['Seed', String(report.seed)],
    ['Started', report.startedAt ?? '-'],
    ['Finished', report.finishedAt ?? '-'],
    ['Downtime', formatMs(report.downtimeMs)],
    ...(report.process ? [['Process memory', describeProcessMemory(report.process)] as [string, string]] : []),
  ];
  return [
    '<header>',
    `<h1>Scenario report: ${escapeHtml(report.orchestrationId)}</h1>`,
    `<dl>${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>`,
    '</header>',
  ].join('\n');
}

/** Figures the charts module fills; each says what it shows, so the page reads without JavaScript too. */
function chartsSection(): string {
  return `<section id="charts"><h2>Charts</h2>
<noscript><p>The charts need JavaScript; every figure is also in the tables below.</p></noscript>
<div class="report-charts" id="report-charts"></div>
</section>`;
}

function errorsSection(report: Report): string {
  const errors = Object.entries(report.scenarios).flatMap(([name, s]) =>
    s.errors.map((e) => `${name} ${e.at}${e.batchIndex === undefined ? '' : ` batch ${e.batchIndex}`}: ${e.message}`),
  );
  if (errors.length === 0) return '';
  return `<section id="errors"><h2>Errors</h2><ul>${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></section>`;
}

/**
 * The report as one self-contained HTML page: the tables (readable without JavaScript), and charts drawn
 * by uPlot from `chartData`, embedded as JSON. No request leaves the page: the library, the charts code and
 * the styles are inline, and its Content-Security-Policy forbids loading anything.
 */
export function renderHtml(report: Report, chartData: ChartData, assets: HtmlAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scenario report: ${escapeHtml(report.orchestrationId)}</title>
<style>
${inlineSafely(assets.uplotCss, 'style')}
${REPORT_CSS}
</style>
</head>
<body>
${header(report)}
${chartsSection()}
${scenariosSection(report)}
${qualitySection(report, chartData.quality)}
${abSection(report)}
${workersSection(report)}
${timePerItemSection(report)}
${barriersSection(report)}
${budgetsSection(report)}
${errorsSection(report)}
${recommendationsSection(report)}
<script type="application/json" id="chart-data">${jsonForScript(chartData)}</script>
<script>
${inlineSafely(assets.uplotJs, 'script')}
</script>
<script type="module">
${inlineSafely(assets.chartsJs, 'script')}
renderCharts(document.getElementById('report-charts'), JSON.parse(document.getElementById('chart-data').textContent));
</script>
</body>
</html>
`;
}
