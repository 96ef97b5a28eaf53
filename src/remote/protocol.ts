import { z } from 'zod';
import { batchKey } from '../actors/batchKey.ts';

/**
 * What the orchestrator and `scenarios worker` agree on to pass batches through DBOS Transact
 * (README "Running on several machines"): one queue, one workflow, its input and its output.
 */

/** DBOS application name: scopes the queue and the workflows to this tool in a shared system database. */
export const REMOTE_APP = 'scenario-orchestrator';
/** The queue every run's batches go to; partitioned by `<orchestration>/<scenario>`. */
export const BATCH_QUEUE = 'scenarios.batches';
export const BATCH_WORKFLOW = 'scenarios.batch';
/**
 * How often a worker asks the queue for work and the orchestrator asks for results. DBOS's default is 1 s,
 * which would add half a second to every batch; 50 ms keeps the remote path's overhead in tens of ms
 * (bench/README.md "Remote batches") at one small query per interval per process.
 */
export const POLL_MS = 50;
/** Bounds one scenario's batches in flight on the queue (a partition); each run's own `parallelWorkers` (≤ 64) is enforced before enqueueing. */
export const PARTITION_CONCURRENCY = 64;

/** One batch as enqueued: everything the worker needs to call the skill with the same `ctx` as a local run. */
export const RemoteBatchInputSchema = z.strictObject({
  orchestrationId: z.string().min(1),
  scenario: z.string().min(1),
  batchIndex: z.int().min(0),
  attempt: z.int().min(1),
  items: z.array(z.unknown()),
  params: z.record(z.string(), z.unknown()),
  seed: z.int(),
});
export type RemoteBatchInput = z.output<typeof RemoteBatchInputSchema>;

/** `host/pid-xxxx`: which worker ran a batch, named in the journal row, the report and the inspector. */
export const WorkerNameSchema = z.string().min(1);

/** What a worker returns for one batch: the skill's raw result (checked by the orchestrator, as a local one is) or why it failed. */
export const RemoteBatchOutcomeSchema = z.strictObject({
  worker: WorkerNameSchema,
  /** Epoch ms when the skill was called, on the worker's clock. */
  startedAt: z.number(),
  /** The skill call's own duration on the worker (performance.now()), the batch's busy time. */
  busyMs: z.number().min(0),
  result: z.unknown().optional(),
  error: z.string().optional(),
});
export type RemoteBatchOutcome = z.output<typeof RemoteBatchOutcomeSchema>;

/**
 * The workflow id of a batch's attempt: the batch's idempotency key for its first attempt, so enqueueing it
 * again (a re-run stretch, a resumed orchestrator) attaches to the same workflow instead of running it
 * again; a retry after a failed attempt is a new execution, so it gets an id of its own.
 */
export function batchWorkflowId(orchestrationId: string, scenario: string, index: number, attempt: number): string {
  const key = batchKey(orchestrationId, scenario, index);
  return attempt === 1 ? key : `${key}/attempt/${attempt}`;
}

/** The queue partition of a scenario: run-qualified, so two runs with the same scenario names do not share one. */
export const partitionKey = (orchestrationId: string, scenario: string) => `${orchestrationId}/${scenario}`;
