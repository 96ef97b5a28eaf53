import { matrixValues, parameterLabels, valueLabel } from '../config/matrix.ts';
import type { OrchestrationConfig } from '../config/schema.ts';
import { emptyRecord, ownValue } from '../ownKeys.ts';
import { formatMs } from './format.ts';
import { formatScore } from './phrases.ts';
import type { MatrixReport, Report } from './schema.ts';

/**
 * The report's view of a scenario matrix: which parameters were varied and each scenario's value of them
 * (also a scenario written by hand beside the matrix, null where it has none), so scenarios can be
 * compared by what was varied.
 */
export function matrixReport(config: OrchestrationConfig): MatrixReport | undefined {
  if (config.matrix === undefined) return undefined;
  const parameters = Object.keys(config.matrix);
  const values = emptyRecord<Record<string, unknown>>();
  for (const scenario of config.scenarios) {
    const found = matrixValues(scenario, parameters);
    values[scenario.name] = Object.fromEntries(parameters.map((parameter) => [parameter, ownValue(found, parameter) ?? null]));
  }
  return { parameters, values };
}

export interface MatrixTable {
  /** What the rows are sorted by, in words. */
  title: string;
  header: string[];
  rows: string[][];
}

/** One column per varied parameter, then the figures to compare; rows sorted by the parameters in matrix order. */
export function matrixTable(report: Report): MatrixTable | undefined {
  const { matrix } = report;
  if (matrix === undefined || matrix.parameters.length === 0) return undefined;
  const labels = parameterLabels(matrix.parameters);
  const valueOf = (name: string, parameter: string): unknown => ownValue(ownValue(matrix.values, name) ?? {}, parameter) ?? null;
  const names = Object.keys(report.scenarios).sort((a, b) => {
    for (const parameter of matrix.parameters) {
      const order = compareValues(valueOf(a, parameter), valueOf(b, parameter));
      if (order !== 0) return order;
    }
    return 0;
  });
  const rows = names.map((name) => {
    const scenario = ownValue(report.scenarios, name);
    const perItem = ownValue(report.comparison.timePerItemMs, name);
    return [
      ...matrix.parameters.map((parameter) => {
        const value = valueOf(name, parameter);
        return value === null ? '-' : valueLabel(parameter, value);
      }),
      name,
      scenario === undefined ? '-' : scenario.failureReason === undefined ? scenario.status : `${scenario.status} (${scenario.failureReason})`,
      scenario === undefined ? '-' : String(scenario.itemsProcessed),
      perItem === null || perItem === undefined ? '-' : formatMs(perItem),
      formatScore(scenario?.qualityScores.overall),
    ];
  });
  const by = matrix.parameters.map((parameter) => labels.get(parameter) ?? parameter);
  return {
    title: `by ${by.join(', then ')}`,
    header: [...by, 'Scenario', 'Status', 'Items', 'Busy per item', 'Overall quality'],
    rows,
  };
}

/** Numbers by size, anything else by its text (digits as numbers); a scenario without the parameter last. */
function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const text = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  return text(a).localeCompare(text(b), 'en', { numeric: true });
}
