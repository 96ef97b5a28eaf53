import { DBOSClient, type WorkflowStatus } from '@dbos-inc/dbos-sdk';
import type { ExecuteBatch, ExecuteCall, Executed } from '../actors/batchRunner.ts';
import { ScenarioError, toError } from '../errors.ts';
import { redactUrl } from '../persistence/redactUrl.ts';
import { dbosLogger } from './dbosLogger.ts';
import { migrateSystemDatabase } from './migrate.ts';
import { BATCH_QUEUE, BATCH_WORKFLOW, PARTITION_CONCURRENCY, POLL_MS, REMOTE_APP, RemoteBatchOutcomeSchema, batchWorkflowId, partitionKey, type RemoteBatchInput } from './protocol.ts';

export interface RemoteBatchesOptions {
  /** The Postgres database the run's store is in: DBOS keeps its queue and results there (schema `dbos`). */
  databaseUrl: string;
  /** Batches are enqueued under this application version; only workers with the same skill take them (skillVersion.ts). */
  skillVersion: string;
  /** How often results are asked for (default POLL_MS). */
  pollMs?: number;
}

interface Waiting {
  call: ExecuteCall;
  enqueuedAt: number;
  resolve: (executed: Executed) => void;
  reject: (error: Error) => void;
}

/**
 * The orchestrator's side of remote batches: each batch the runner would have run itself is enqueued as a
 * DBOS workflow (id = its idempotency key, partition = its scenario) for `scenarios worker` processes to
 * run, and its result handed back as if the skill had been called here. Enqueueing an id again attaches to
 * the workflow already there, so a re-run stretch or a resumed orchestrator gets a finished batch's result
 * without running it again. One poll loop asks for every awaited result in one query.
 */
export class RemoteBatches {
  readonly #client: DBOSClient;
  readonly #version: string;
  readonly #pollMs: number;
  readonly #waiting = new Map<string, Waiting>();
  #polling = false;
  #closed = false;
  /** Cancels sent and not yet done: close() waits for them, so the last ones of a run reach the workers. */
  readonly #cancelling = new Set<Promise<void>>();
  /** Enqueue to result seen, per batch (ms), for the remote-path overhead figures. */
  readonly roundTripsMs: number[] = [];

  private constructor(client: DBOSClient, options: RemoteBatchesOptions) {
    this.#client = client;
    this.#version = options.skillVersion;
    this.#pollMs = options.pollMs ?? POLL_MS;
  }

  static async open(options: RemoteBatchesOptions): Promise<RemoteBatches> {
    try {
      await migrateSystemDatabase(options.databaseUrl);
      const client = await DBOSClient.create({ systemDatabaseUrl: options.databaseUrl, applicationName: REMOTE_APP, logger: dbosLogger() });
      // Workers register it too, with their --concurrency; created here first it never overrides theirs.
      await client.registerQueue(BATCH_QUEUE, { partitionConcurrency: PARTITION_CONCURRENCY, minPollingIntervalMs: POLL_MS, onConflict: 'never_update', applicationName: REMOTE_APP });
      return new RemoteBatches(client, options);
    } catch (error) {
      throw new ScenarioError('store_unavailable', `could not set up remote batches in ${redactUrl(options.databaseUrl)}: ${toError(error).message}`, { cause: error });
    }
  }

  get skillVersion(): string {
    return this.#version;
  }

  /** For the batch runner (BatchRunnerDeps.execute). */
  readonly execute: ExecuteBatch = (call) => this.#execute(call);

  async #execute(call: ExecuteCall): Promise<Executed> {
    const { plan, index, attempt, items, ctx } = call;
    const id = batchWorkflowId(plan.orchestrationId, plan.name, index, attempt);
    const signal = ctx.signal;
    signal.throwIfAborted();
    const input: RemoteBatchInput = { orchestrationId: plan.orchestrationId, scenario: plan.name, batchIndex: index, attempt, items, params: { ...plan.params }, seed: plan.seed };
    const enqueuedAt = performance.now();
    await this.#client.enqueue(
      { queueName: BATCH_QUEUE, workflowName: BATCH_WORKFLOW, workflowID: id, appVersion: this.#version, queuePartitionKey: partitionKey(plan.orchestrationId, plan.name), applicationName: REMOTE_APP },
      input,
    );
    return new Promise<Executed>((resolve, reject) => {
      const stop = () => {
        if (!this.#waiting.delete(id)) return;
        // The stretch stopped waiting (budget, cancel, pause, shutdown): the batch does not count, so its
        // worker is told to stop; a later stretch that needs it again rewinds it (see #settle).
        const cancel = this.#client.cancelWorkflow(id).catch(() => undefined);
        this.#cancelling.add(cancel);
        void cancel.then(() => this.#cancelling.delete(cancel));
        reject(toError(signal.reason ?? new Error('aborted')));
      };
      if (signal.aborted) return stop();
      signal.addEventListener('abort', stop, { once: true });
      const done = <T>(settle: (value: T) => void) => (value: T) => {
        signal.removeEventListener('abort', stop);
        settle(value);
      };
      this.#waiting.set(id, { call, enqueuedAt, resolve: done(resolve), reject: done(reject) });
      this.#poll();
    });
  }

  /** One loop while anything is awaited: asks for all of their states at once, every pollMs. */
  #poll(): void {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    void (async () => {
      try {
        while (this.#waiting.size > 0 && !this.#closed) {
          let rows: WorkflowStatus[];
          try {
            rows = await this.#client.listWorkflows({ workflowIDs: [...this.#waiting.keys()], loadOutput: true, loadInput: false });
          } catch (error) {
            // The database is away: every awaited batch fails with why (the scenario retries it as any failure).
            this.#failAll(new Error(`remote batches: results could not be read: ${toError(error).message}`));
            break;
          }
          for (const row of rows) await this.#settle(row);
          if (this.#waiting.size > 0) await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
        }
      } finally {
        this.#polling = false;
      }
      if (this.#waiting.size > 0 && !this.#closed) this.#poll();
    })();
  }

  async #settle(row: WorkflowStatus): Promise<void> {
    const waiting = this.#waiting.get(row.workflowID);
    if (!waiting) return;
    switch (row.status) {
      case 'SUCCESS': {
        this.#waiting.delete(row.workflowID);
        this.roundTripsMs.push(performance.now() - waiting.enqueuedAt);
        const parsed = RemoteBatchOutcomeSchema.safeParse(row.output);
        if (!parsed.success) {
          waiting.reject(new Error(`worker returned an unreadable outcome for ${row.workflowID}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
          return;
        }
        const outcome = parsed.data;
        // The worker's clock, on this process's performance.now() axis: busy time is the skill's call there.
        const t0 = outcome.startedAt - performance.timeOrigin;
        waiting.resolve({ raw: outcome.result, error: outcome.error, t0, t1: t0 + outcome.busyMs, worker: outcome.worker });
        return;
      }
      case 'ERROR':
      case 'MAX_RECOVERY_ATTEMPTS_EXCEEDED':
        this.#waiting.delete(row.workflowID);
        waiting.reject(new Error(`remote batch ${row.workflowID} ended ${row.status}: ${toError(row.error ?? 'no error recorded').message}`));
        return;
      case 'CANCELLED':
        // Cancelled while no one here waited for it (an earlier stretch stopped, or a process that is gone):
        // run it again from its start under the same id.
        try {
          await this.#client.rewindWorkflow(row.workflowID, { queueName: BATCH_QUEUE, queuePartitionKey: partitionKey(waiting.call.plan.orchestrationId, waiting.call.plan.name) });
        } catch (error) {
          this.#waiting.delete(row.workflowID);
          waiting.reject(new Error(`remote batch ${row.workflowID} was cancelled and could not be run again: ${toError(error).message}`));
        }
        return;
      default:
        return; // ENQUEUED, DELAYED, PENDING: not yet
    }
  }

  #failAll(error: Error): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const w of waiting) w.reject(error);
  }

  /** Stops waiting (batches still awaited fail; their workflows stay for a resume to attach to) and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new Error('remote batches closed'));
    await Promise.all(this.#cancelling);
    await this.#client.destroy();
  }
}
