import type { ExperimentReport, RepeatedMeasure } from './experimentSchema.ts';
import { describeScaling } from './phrases.ts';
import { roundTo } from './round.ts';
import { skillLabel } from '../ab/skillLabel.ts';
import { markdownTable } from './markdownTable.ts';

/** One table of the experiment report: a figure of every scenario over the repeats. */
interface MeasureTable {
  title: string;
  decimals: number;
  rows: { scenario: string; measure: RepeatedMeasure | null }[];
}

/** The columns of a figure's table; its mean is geometric (time, throughput) when any row's is. */
function measureColumns(table: MeasureTable): string[] {
  const geometric = table.rows.some((row) => row.measure?.meanKind === 'geometric');
  return ['Scenario', 'Median [95% CI]', geometric ? 'Geometric mean [95% CI]' : 'Mean [95% CI]', 'n', 'Outliers'];
}

/** Quality metrics in the order the scenarios list them, `overall` first (the headline). */
function qualityMetrics(report: ExperimentReport): string[] {
  const metrics = [...new Set(Object.values(report.scenarios).flatMap((s) => Object.keys(s.quality)))];
  return metrics.includes('overall') ? ['overall', ...metrics.filter((m) => m !== 'overall')] : metrics;
}

function measureTables(report: ExperimentReport): MeasureTable[] {
  const scenarios = Object.entries(report.scenarios);
  return [
    { title: 'Busy time per item (ms)', decimals: 3, rows: scenarios.map(([scenario, s]) => ({ scenario, measure: s.timePerItemMs })) },
    { title: 'Throughput (items per second of working time)', decimals: 1, rows: scenarios.map(([scenario, s]) => ({ scenario, measure: s.throughputPerSecond })) },
    ...qualityMetrics(report).map((metric) => ({
      title: `Quality: ${metric}`,
      decimals: 4,
      // Only the scenarios that name the metric: one that does not is no row, not a row of dashes.
      rows: scenarios.flatMap(([scenario, s]) => (Object.hasOwn(s.quality, metric) ? [{ scenario, measure: s.quality[metric] ?? null }] : [])),
    })),
  ];
}

/** An A/B experiment's tables: each repeat's b − a quality difference and b / a time ratio, over the repeats. */
function abTables(report: ExperimentReport): MeasureTable[] {
  if (report.ab === null) return [];
  const scenarios = Object.entries(report.ab.scenarios);
  return [
    { title: 'A/B quality difference b − a (each repeat\'s mean over its paired batches)', decimals: 4, rows: scenarios.map(([scenario, s]) => ({ scenario, measure: s.qualityDifference })) },
    { title: 'A/B time ratio b / a (each repeat\'s geometric mean over its paired batches)', decimals: 3, rows: scenarios.map(([scenario, s]) => ({ scenario, measure: s.timeRatio })) },
  ];
}

/** `A/B: a vs b`, then each scenario's verdict in each repeat, as that repeat's report words it. */
function abVerdictLines(report: ExperimentReport): string[] {
  if (report.ab === null) return [];
  return [
    `A/B: ${report.ab.versions.a} vs ${report.ab.versions.b}; each repeat's verdict on quality`,
    ...Object.entries(report.ab.scenarios).flatMap(([scenario, s]) => s.repeats.map((r) => `${scenario} in ${r.runId}: ${r.verdict}`)),
  ];
}

/** `1.234 [1.1, 1.4]`, or the value alone without an interval, or `-` for no figure. */
function withInterval(center: number, ci: RepeatedMeasure['meanCi95'], decimals: number): string {
  const f = (v: number) => String(roundTo(v, decimals));
  return ci === null ? f(center) : `${f(center)} [${f(ci.low)}, ${f(ci.high)}]`;
}

function measureRow(table: MeasureTable, row: MeasureTable['rows'][number]): string[] {
  const m = row.measure;
  if (m === null) return [row.scenario, '-', '-', '0', '-'];
  // A value of 0 (or less) has no logarithm: such a row keeps the arithmetic mean under a geometric heading, and says so.
  const mixed = m.meanKind === 'arithmetic' && table.rows.some((other) => other.measure?.meanKind === 'geometric');
  const mean = `${withInterval(m.mean, m.meanCi95, table.decimals)}${mixed ? ' (arithmetic)' : ''}`;
  return [row.scenario, withInterval(m.median, m.medianCi95, table.decimals), mean, String(m.n), m.outliers.join(', ') || '-'];
}

function runRows(report: ExperimentReport): string[][] {
  return report.runs.map((r) => [String(r.index), r.runId, r.seed === null ? '-' : String(r.seed), r.status, r.scenarioOrder.join(' > ') || '-']);
}

const RUN_COLUMNS = ['#', 'Run', 'Seed', 'Status', 'Started in order'] as const;

function header(report: ExperimentReport): string {
  const skill = report.skill ? `skill ${skillLabel(report.skill)}, ` : '';
  const seeds = report.sameData ? `every repeat on seed ${report.seed} (sameData)` : `seed ${report.seed} (each repeat's seed derived from it)`;
  return `Experiment ${report.experimentId}: ${report.repeats} repeats, ${skill}${seeds}`;
}

/** The scaling fit over every repeat in a sentence, and its notes. */
function scalingLines(report: ExperimentReport): { sentence: string; notes: string[] } {
  return { sentence: describeScaling(report.scaling), notes: report.scaling.notes };
}

/** Left-aligns columns with two spaces between them; trailing spaces are trimmed. */
function alignColumns(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `${indent}${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

/** The experiment report for terminals: one aligned table per figure, then the scaling fit and the notes. */
export function renderExperimentText(report: ExperimentReport): string {
  const lines = [header(report), '', 'Repeats', ...alignColumns([[...RUN_COLUMNS], ...runRows(report)])];
  for (const t of [...measureTables(report), ...abTables(report)]) {
    lines.push('', t.title, ...alignColumns([measureColumns(t), ...t.rows.map((row) => measureRow(t, row))]));
  }
  const [abHead, ...verdicts] = abVerdictLines(report);
  if (abHead !== undefined) lines.push('', abHead, ...verdicts.map((v) => `  ${v}`));
  const scaling = scalingLines(report);
  lines.push('', `Scaling over every repeat: ${scaling.sentence}`);
  for (const note of scaling.notes) lines.push(`  note: ${note}`);
  lines.push('', 'Notes', ...(report.notes.length === 0 ? ['  none'] : report.notes.map((n) => `  - ${n}`)));
  lines.push('', 'How to read it', ...Object.values(report.definitions).map((d) => `  - ${d}`));
  return `${lines.join('\n')}\n`;
}

/** The experiment report as GitHub Markdown: the same tables as the text, under headings. */
export function renderExperimentMarkdown(report: ExperimentReport): string {
  const lines = [`# ${header(report)}`, '', '## Repeats', '', ...markdownTable(RUN_COLUMNS, runRows(report))];
  for (const t of [...measureTables(report), ...abTables(report)]) {
    lines.push('', `## ${t.title}`, '', ...markdownTable(measureColumns(t), t.rows.map((row) => measureRow(t, row))));
  }
  const [abHead, ...abVerdicts] = abVerdictLines(report);
  if (abHead !== undefined) lines.push('', `## ${abHead}`, '', ...abVerdicts.map((v) => `- ${v}`));
  const scaling = scalingLines(report);
  lines.push('', '## Scaling over every repeat', '', scaling.sentence, ...scaling.notes.map((n) => `- ${n}`));
  lines.push('', '## Notes', '', ...(report.notes.length === 0 ? ['None.'] : report.notes.map((n) => `- ${n}`)));
  lines.push('', '## How to read it', '', ...Object.values(report.definitions).map((d) => `- ${d}`));
  return `${lines.join('\n')}\n`;
}
