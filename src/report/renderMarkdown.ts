import { abTable } from '../ab/renderAb.ts';
import { emptyRecord, ownValue } from '../ownKeys.ts';
import { SCENARIO_COLUMNS, describeBudget, describeCache, describeMissingMetric, describeProcessMemory, describeRanking, describeScaling, formatScore, scenarioRows } from './phrases.ts';
import { formatMs } from './format.ts';
import { matrixTable } from './matrix.ts';
import type { Report } from './schema.ts';
import { skillLabel } from '../ab/skillLabel.ts';
import { markdownTable } from './markdownTable.ts';
import { workersTable } from '../remote/workerReport.ts';

/** Ranked scenarios first, in rank order, then the unranked ones (rank "-"), so no scenario drops out of the table. */
function qualityTable(report: Report): string[] {
  const metrics = [...new Set(Object.values(report.scenarios).flatMap((s) => Object.keys(s.qualityScores)))];
  // `overall` goes last whatever order the scenarios listed their metrics in.
  const ordered = [...metrics.filter((m) => m !== 'overall'), 'overall'];
  const { qualityRanking } = report.comparison;
  const names = [...qualityRanking, ...Object.keys(report.scenarios).filter((name) => !qualityRanking.includes(name))];
  const rows = names.map((name) => {
    const scores = ownValue(report.scenarios, name)?.qualityScores ?? emptyRecord<number | null>();
    const rank = qualityRanking.indexOf(name);
    return [rank === -1 ? '-' : String(rank + 1), name, ...ordered.map((m) => formatScore(ownValue(scores, m)))];
  });
  return markdownTable(['Rank', 'Scenario', ...ordered], rows);
}

function barrierTable(report: Report): string[] {
  const rows = report.barriers.map((b) => [
    `${b.milestone}%`,
    b.releasedBy,
    formatMs(b.releasedAtMs - b.openedAtMs),
    b.arrived.join(', ') || '-',
    b.late.join(', ') || '-',
  ]);
  return markdownTable(['Milestone', 'Released by', 'Open for', 'Arrived', 'Late'], rows);
}

function budgetTable(report: Report): string[] {
  const rows = Object.entries(report.budgets).map(([name, b]) => [
    name,
    describeBudget(b.time),
    describeBudget(b.memory),
    describeBudget(b.errorTolerance),
    describeBudget(b.expectedQuality),
  ]);
  return markdownTable(['Scenario', 'Time (working)', 'Memory', 'Errors', 'Quality'], rows);
}

/** Which scenarios took batches from the cache, after the scenarios table; nothing when none did. */
function cacheLines(report: Report): string[] {
  const cached = describeCache(report);
  if (cached.length === 0) return [];
  return ['', 'Cached batches are not in busy time, time per item or the scaling fit:', '', ...cached.map((c) => `- ${c}`)];
}

/** The scenarios by the parameters a matrix varied; nothing for a config without a matrix. */
function matrixSection(report: Report): string[] {
  const matrix = matrixTable(report);
  return matrix === undefined ? [] : ['', `### Matrix (${matrix.title})`, '', ...markdownTable(matrix.header, matrix.rows)];
}

/** Version b against version a per scenario, for an A/B run (src/ab); nothing otherwise. */
function abSection(report: Report): string[] {
  const ab = abTable(report);
  return ab === undefined ? [] : ['', `## ${ab.title}`, '', ...markdownTable(ab.header, ab.rows), '', ...ab.notes.map((n) => `- ${n}`)];
}

/** Who ran the batches of a remote run (src/remote); nothing for a run in one process. */
function workersSection(report: Report): string[] {
  const workers = workersTable(report);
  return workers === undefined ? [] : ['', `## ${workers.title}`, '', ...markdownTable(workers.header, workers.rows), '', ...workers.notes.map((n) => `- ${n}`)];
}

/** The report as GitHub-flavoured Markdown, for job summaries and pull-request comments. */
export function renderMarkdown(report: Report): string {
  const lines: string[] = [
    `# Scenario report: ${report.orchestrationId}`,
    '',
    `- Skill: ${skillLabel(report.skill)}`,
    `- Seed: ${report.seed}`,
    `- Started: ${report.startedAt ?? '-'}`,
    `- Finished: ${report.finishedAt ?? '-'}`,
    `- Downtime: ${formatMs(report.downtimeMs)}`,
    ...(report.process ? [`- Process memory: ${describeProcessMemory(report.process)}`] : []),
    '',
    '## Scenarios',
    '',
    ...markdownTable(SCENARIO_COLUMNS, scenarioRows(report)),
    ...matrixSection(report),
    ...abSection(report),
    ...workersSection(report),
    ...cacheLines(report),
    '',
    '## Quality',
    '',
    ...qualityTable(report),
    '',
    describeRanking(report.comparison),
    ...(report.comparison.missingMetrics.length === 0 ? [] : ['', ...report.comparison.missingMetrics.map((m) => `- ${describeMissingMetric(m)}`)]),
    '',
    '## Barriers',
    '',
    ...(report.barriers.length === 0 ? ['No barriers were reached.'] : barrierTable(report)),
    '',
    '## Scaling',
    '',
    describeScaling(report.comparison.scaling),
  ];
  if (report.comparison.scaling.notes.length > 0) lines.push('', ...report.comparison.scaling.notes.map((n) => `- ${n}`));
  lines.push('', '## Budgets', '', ...budgetTable(report));
  lines.push('', '## Recommendations', '', ...report.recommendations.map((r) => `- ${r}`));
  return `${lines.join('\n')}\n`;
}
