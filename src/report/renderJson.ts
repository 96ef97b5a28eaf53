import type { Report } from './schema.ts';

/** The `--json` contract: the report object itself, keys exactly as ReportSchema defines them. */
export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2);
}
