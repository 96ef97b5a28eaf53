import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { batchKey } from '../actors/batchKey.ts';
import { randomFor } from '../actors/seededRandom.ts';
import type { Skill, SkillContext } from '../actors/skill.ts';
import { SkillContainment } from '../actors/skillGuard.ts';
import { ScenarioError, toError } from '../errors.ts';
import { redactUrl } from '../persistence/redactUrl.ts';
import { dbosLogger } from './dbosLogger.ts';
import { LOCK_NAMESPACE, migrateSystemDatabase } from './migrate.ts';
import { BATCH_QUEUE, BATCH_WORKFLOW, PARTITION_CONCURRENCY, POLL_MS, REMOTE_APP, RemoteBatchInputSchema, type RemoteBatchOutcome } from './protocol.ts';
import { remoteSkillVersion } from './skillVersion.ts';

export interface WorkerOptions {
  /** The Postgres database the orchestrator's store is in (`postgres://…`). */
  databaseUrl: string;
  /** Loaded as `scenarios run` loads it (loadSkillModule, commandSkill or a built-in). */
  skill: Skill<unknown>;
  /** Batches this worker runs at once (the queue's per-worker limit; see README "Running on several machines"). */
  concurrency: number;
  /** Told one line per batch run (`--verbose`). */
  onBatch?: (line: string) => void;
  /** Told what the worker does besides batches (recovering a dead worker's batches, losing its database). */
  onNotice?: (line: string) => void;
  /** Told when the worker can no longer show it is alive (its liveness connection dropped): it drains and should exit non-zero. */
  onLost?: (error: Error) => void;
  /** How often other workers' liveness is checked (default 1 s): bounds how long a killed worker's batches wait. */
  recoveryIntervalMs?: number;
  /** How often a cancel of a running batch is looked for (default 200 ms). */
  cancelCheckMs?: number;
}

export interface RunningWorker {
  /** `host/pid-xxxx`: DBOS's executor id, named in each batch's journal row. */
  readonly name: string;
  /** The application version it takes work of (remoteSkillVersion). */
  readonly skillVersion: string;
  /** Stops taking batches, lets those in flight finish and record their results, then disconnects. */
  drain(): Promise<void>;
}

/**
 * A `scenarios worker` process's work: registers the batch workflow with DBOS Transact, takes batches of its
 * skill's version from the queue and calls the skill with the same `ctx` a local run gives. DBOS is one
 * per process, so one worker per process.
 *
 * Liveness: the worker holds an advisory lock named after it on a connection of its own; a batch PENDING
 * under a worker whose lock is free belongs to a dead worker, and any live worker hands it back to the queue
 * (DBOS resumeWorkflows), where the step a finished skill call recorded is not run again.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { databaseUrl, skill } = options;
  if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) throw new ScenarioError('usage', `worker concurrency must be a positive integer (got ${options.concurrency})`);
  const skillVersion = remoteSkillVersion(skill);
  const name = `${hostname()}/${process.pid}-${randomBytes(2).toString('hex')}`;
  const notice = options.onNotice ?? (() => undefined);
  try {
    await migrateSystemDatabase(databaseUrl);
  } catch (error) {
    throw new ScenarioError('store_unavailable', `worker could not reach ${redactUrl(databaseUrl)}: ${toError(error).message}`, { cause: error });
  }

  const liveness = new pg.Client({ connectionString: databaseUrl, keepAlive: true });
  await liveness.connect();
  await liveness.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_NAMESPACE, name]);
  const client = await DBOSClient.create({ systemDatabaseUrl: databaseUrl, applicationName: REMOTE_APP, logger: dbosLogger(notice) });

  const containment = new SkillContainment();
  const releaseGuard = containment.guard((error) => notice(`a fault escaped the skill outside any batch: ${error.message}`));
  /** Batches in a skill call now, by workflow id: aborted when their workflow is cancelled. */
  const running = new Map<string, AbortController>();

  const runSkill = async (workflowID: string, rawInput: unknown): Promise<RemoteBatchOutcome> => {
    const input = RemoteBatchInputSchema.parse(rawInput);
    const controller = new AbortController();
    running.set(workflowID, controller);
    let random: (() => number) | undefined;
    const ctx: SkillContext = {
      scenario: input.scenario,
      params: input.params,
      signal: controller.signal,
      batchIndex: input.batchIndex,
      attempt: input.attempt,
      idempotencyKey: batchKey(input.orchestrationId, input.scenario, input.batchIndex),
      seed: input.seed,
      random: () => (random ??= randomFor(input.seed, input.scenario, 'batch', input.batchIndex, input.attempt))(),
    };
    const startedAt = Date.now();
    const t0 = performance.now();
    let outcome: RemoteBatchOutcome;
    try {
      const result: unknown = await containment.runBatch(input.scenario, input.batchIndex, (reason) => controller.abort(reason), () => skill.run(input.items, ctx));
      outcome = { worker: name, startedAt, busyMs: performance.now() - t0, result };
    } catch (error) {
      outcome = { worker: name, startedAt, busyMs: performance.now() - t0, error: toError(error).message };
    } finally {
      running.delete(workflowID);
    }
    options.onBatch?.(batchLine(input, outcome));
    return outcome;
  };

  // The skill call is the workflow's one step: once it has returned, a recovered workflow takes its
  // recorded outcome instead of calling the skill again. The orchestrator decides on retries, so the step has none.
  DBOS.registerWorkflow(
    async (input: unknown) => {
      const id = DBOS.workflowID ?? '';
      return DBOS.runStep(() => runSkill(id, input), { name: 'skill', retriesAllowed: false });
    },
    { name: BATCH_WORKFLOW },
  );
  DBOS.setConfig({
    name: REMOTE_APP,
    systemDatabaseUrl: databaseUrl,
    applicationVersion: skillVersion,
    executorID: name,
    runAdminServer: false,
    logger: dbosLogger(notice),
    runMigrations: false,
    listenQueues: [BATCH_QUEUE],
  });
  await DBOS.launch();
  // The queue's per-worker limit is this worker's --concurrency (DBOS keeps one per queue: the last worker started sets it).
  await DBOS.registerQueue(BATCH_QUEUE, { workerConcurrency: options.concurrency, partitionConcurrency: PARTITION_CONCURRENCY, minPollingIntervalMs: POLL_MS, onConflict: 'always_update' });

  let stopping = false;
  const loops: Promise<void>[] = [];
  const every = (ms: number, step: () => Promise<void>) => {
    loops.push(
      (async () => {
        while (!stopping) {
          await new Promise((resolve) => setTimeout(resolve, ms));
          if (stopping) return;
          await step().catch((error: unknown) => notice(`worker ${name}: ${toError(error).message}`));
        }
      })(),
    );
  };

  // A cancelled workflow (the scenario stopped waiting: budget, cancel, pause) aborts its skill call's signal.
  every(options.cancelCheckMs ?? 200, async () => {
    if (running.size === 0) return;
    const cancelled = await client.listWorkflows({ workflowIDs: [...running.keys()], status: 'CANCELLED', loadInput: false, loadOutput: false });
    for (const row of cancelled) running.get(row.workflowID)?.abort(new Error('the orchestrator cancelled this batch'));
  });

  // Batches left PENDING by a dead worker go back to the queue.
  every(options.recoveryIntervalMs ?? 1000, async () => {
    const pending = await client.listWorkflows({ queueName: BATCH_QUEUE, status: 'PENDING', loadInput: false, loadOutput: false });
    const byWorker = new Map<string, string[]>();
    for (const row of pending) {
      const owner = row.executorId;
      if (!owner || owner === name) continue;
      byWorker.set(owner, [...(byWorker.get(owner) ?? []), row.workflowID]);
    }
    for (const [owner, ids] of byWorker) {
      const { rows } = await liveness.query<{ free: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS free', [LOCK_NAMESPACE, owner]);
      if (!rows[0]?.free) continue;
      await liveness.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, owner]);
      await client.resumeWorkflows(ids, { queueName: BATCH_QUEUE });
      notice(`worker ${owner} is gone: ${ids.length} of its batch${ids.length === 1 ? '' : 'es'} back on the queue`);
    }
  });

  let drained: Promise<void> | undefined;
  const drain = () =>
    (drained ??= (async () => {
      stopping = true;
      // DBOS stops dequeuing first, then waits for the workflows running here to finish and record their results.
      await DBOS.shutdown({ workflowCompletionTimeoutMS: 2 ** 31 - 1 });
      await Promise.all(loops);
      await client.destroy();
      await liveness.end().catch(() => undefined);
      releaseGuard();
    })());

  let lost = false;
  const onLivenessLost = (error: Error) => {
    if (lost || stopping) return;
    lost = true;
    options.onLost?.(new Error(`worker ${name} lost its liveness connection to ${redactUrl(databaseUrl)} (${error.message}): another worker may now run its batches, so it stops`));
  };
  liveness.on('error', onLivenessLost);
  liveness.on('end', () => onLivenessLost(new Error('connection ended')));

  return { name, skillVersion, drain };
}

function batchLine(input: { orchestrationId: string; scenario: string; batchIndex: number; attempt: number; items: unknown[] }, outcome: RemoteBatchOutcome): string {
  const what = `${input.orchestrationId} ${input.scenario} batch ${input.batchIndex}${input.attempt > 1 ? ` (attempt ${input.attempt})` : ''}: ${input.items.length} items, ${outcome.busyMs.toFixed(1)} ms`;
  if (outcome.error !== undefined) return `${what}, failed: ${outcome.error}`;
  const quality = (outcome.result as { qualityScore?: unknown } | undefined)?.qualityScore;
  return typeof quality === 'number' ? `${what}, quality ${quality.toFixed(3)}` : what;
}
