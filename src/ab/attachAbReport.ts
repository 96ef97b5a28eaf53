import { z } from 'zod';
import type { OrchestrationConfig } from '../config/schema.ts';
import type { BatchJournal, BatchRecord } from '../persistence/SnapshotStore.ts';
import type { Report } from '../report/schema.ts';
import { buildAbReport, type AbBatchRow } from './abReport.ts';
import { labelsOf } from './abSkill.ts';

/** The part of a journal row's result the A/B report reads; a failed batch's `{ error }` has no metrics. */
const RowResultSchema = z.looseObject({
  metrics: z.record(z.string(), z.number()).optional(),
  cached: z.boolean().optional(),
});

function toAbRow(record: BatchRecord): AbBatchRow {
  const parsed = RowResultSchema.safeParse(record.result);
  if (!parsed.success) return { metrics: undefined, cached: false };
  return { metrics: parsed.data.metrics, cached: parsed.data.cached === true };
}

/** True for the A/B composite (abSkill), by the identity it gives runs: the journal then holds both versions' figures. */
export const isAbRun = (skill: { name: string; version: string }): boolean => labelsOf(skill) !== undefined;

/**
 * The report with its `ab` section when the run was an A/B run (its skill the abSkill composite, as config
 * `skills` makes it), read from the batch journal, where each row holds both versions' figures: so a resumed
 * run, and a report rebuilt from the store, compare every recorded batch. Any other report is returned as it is.
 */
export async function withAbReport(report: Report, config: OrchestrationConfig, journal: BatchJournal, skill: { name: string; version: string }): Promise<Report> {
  const labels = labelsOf(skill);
  if (!labels) return report;
  const scenarios = await Promise.all(
    config.scenarios.map(async (s) => ({ name: s.name, rows: (await journal.loadBatches(report.orchestrationId, s.name, 0)).map(toAbRow) })),
  );
  return { ...report, ab: buildAbReport({ labels, scenarios }) };
}
