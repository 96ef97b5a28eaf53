import { abTable } from '../ab/renderAb.ts';
import type { ScenarioBudgets } from './budgets.ts';
import { SCENARIO_COLUMNS, describeBudget, describeCache, describeMissingMetric, describeProcessMemory, describeRanking, describeScaling, formatScore, scenarioRows } from './phrases.ts';
import { formatMs } from './format.ts';
import { matrixTable } from './matrix.ts';
import type { BarrierRecord, Report } from './schema.ts';
import { skillLabel } from '../ab/skillLabel.ts';
import { workersTable } from '../remote/workerReport.ts';

/** Left-aligns columns with two spaces between them; trailing spaces are trimmed. */
function alignColumns(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => `${indent}${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd());
}

function barrierLine(b: BarrierRecord): string {
  const waited = formatMs(b.releasedAtMs - b.openedAtMs);
  const arrived = b.arrived.length === 0 ? 'none' : b.arrived.join(', ');
  const how = b.releasedBy === 'all-arrived' ? 'released when all arrived' : 'released by timeout';
  const late = b.late.length === 0 ? '' : `; late: ${b.late.join(', ')}`;
  return `  ${b.milestone}%: ${how}, after ${waited}; arrived: ${arrived}${late}`;
}

function budgetRows(report: Report): string[][] {
  const header = ['Scenario', 'Time (working)', 'Memory', 'Errors', 'Quality'];
  const rows = Object.entries(report.budgets).map(([name, b]: [string, ScenarioBudgets]) => [
    name,
    describeBudget(b.time),
    describeBudget(b.memory),
    describeBudget(b.errorTolerance),
    describeBudget(b.expectedQuality),
  ]);
  return [header, ...rows];
}

/** A plain-text summary for terminals: aligned columns, no colour codes, so it reads the same when piped. */
export function renderText(report: Report): string {
  const lines: string[] = [];
  lines.push(`Orchestration ${report.orchestrationId}: skill ${skillLabel(report.skill)}, seed ${report.seed}`);
  lines.push(`Started ${report.startedAt ?? '-'}, finished ${report.finishedAt ?? '-'}, downtime ${formatMs(report.downtimeMs)}`);
  if (report.process) lines.push(`Process memory: ${describeProcessMemory(report.process)}`);
  lines.push('', 'Scenarios', ...alignColumns([[...SCENARIO_COLUMNS], ...scenarioRows(report)]));
  const matrix = matrixTable(report);
  if (matrix) lines.push('', `Matrix (${matrix.title})`, ...alignColumns([matrix.header, ...matrix.rows]));
  const ab = abTable(report);
  if (ab) lines.push('', ab.title, ...alignColumns([ab.header, ...ab.rows]), ...ab.notes.map((n) => `  ${n}`));
  const workers = workersTable(report);
  if (workers) lines.push('', workers.title, ...alignColumns([workers.header, ...workers.rows]), ...workers.notes.map((n) => `  ${n}`));
  const cached = describeCache(report);
  if (cached.length > 0) lines.push('', 'Cache (cached batches are not in busy time, time per item or the scaling fit)', ...cached.map((c) => `  ${c}`));

  const quality = Object.entries(report.scenarios).map(
    ([name, s]) => `  ${name}: ${Object.entries(s.qualityScores).map(([m, v]) => `${m} ${formatScore(v)}`).join(', ')}`,
  );
  const { qualityRanking, missingMetrics } = report.comparison;
  lines.push('', `Quality (${qualityRanking.length === 0 ? 'no ranking' : `ranking: ${qualityRanking.join(' > ')}`})`, ...quality);
  lines.push(`  basis: ${describeRanking(report.comparison)}`);
  for (const missing of missingMetrics) lines.push(`  note: ${describeMissingMetric(missing)}`);

  lines.push('', 'Barriers', ...(report.barriers.length === 0 ? ['  none'] : report.barriers.map(barrierLine)));

  lines.push('', `Scaling: ${describeScaling(report.comparison.scaling)}`);
  for (const note of report.comparison.scaling.notes) lines.push(`  note: ${note}`);

  lines.push('', 'Budgets', ...alignColumns(budgetRows(report)));

  const errors = Object.entries(report.scenarios).filter(([, s]) => s.errors.length > 0);
  if (errors.length > 0) {
    lines.push('', 'Errors');
    for (const [name, s] of errors) {
      for (const e of s.errors) {
        lines.push(`  ${name} ${e.at}${e.batchIndex === undefined ? '' : ` batch ${e.batchIndex}`}: ${e.message}`);
      }
    }
  }

  lines.push('', 'Recommendations', ...report.recommendations.map((r) => `  - ${r}`));
  return `${lines.join('\n')}\n`;
}
