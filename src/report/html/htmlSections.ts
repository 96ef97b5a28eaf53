import { abTable } from '../../ab/renderAb.ts';
import { ownValue } from '../../ownKeys.ts';
import { formatMs, formatNumber } from '../format.ts';
import { matrixTable } from '../matrix.ts';
import { SCENARIO_COLUMNS, describeBudget, describeCache, describeMissingMetric, describeRanking, describeScaling, formatScore, scenarioRows } from '../phrases.ts';
import type { Report } from '../schema.ts';
import { workersTable } from '../../remote/workerReport.ts';
import type { ChartData } from './chartData.ts';
import { escapeHtml } from './escape.ts';

/**
 * The report's tables as HTML, readable without JavaScript. The phrases are the text and Markdown
 * reports' own (phrases.ts), so the three formats never disagree.
 */

/** A cell: `name` cells carry the scenario as data-scenario, so a row can be found by it. */
function table(id: string, header: readonly string[], rows: readonly (readonly string[])[], scenarioColumn = 0): string {
  const head = `<thead><tr>${header.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map((row) => {
      const scenario = row[scenarioColumn];
      const attr = scenario === undefined ? '' : ` data-scenario="${escapeHtml(scenario)}"`;
      return `<tr${attr}>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  return `<table id="${id}">\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const paragraph = (text: string) => `<p>${escapeHtml(text)}</p>`;
const list = (items: readonly string[], className = '') => (items.length === 0 ? '' : `<ul${className ? ` class="${className}"` : ''}>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);

export function scenariosSection(report: Report): string {
  const matrix = matrixTable(report);
  return [
    '<section id="scenarios"><h2>Scenarios</h2>',
    table('scenario-table', SCENARIO_COLUMNS, scenarioRows(report)),
    matrix === undefined ? '' : `<h3>Matrix (${escapeHtml(matrix.title)})</h3>\n${table('matrix-table', matrix.header, matrix.rows, matrix.header.indexOf('Scenario'))}`,
    list(describeCache(report)),
    '</section>',
  ].join('\n');
}

/** Ranked scenarios first, in rank order, then the rest (rank "-"), as the Markdown report has them. */
export function qualitySection(report: Report, chart: ChartData['quality']): string {
  const metrics = [...new Set(Object.values(report.scenarios).flatMap((s) => Object.keys(s.qualityScores)))];
  const ordered = [...metrics.filter((m) => m !== 'overall'), 'overall'];
  const { qualityRanking } = report.comparison;
  const names = [...qualityRanking, ...Object.keys(report.scenarios).filter((name) => !qualityRanking.includes(name))];
  const rows = names.map((name) => {
    const scores = ownValue(report.scenarios, name)?.qualityScores ?? {};
    const rank = qualityRanking.indexOf(name);
    return [rank === -1 ? '-' : String(rank + 1), name, ...ordered.map((m) => formatScore(ownValue(scores, m)))];
  });
  const basis = chart.basis === 'repeats' ? 'over repeats' : 'mean of the per-batch qualityScore (batches are the samples)';
  const ciRows = chart.scenarios.map((q) => [
    q.scenario,
    formatNumber(q.estimate, 4),
    q.low === null || q.high === null ? '-' : `${formatNumber(q.low, 4)} to ${formatNumber(q.high, 4)}`,
    String(q.n),
  ]);
  return [
    '<section id="quality"><h2>Quality</h2>',
    table('quality-table', ['Rank', 'Scenario', ...ordered], rows, 1),
    paragraph(describeRanking(report.comparison)),
    list(report.comparison.missingMetrics.map(describeMissingMetric)),
    ciRows.length === 0 ? '' : `<h3>Quality with 95% CI (${escapeHtml(basis)})</h3>\n${table('quality-ci-table', ['Scenario', 'Mean', '95% CI', 'n'], ciRows)}`,
    '</section>',
  ].join('\n');
}

/** An A/B run's block (the text and Markdown reports' table and verdicts); empty for a run of one skill. */
export function abSection(report: Report): string {
  const ab = abTable(report);
  if (ab === undefined) return '';
  return [
    '<section id="ab"><h2>A/B</h2>',
    paragraph(ab.title),
    table('ab-table', ab.header, ab.rows),
    list(ab.notes),
    '</section>',
  ].join('\n');
}

/** A remote run's workers (the text and Markdown reports' table and notes); empty for a run in one process. */
export function workersSection(report: Report): string {
  const workers = workersTable(report);
  if (workers === undefined) return '';
  return ['<section id="workers"><h2>Workers</h2>', paragraph(workers.title), table('workers-table', workers.header, workers.rows, -1), list(workers.notes), '</section>'].join('\n');
}

export function timePerItemSection(report: Report): string {
  const rows = Object.keys(report.scenarios).map((name) => {
    const perItem = ownValue(report.comparison.timePerItemMs, name);
    const s = ownValue(report.scenarios, name);
    return [name, perItem === null || perItem === undefined ? '-' : formatMs(perItem), s === undefined ? '-' : String(s.itemsProcessed - s.cachedItems), s === undefined ? '-' : formatMs(s.busyMs)];
  });
  const { scaling } = report.comparison;
  return [
    '<section id="scaling"><h2>Time per item and scaling</h2>',
    table('time-per-item-table', ['Scenario', 'Busy per item', 'Items the skill ran', 'Busy'], rows),
    `<p id="scaling-verdict" data-verdict="${escapeHtml(scaling.verdict)}">Scaling: ${escapeHtml(describeScaling(scaling))}</p>`,
    list(scaling.notes),
    '</section>',
  ].join('\n');
}

export function barriersSection(report: Report): string {
  const rows = report.barriers.map((b) => [`${b.milestone}%`, b.releasedBy, formatMs(b.releasedAtMs - b.openedAtMs), b.arrived.join(', ') || '-', b.late.join(', ') || '-']);
  return [
    '<section id="barriers"><h2>Barriers</h2>',
    rows.length === 0 ? paragraph('No barriers were reached.') : table('barrier-table', ['Milestone', 'Released by', 'Open for', 'Arrived', 'Late'], rows, -1),
    '</section>',
  ].join('\n');
}

export function budgetsSection(report: Report): string {
  const rows = Object.entries(report.budgets).map(([name, b]) => [name, describeBudget(b.time), describeBudget(b.memory), describeBudget(b.errorTolerance), describeBudget(b.expectedQuality)]);
  return ['<section id="budgets"><h2>Budgets</h2>', table('budget-table', ['Scenario', 'Time (working)', 'Memory', 'Errors', 'Quality'], rows), '</section>'].join('\n');
}

export function recommendationsSection(report: Report): string {
  return ['<section id="recommendations"><h2>Recommendations</h2>', list(report.recommendations) || paragraph('None.'), '</section>'].join('\n');
}
