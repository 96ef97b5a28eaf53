import { plainTable } from '../cli/table.ts';
import { formatP, formatRelative, formatValue } from './formatFigures.ts';
import type { Comparison, ComparisonSide, FigureComparison } from './schema.ts';
import { skillLabel } from '../ab/skillLabel.ts';
import { markdownTable } from '../report/markdownTable.ts';

function describeSide(label: string, side: ComparisonSide): string {
  const what = side.kind === 'run' ? `run ${side.id}` : `experiment ${side.id} (${side.runs.length} repeat(s))`;
  const via = side.baseline === null ? what : `baseline ${side.baseline}: ${what}`;
  return `${label} = ${via}, skill ${skillLabel(side.skill)}, one sample per ${side.sampleUnit}`;
}

function row(f: FigureComparison): string[] {
  const side = (s: FigureComparison['a']) => (s === null ? '-' : `${formatValue(s.mean, f.unit)} (n ${s.n})`);
  const d = f.difference;
  const ci = d?.ci95 ? `${formatValue(d.ci95.low, f.unit, true)} … ${formatValue(d.ci95.high, f.unit, true)}` : '-';
  return [
    f.figure,
    f.unit,
    side(f.a),
    side(f.b),
    d ? formatValue(d.estimate, f.unit, true) : '-',
    d ? formatRelative(d.relative) : '-',
    ci,
    d ? formatP(d.pValue) : '-',
    d?.significant ? 'yes' : '',
  ];
}

const HEAD = ['figure', 'unit', 'a mean', 'b mean', 'b − a', 'relative', '95% CI of b − a', 'p', 'significant'];
const LEGEND = 'Differences are b − a, with a 95% CI and p from Welch\'s t; "significant" means p < 0.05.';

/** What follows the scenarios' tables: scenarios on one side only, and notes about the sides. */
function closingLines(comparison: Comparison): string[] {
  const lines: string[] = [];
  if (comparison.scenarios.length === 0) lines.push('No scenario is in both: nothing to compare.', '');
  if (comparison.onlyIn.a.length > 0) lines.push(`Only in a (not compared): ${comparison.onlyIn.a.join(', ')}`);
  if (comparison.onlyIn.b.length > 0) lines.push(`Only in b (not compared): ${comparison.onlyIn.b.join(', ')}`);
  return lines;
}

/** The comparison as text: what each side is, then per scenario a table of means, differences, CIs and p. */
export function renderComparison(comparison: Comparison): string {
  const lines = [describeSide('a', comparison.a), describeSide('b', comparison.b), LEGEND, ''];
  for (const scenario of comparison.scenarios) {
    lines.push(`${scenario.scenario} (a ${scenario.status.a}, b ${scenario.status.b})`);
    const table = plainTable(HEAD, scenario.figures.map(row), { align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'], indent: '  ' });
    lines.push(table.trimEnd());
    for (const note of scenario.notes) lines.push(`  note: ${note}`);
    lines.push('');
  }
  lines.push(...closingLines(comparison));
  for (const note of comparison.notes) lines.push(`Note: ${note}`);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The comparison as GitHub Markdown (`--format md`): the same figures as the text, a table per scenario. */
export function renderComparisonMarkdown(comparison: Comparison): string {
  const lines = ['## Comparison', '', `- ${describeSide('a', comparison.a)}`, `- ${describeSide('b', comparison.b)}`, '', LEGEND, ''];
  for (const scenario of comparison.scenarios) {
    lines.push(`### ${scenario.scenario} (a ${scenario.status.a}, b ${scenario.status.b})`, '', ...markdownTable(HEAD, scenario.figures.map(row)), '');
    if (scenario.notes.length > 0) lines.push(...scenario.notes.map((note) => `- ${note}`), '');
  }
  lines.push(...closingLines(comparison));
  if (comparison.notes.length > 0) lines.push('', ...comparison.notes.map((note) => `- Note: ${note}`));
  return `${lines.join('\n').replaceAll(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
