import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DBOSClient } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExecuteCall, Executed } from '../../src/actors/batchRunner.ts';
import type { SkillContext } from '../../src/actors/skill.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { BATCH_QUEUE, REMOTE_APP, batchWorkflowId } from '../../src/remote/protocol.ts';
import { RemoteBatches } from '../../src/remote/remoteBatches.ts';
import { remoteSkillVersion } from '../../src/remote/skillVersion.ts';
import { testPlan } from '../support/plans.ts';
import { useRemoteDatabases } from './support/remoteDatabase.ts';
import { eventually, killWorkerProcesses, readCalls, spawnWorkerProcess } from './support/workerProcesses.ts';

/**
 * `scenarios worker` processes (startWorker in child processes: DBOS is one per process, and a worker that
 * dies must be a process that dies) taking batches from RemoteBatches in this process, on a database of this
 * file's own.
 */

const SKILL = { name: 'remote-test', version: '1.0.0' };

const callOf = (plan: ScenarioPlan, index: number, items: unknown[]): ExecuteCall => {
  const ctx: SkillContext = {
    scenario: plan.name,
    params: plan.params,
    signal: new AbortController().signal,
    batchIndex: index,
    attempt: 1,
    idempotencyKey: `${plan.orchestrationId}/${plan.name}/batch/${index}`,
    seed: plan.seed,
    random: () => 0.5,
  };
  return { plan, index, attempt: 1, items, ctx };
};
const newPlan = () => testPlan({ orchestrationId: `orch-${randomUUID().slice(0, 8)}`, definition: { name: 'alpha', inputSize: 8 } });
const keyOf = (plan: ScenarioPlan, index: number) => `${plan.orchestrationId}/${plan.name}/batch/${index}`;

// One server for the file (a throw-away cluster when DATABASE_URL is not set), a database per describe.
const databases = useRemoteDatabases();

describe('worker processes', () => {
  let url: string;
  let remote: RemoteBatches;
  let observer: DBOSClient;
  let folder: string;
  let callsFile: string;

  beforeAll(async () => {
    url = await databases.create();
    remote = await RemoteBatches.open({ databaseUrl: url, skillVersion: remoteSkillVersion(SKILL) });
    observer = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: REMOTE_APP });
    folder = mkdtempSync(join(tmpdir(), 'remote-worker-test-'));
  }, 120_000);

  afterEach(async () => {
    await killWorkerProcesses();
  }, 60_000);

  afterAll(async () => {
    await killWorkerProcesses();
    await remote?.close();
    await observer?.destroy();
    if (folder) rmSync(folder, { recursive: true, force: true });
  }, 60_000);

  let testNo = 0;
  const freshCallsFile = () => (callsFile = join(folder, `calls-${++testNo}.jsonl`));
  const status = async (plan: ScenarioPlan, index: number) => (await observer.getWorkflow(batchWorkflowId(plan.orchestrationId, plan.name, index, 1)))?.status;

  it('a worker with another skill version takes no batch; a worker with the run\'s version then runs it', async () => {
    freshCallsFile();
    const stale = spawnWorkerProcess({ databaseUrl: url, skillName: SKILL.name, skillVersion: '2.0.0', callsFile });
    expect((await stale.ready).skillVersion).toBe(`${SKILL.name}@2.0.0`);

    const plan = newPlan();
    const executing = remote.execute(callOf(plan, 0, [{}]));
    let settled = false;
    void executing.then(() => (settled = true), () => (settled = true));
    // Many poll intervals of the stale worker (50 ms) and of its recovery loop (1 s): it takes nothing.
    await eventually('the batch to be enqueued', async () => ((await status(plan, 0)) ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await status(plan, 0)).toBe('ENQUEUED');
    expect(readCalls(callsFile)).toEqual([]);
    expect(settled).toBe(false);

    const matching = spawnWorkerProcess({ databaseUrl: url, skillName: SKILL.name, skillVersion: SKILL.version, callsFile });
    const { name, skillVersion } = await matching.ready;
    expect(skillVersion).toBe(remote.skillVersion);
    const executed = await executing;
    expect(executed).toMatchObject({ worker: name, raw: { qualityScore: 0.5, processed: 1 }, error: undefined });
    expect(readCalls(callsFile).map((c) => [c.event, c.pid])).toEqual([
      ['start', matching.pid],
      ['end', matching.pid],
    ]);
  }, 180_000);

  it("a SIGKILLed worker's batch in flight is run by a live worker within 10 s; its finished batch is not run again", async () => {
    freshCallsFile();
    // Batches take 60 s on the worker about to die (a batch can say otherwise), 50 ms on the survivor.
    const doomed = spawnWorkerProcess({ databaseUrl: url, ...SKILL, callsFile, sleepMs: 60_000 });
    const doomedName = (await doomed.ready).name;
    const plan = newPlan();

    const finished = await remote.execute(callOf(plan, 1, [{ sleepMs: 20 }]));
    expect(finished.worker).toBe(doomedName);

    const inFlight = remote.execute(callOf(plan, 0, [{}]));
    await eventually('the doomed worker to call the skill', () => (readCalls(callsFile).some((c) => c.key === keyOf(plan, 0) && c.event === 'start') ? true : undefined));
    const survivor = spawnWorkerProcess({ databaseUrl: url, ...SKILL, callsFile, sleepMs: 50 });
    const survivorName = (await survivor.ready).name;

    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const recovered = await inFlight;
    const recoveredInMs = Date.now() - killedAt;
    expect(recovered).toMatchObject({ worker: survivorName, raw: { qualityScore: 0.5, processed: 1 }, error: undefined });
    expect(recoveredInMs).toBeLessThan(10_000);
    await survivor.waitFor(new RegExp(`worker ${doomedName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is gone: 1 of its batch back on the queue`), 10_000);

    const calls = readCalls(callsFile);
    // The batch in flight: started on the dead worker, never ended there, run once more on the survivor.
    expect(calls.filter((c) => c.key === keyOf(plan, 0)).map((c) => [c.event, c.pid])).toEqual([
      ['start', doomed.pid],
      ['start', survivor.pid],
      ['end', survivor.pid],
    ]);
    // The batch that had finished: run once, and its result is still the dead worker's.
    expect(calls.filter((c) => c.key === keyOf(plan, 1)).map((c) => [c.event, c.pid])).toEqual([
      ['start', doomed.pid],
      ['end', doomed.pid],
    ]);
    expect(await remote.execute(callOf(plan, 1, [{ sleepMs: 20 }]))).toEqual(finished);
    expect(readCalls(callsFile).filter((c) => c.key === keyOf(plan, 1))).toHaveLength(2);
  }, 240_000);

  it("a worker killed after its skill call was recorded but before its batch's result: the recovered batch takes the recorded call, the skill is not run again", async () => {
    freshCallsFile();
    const doomed = spawnWorkerProcess({ databaseUrl: url, ...SKILL, callsFile, sleepMs: 20 });
    const doomedName = (await doomed.ready).name;
    const plan = newPlan();
    const first: Executed = await remote.execute(callOf(plan, 2, [{}]));
    expect(first.worker).toBe(doomedName);
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    // The window between the step's record and the workflow's result is too short to kill a process in, so
    // the state such a kill leaves is written as DBOS would have left it: the skill's step recorded, the
    // workflow PENDING on the dead worker, no result.
    const id = batchWorkflowId(plan.orchestrationId, plan.name, 2, 1);
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    try {
      const steps = await sql.query<{ function_name: string }>('SELECT function_name FROM dbos.operation_outputs WHERE workflow_uuid = $1', [id]);
      expect(steps.rows.map((r) => r.function_name)).toEqual(['skill']);
      const updated = await sql.query(
        `UPDATE dbos.workflow_status SET status = 'PENDING', output = NULL, completed_at = NULL, queue_name = $2, executor_id = $3 WHERE workflow_uuid = $1`,
        [id, BATCH_QUEUE, doomedName],
      );
      expect(updated.rowCount).toBe(1);
    } finally {
      await sql.end();
    }
    expect(await status(plan, 2)).toBe('PENDING');

    const survivor = spawnWorkerProcess({ databaseUrl: url, ...SKILL, callsFile, sleepMs: 20 });
    await survivor.ready;
    const again = await remote.execute(callOf(plan, 2, [{}]));
    await eventually('the recovered batch to finish', async () => ((await status(plan, 2)) === 'SUCCESS' ? true : undefined));
    // The recorded call's outcome, the dead worker's name in it; the skill ran once in all.
    expect(again).toEqual(first);
    expect(readCalls(callsFile).filter((c) => c.event === 'start').map((c) => c.pid)).toEqual([doomed.pid]);
  }, 240_000);

  it('drains on SIGTERM: the batch in flight finishes with its result, then the process exits 0', async () => {
    freshCallsFile();
    const worker = spawnWorkerProcess({ databaseUrl: url, ...SKILL, callsFile, sleepMs: 1_500 });
    const name = (await worker.ready).name;
    const plan = newPlan();
    const executing = remote.execute(callOf(plan, 0, [{}]));
    await eventually('the skill to be called', () => (readCalls(callsFile).some((c) => c.event === 'start') ? true : undefined));
    worker.child.kill('SIGTERM');
    expect(await executing).toMatchObject({ worker: name, raw: { qualityScore: 0.5, processed: 1 }, error: undefined });
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.stdout()).toMatch(/^drained$/m);
  }, 180_000);
});

describe('migrateSystemDatabase', () => {
  afterEach(() => killWorkerProcesses(), 60_000);

  it('three processes migrating a fresh database at once all finish, and the tables are there', async () => {
    const url = await databases.create();
    const processes = [0, 1, 2].map(() => spawnWorkerProcess({ databaseUrl: url, migrateOnly: true, waitForGo: true }));
    // Loaded and connected-to-be, then all told to go at once, so their migrations overlap.
    await Promise.all(processes.map((p) => p.waitFor(/^waiting$/m)));
    for (const p of processes) p.child.kill('SIGUSR2');
    const stuck = new Promise<never>((_, reject) => {
      const timer = setTimeout(() => reject(new Error(`the three migrations did not all finish in 120 s (deadlocked?):\n${processes.map((p) => p.stderr()).join('\n---\n')}`)), 120_000);
      void Promise.all(processes.map((p) => p.exited)).then(() => clearTimeout(timer));
    });
    const exits = await Promise.race([Promise.all(processes.map((p) => p.exited)), stuck]);
    expect(exits, processes.map((p) => p.stderr()).join('\n---\n')).toEqual([0, 1, 2].map(() => ({ code: 0, signal: null })));
    for (const p of processes) expect(p.stdout()).toMatch(/^migrated$/m);
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'dbos' AND table_name IN ('workflow_status', 'operation_outputs') ORDER BY table_name");
      expect(rows.map((r) => r.table_name)).toEqual(['operation_outputs', 'workflow_status']);
    } finally {
      await sql.end();
    }
  }, 180_000);
});
