import { z } from 'zod';
import { BarrierRecordSchema, ReportSchema, ScenarioProgressSchema } from '../report/schema.ts';

/**
 * The progress stream: one event per state change, settled batch, retry, milestone and barrier.
 * Derived from XState's inspection events, so machines stay free of reporting code. These shapes also
 * travel as NDJSON and over server-sent events, hence zod.
 */
export const ProgressEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('scenario.state'),
    scenario: z.string(),
    /** The machine's state path, e.g. `running.working.processing.active`. */
    state: z.string(),
    progress: ScenarioProgressSchema,
  }),
  z.object({
    type: z.literal('batch.settled'),
    scenario: z.string(),
    batchIndex: z.int(),
    failed: z.boolean(),
    progress: ScenarioProgressSchema,
    /** The `scenarios worker` that ran the batch (`host/pid-xxxx`), for a remote batch; absent for one run in this process. */
    worker: z.string().optional(),
  }),
  z.object({
    type: z.literal('batch.retrying'),
    scenario: z.string(),
    batchIndex: z.int(),
    attempt: z.int(),
    error: z.string(),
  }),
  z.object({
    type: z.literal('milestone.reached'),
    scenario: z.string(),
    milestone: z.number(),
    elapsedMs: z.number(),
  }),
  z.object({
    type: z.literal('barrier.arrived'),
    scenario: z.string(),
    milestone: z.number(),
    /** ms since the orchestration started. */
    elapsedMs: z.number(),
  }),
  z.object({ type: z.literal('barrier.released'), barrier: BarrierRecordSchema }),
  z.object({ type: z.literal('orchestration.finished'), report: ReportSchema }),
]);

export type ProgressEvent = z.output<typeof ProgressEventSchema>;
