import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ItemSource } from '../../src/actors/batchRunner.ts';
import type { Skill } from '../../src/actors/skill.ts';
import { createDurableOrchestration, type DurableOrchestration } from '../../src/api/durableOrchestration.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { PostgresSnapshotStore } from '../../src/persistence/PostgresSnapshotStore.ts';
import type { Report } from '../../src/report/schema.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { useRemoteDatabases } from './support/remoteDatabase.ts';
import { eventually, killWorkerProcesses, readCalls, spawnWorkerProcess, type WorkerChild } from './support/workerProcesses.ts';

/**
 * Issue 11: what a user does to a running remote run (its time budget running out, pause and resume, cancel)
 * reaches the batches on the worker: a batch the run stops waiting for is cancelled through DBOS, its skill
 * call sees ctx.signal abort, and it is never counted; a paused run enqueues nothing until it is resumed.
 * The orchestrator is a durable run in this process on the test's own database; the worker is a process of
 * its own (workerProcess.ts), whose skill sleeps per batch and honours its signal.
 */

/** The worker process's skill as the orchestrator names it (same name and version: same remote skill version). Never called here. */
const workerSkill: Skill<unknown> = {
  name: 'remote-test',
  version: '1.0.0',
  run() {
    throw new Error('this skill runs on the worker process only');
  },
};

interface WorkflowRow {
  workflow_uuid: string;
  status: string;
}

interface World {
  url: string;
  worker: WorkerChild;
  store: PostgresSnapshotStore;
  callsFile: string;
  /** DBOS's record of the run's batch workflows. */
  workflows(orchestrationId: string): Promise<WorkflowRow[]>;
  /** The run's journal rows (batch_results): what the run counted. */
  journal(orchestrationId: string): Promise<{ scenario: string; batch_index: number; items: number; worker: string | null }[]>;
}

const databases = useRemoteDatabases();
/** Undone after each test: its run stops driving (and closes its remote batches). */
const runCleanups: (() => Promise<void>)[] = [];
/** Undone after the file: the worlds' workers, stores, pools and folders. */
const worldCleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of runCleanups.splice(0).reverse()) await cleanup();
}, 60_000);
afterAll(async () => {
  for (const cleanup of worldCleanups.splice(0).reverse()) await cleanup();
  await killWorkerProcesses();
}, 120_000);

/**
 * A database of its own, a worker process on it (its skill sleeps what a batch's first item says, see
 * `sleepingItems`, and honours ctx.signal), and the run's store on it.
 */
async function openWorld(options: { concurrency: number }): Promise<World> {
  const url = await databases.create();
  const dir = mkdtempSync(join(tmpdir(), 'scenarios-remote-control-'));
  worldCleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const callsFile = join(dir, 'calls.jsonl');
  const worker = spawnWorkerProcess({ databaseUrl: url, callsFile, concurrency: options.concurrency });
  worldCleanups.push(async () => {
    // Drained when it can, killed by killWorkerProcesses otherwise.
    if (worker.child.exitCode === null && worker.child.signalCode === null) {
      worker.child.kill('SIGTERM');
      await Promise.race([worker.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
  });
  const store = await PostgresSnapshotStore.open({ connectionString: url });
  worldCleanups.push(() => store.close());
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  worldCleanups.push(() => pool.end());
  await worker.ready;
  return {
    url,
    worker,
    store,
    callsFile,
    workflows: async (orchestrationId) =>
      (await pool.query<WorkflowRow>('SELECT workflow_uuid, status FROM dbos.workflow_status WHERE workflow_uuid LIKE $1 ORDER BY workflow_uuid', [`${orchestrationId}/%`])).rows,
    journal: async (orchestrationId) =>
      (
        await pool.query<{ scenario: string; batch_index: number; items: number; worker: string | null }>(
          "SELECT scenario, batch_index, items, result->>'worker' AS worker FROM batch_results WHERE orchestration_id = $1 ORDER BY scenario, batch_index",
          [orchestrationId],
        )
      ).rows,
  };
}

/** Items that tell the worker's skill how long each batch takes: `msOf(item index)`. */
const sleepingItems = (msOf: (index: number) => number): ItemSource => (_plan, start, count) => Array.from({ length: count }, (_, i) => ({ sleepMs: msOf(start + i) }));

/** Each test's world, made at once before the tests (a worker process takes long to start on a loaded machine). */
let worlds: { budget: World; pause: World; cancel: World } | undefined;
beforeAll(async () => {
  const [budget, pause, cancel] = await Promise.all([openWorld({ concurrency: 1 }), openWorld({ concurrency: 2 }), openWorld({ concurrency: 2 })]);
  worlds = { budget, pause, cancel };
}, 180_000);
const world = (name: 'budget' | 'pause' | 'cancel'): World => {
  if (!worlds) throw new Error('the worlds are not open');
  return worlds[name];
};

async function startRun(world: World, config: OrchestrationConfigInput, items: ItemSource): Promise<DurableOrchestration<unknown>> {
  const run = await createDurableOrchestration<unknown>(config, { store: world.store, skill: workerSkill, items });
  // However a test ends, the run stops driving (and closes its remote batches) before the store closes.
  runCleanups.push(async () => {
    await run.interrupt().catch(() => undefined);
    await run.outcome;
  });
  run.start();
  return run;
}

async function finished(run: DurableOrchestration<unknown>): Promise<Report> {
  const outcome = await run.outcome;
  if (outcome.kind !== 'finished') throw new Error(`the run ended ${outcome.kind}${'error' in outcome ? `: ${outcome.error.message}` : ''}`);
  return outcome.report;
}

const key = (orchestrationId: string, scenario: string, index: number) => `${orchestrationId}/${scenario}/batch/${index}`;
const remoteConfig = (scenario: Parameters<typeof simScenario>[2] & { batches: number }) => {
  const { batches, ...overrides } = scenario;
  return simConfig([simScenario('s', batches, overrides)], { execution: { mode: 'remote' } });
};

describe('a remote run stopped by its budget, a pause or a cancel', () => {
  it('fails the scenario on its time budget, cancels the batch in flight on the worker through DBOS, and does not count it', async () => {
    // One batch at a time; the worker's skill sleeps what a batch's first item says: batch 0 is quick, every
    // later one would take 20 s, so batch 1 is in flight when the 2.5 s budget runs out, whatever the load.
    const w = world('budget');
    const run = await startRun(w, remoteConfig({ batches: 6, timeBudgetSeconds: 2.5 }), sleepingItems((index) => (index === 0 ? 150 : 20_000)));
    const report = await finished(run);

    const scenario = report.scenarios.s;
    expect(scenario).toMatchObject({ status: 'failed', failureReason: 'time_budget_exceeded' });
    // The batch in flight: the one the worker started and no journal row records.
    const journal = await w.journal(run.id);
    const recorded = journal.map((row) => row.batch_index);
    const started = [...new Set(readCalls(w.callsFile).filter((c) => c.event === 'start').map((c) => c.key))];
    const inFlight = started.filter((k) => !recorded.some((index) => key(run.id, 's', index) === k));
    expect(recorded, 'batches counted before the budget ran out').toEqual([0]);
    expect(inFlight, `started ${started.join(', ')}; recorded ${recorded.join(', ')}`).toEqual([key(run.id, 's', 1)]);
    const cancelled = key(run.id, 's', 1);

    // Its workflow ended CANCELLED and the skill call on the worker saw its signal abort.
    await eventually('the batch in flight to be cancelled in DBOS', async () => ((await w.workflows(run.id)).find((w) => w.workflow_uuid === cancelled)?.status === 'CANCELLED' ? true : undefined), 15_000);
    // Long before its 20 s sleep would have ended.
    await eventually('the worker skill to see its signal abort', () => (readCalls(w.callsFile).some((c) => c.key === cancelled && c.event === 'aborted') ? true : undefined), 15_000);
    const workflows = await w.workflows(run.id);
    expect(workflows.filter((w) => w.status !== 'SUCCESS').map((w) => [w.workflow_uuid, w.status])).toEqual([[cancelled, 'CANCELLED']]);

    // Not counted: the report's items and batches are the journal's, and the workers section credits only those.
    expect(scenario?.itemsProcessed).toBe(journal.reduce((sum, row) => sum + row.items, 0));
    expect(scenario?.batchCount).toBe(recorded.length);
    expect(report.workers?.batches).toBe(recorded.length);
    expect(report.workers?.perWorker.reduce((sum, w) => sum + w.batches, 0)).toBe(recorded.length);
    // Still CANCELLED after the worker's skill call returned (the worker records nothing for it).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await w.workflows(run.id)).find((w) => w.workflow_uuid === cancelled)?.status).toBe('CANCELLED');
    expect((await w.journal(run.id)).map((row) => row.batch_index)).toEqual(recorded);
  }, 60_000);

  it('enqueues no batch while paused, enqueues again on resume, and completes with every batch recorded once', async () => {
    const batches = 8;
    const w = world('pause');
    const run = await startRun(w, remoteConfig({ batches, skillParams: { batchSize: 1, parallelWorkers: 2 } }), sleepingItems(() => 700));
    // Two batches on the worker at once, then pause.
    await eventually('two batches to be running on the worker', () => (readCalls(w.callsFile).filter((c) => c.event === 'start').length >= 2 ? true : undefined), 30_000);
    run.pause();
    await eventually('the scenario to be paused', () => (run.progress()[0]?.status === 'paused' ? true : undefined), 15_000);
    // Whatever was in flight has finished or been cancelled on the worker; from here the count must not grow.
    await eventually(
      'no batch of the run to be queued or running on the worker',
      async () => ((await w.workflows(run.id)).every((w) => w.status === 'SUCCESS' || w.status === 'CANCELLED') ? true : undefined),
      15_000,
    );
    const atPause = await w.workflows(run.id);
    const startsAtPause = readCalls(w.callsFile).filter((c) => c.event === 'start').length;
    expect(atPause.length).toBeLessThan(batches);
    // Longer than two batches take: a run still enqueueing would have sent more.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await w.workflows(run.id), 'workflows while paused').toEqual(atPause);
    expect(readCalls(w.callsFile).filter((c) => c.event === 'start').length, 'skill calls while paused').toBe(startsAtPause);
    expect(run.progress()[0]?.status).toBe('paused');

    run.resume();
    await eventually('a batch to be enqueued after the resume', async () => ((await w.workflows(run.id)).length > atPause.length ? true : undefined), 15_000);
    const report = await finished(run);
    const scenario = report.scenarios.s;
    expect(scenario).toMatchObject({ status: 'complete', itemsProcessed: batches, batchCount: batches });
    // Every batch recorded once, each by one DBOS workflow that ended SUCCESS (a batch cancelled by the pause
    // was run again under its own id, not a new one).
    const journal = await w.journal(run.id);
    expect(journal.map((row) => row.batch_index)).toEqual(Array.from({ length: batches }, (_, i) => i));
    const workflows = await w.workflows(run.id);
    expect(workflows.map((w) => w.workflow_uuid).sort()).toEqual(Array.from({ length: batches }, (_, i) => key(run.id, 's', i)).sort());
    expect(workflows.every((w) => w.status === 'SUCCESS'), JSON.stringify(workflows)).toBe(true);
    expect(report.workers?.batches).toBe(batches);
    const cancelledAtPause = atPause.filter((w) => w.status === 'CANCELLED').length;
    console.info(`remote pause: ${atPause.length} workflows at the pause (${cancelledAtPause} cancelled, run again after the resume), ${startsAtPause} skill calls before it`);
  }, 60_000);

  it('cancel() cancels the batches in flight on the worker, whose skill calls see their signal abort, and counts none of them', async () => {
    const w = world('cancel');
    const run = await startRun(w, remoteConfig({ batches: 6, skillParams: { batchSize: 1, parallelWorkers: 2 } }), sleepingItems(() => 20_000));
    const running = await eventually('two batches to be running on the worker', () => {
      const starts = readCalls(w.callsFile).filter((c) => c.event === 'start');
      return starts.length >= 2 ? starts.map((c) => c.key) : undefined;
    }, 30_000);
    run.cancel();
    const report = await finished(run);
    expect(report.scenarios.s).toMatchObject({ status: 'failed', failureReason: 'cancelled', itemsProcessed: 0, batchCount: 0 });

    for (const id of running) {
      await eventually(`${id} to be cancelled in DBOS`, async () => ((await w.workflows(run.id)).find((w) => w.workflow_uuid === id)?.status === 'CANCELLED' ? true : undefined), 15_000);
      // Long before the skill's 20 s sleep would have ended.
      await eventually(`the skill call of ${id} to see its signal abort`, () => (readCalls(w.callsFile).some((c) => c.key === id && c.event === 'aborted') ? true : undefined), 15_000);
    }
    expect((await w.workflows(run.id)).map((w) => w.status)).toEqual(running.map(() => 'CANCELLED'));
    expect(await w.journal(run.id)).toEqual([]);
    expect(report.workers).toBeUndefined();
  }, 60_000);
});
