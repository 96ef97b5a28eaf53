import { randomUUID } from 'node:crypto';
import { DBOSClient } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecuteCall } from '../../src/actors/batchRunner.ts';
import { randomFor } from '../../src/actors/seededRandom.ts';
import type { Skill, SkillContext } from '../../src/actors/skill.ts';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { REMOTE_APP, batchWorkflowId } from '../../src/remote/protocol.ts';
import { RemoteBatches } from '../../src/remote/remoteBatches.ts';
import { remoteSkillVersion } from '../../src/remote/skillVersion.ts';
import { startWorker, type RunningWorker } from '../../src/remote/worker.ts';
import { configProblems } from '../support/configProblems.ts';
import { testPlan } from '../support/plans.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';
import { useRemoteDatabases } from './support/remoteDatabase.ts';
import { eventually } from './support/workerProcesses.ts';

/**
 * The orchestrator's side of remote batches (RemoteBatches.execute, the batch runner's `execute` seam) against
 * a real worker (startWorker, in this process: DBOS is one per process) on a database of this file's own.
 */

/** What a batch's first item tells the test skill to do. */
type Instruction =
  | { kind: 'sleep'; ms: number; result: unknown }
  | { kind: 'throw'; message: string }
  /** Waits for ctx.signal the first time it is called for a key; returns `result` on later calls. */
  | { kind: 'hang-once'; result: unknown }
  | { kind: 'ctx' };

interface Call {
  key: string;
  attempt: number;
  /** Date.now() when the skill saw its ctx.signal abort (hang-once). */
  abortedAt?: number;
}

const calls: Call[] = [];
const callsFor = (key: string) => calls.filter((c) => c.key === key);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const skill: Skill<unknown> = {
  name: 'remote-batches-test',
  version: '1.0.0',
  async run(items, ctx: SkillContext) {
    const call: Call = { key: ctx.idempotencyKey, attempt: ctx.attempt };
    const earlier = callsFor(ctx.idempotencyKey).length;
    calls.push(call);
    const instruction = items[0] as Instruction;
    switch (instruction.kind) {
      case 'sleep':
        await sleep(instruction.ms);
        return instruction.result as never;
      case 'throw':
        throw new Error(instruction.message);
      case 'hang-once':
        if (earlier > 0) return instruction.result as never;
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        call.abortedAt = Date.now();
        throw new Error('stopped: the signal aborted');
      case 'ctx': {
        const draws = [ctx.random(), ctx.random(), ctx.random()];
        return { qualityScore: 0.5, seen: { scenario: ctx.scenario, params: ctx.params, batchIndex: ctx.batchIndex, attempt: ctx.attempt, idempotencyKey: ctx.idempotencyKey, seed: ctx.seed, aborted: ctx.signal.aborted }, draws } as never;
      }
    }
  },
};

/** A call as the batch runner makes one: a plan built by planScenario, a batch's items and its ctx. */
function batchCall(plan: ScenarioPlan, index: number, items: unknown[], options: { attempt?: number; signal?: AbortSignal } = {}): ExecuteCall {
  const attempt = options.attempt ?? 1;
  let random: (() => number) | undefined;
  const ctx: SkillContext = {
    scenario: plan.name,
    params: plan.params,
    signal: options.signal ?? new AbortController().signal,
    batchIndex: index,
    attempt,
    idempotencyKey: `${plan.orchestrationId}/${plan.name}/batch/${index}`,
    seed: plan.seed,
    random: () => (random ??= randomFor(plan.seed, plan.name, 'batch', index, attempt))(),
  };
  return { plan, index, attempt, items, ctx };
}

const newPlan = (overrides: { name?: string; seed?: number; skillParams?: Record<string, unknown> } = {}) =>
  testPlan({
    orchestrationId: `orch-${randomUUID().slice(0, 8)}`,
    seed: overrides.seed ?? 7,
    definition: { name: overrides.name ?? 'alpha', inputSize: 8, skillParams: { batchSize: 1, ...overrides.skillParams } },
  });

describe('RemoteBatches.execute with a worker on the same database', () => {
  const databases = useRemoteDatabases();
  let url: string;
  let worker: RunningWorker;
  let remote: RemoteBatches;
  /** To read workflow states as DBOS keeps them. */
  let observer: DBOSClient;

  beforeAll(async () => {
    url = await databases.create();
    // One slot: a second batch waits on the queue while the first runs, so queue wait and busy time differ.
    worker = await startWorker({ databaseUrl: url, skill, concurrency: 1 });
    remote = await RemoteBatches.open({ databaseUrl: url, skillVersion: remoteSkillVersion(skill) });
    observer = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: REMOTE_APP });
  }, 120_000);

  afterAll(async () => {
    await remote?.close();
    await observer?.destroy();
    await worker?.drain();
  }, 120_000);

  const status = async (plan: ScenarioPlan, index: number, attempt = 1) => (await observer.getWorkflow(batchWorkflowId(plan.orchestrationId, plan.name, index, attempt)))?.status;

  it("hands back the worker's name, the skill's raw result, and busy time measured on the worker, not the queue wait", async () => {
    const plan = newPlan();
    const raw = { qualityScore: 0.75, processed: 1, metrics: { f1: 0.5 }, note: 'passed through unchecked' };
    const sentAt = performance.now();
    const [first, second] = await Promise.all([
      remote.execute(batchCall(plan, 0, [{ kind: 'sleep', ms: 400, result: raw }])),
      remote.execute(batchCall(plan, 1, [{ kind: 'sleep', ms: 400, result: raw }])),
    ]);
    for (const executed of [first, second]) {
      expect(executed.worker).toBe(worker.name);
      expect(executed.raw).toEqual(raw);
      expect(executed.error).toBeUndefined();
        // The skill's own 400 ms, on this process's performance.now() axis (the worker's Date.now(), ms steps).
      expect(executed.t1 - executed.t0).toBeGreaterThanOrEqual(395);
      expect(executed.t0).toBeGreaterThanOrEqual(sentAt - 2);
    }
    // One slot: one of the two waited on the queue while the other ran, and that wait is not busy time:
    // its busy time is its own call, not the time since it was sent.
    const [earlier, later] = first.t0 <= second.t0 ? [first, second] : [second, first];
    expect(later.t0).toBeGreaterThanOrEqual(earlier.t1 - 2);
    expect(later.t0 - sentAt).toBeGreaterThanOrEqual(395);
    expect(later.t1 - later.t0).toBeLessThanOrEqual(later.t1 - sentAt - 390);
    expect(callsFor(batchCall(plan, 0, []).ctx.idempotencyKey)).toHaveLength(1);
  });

  it("gives a skill's throw as the batch's error, with no result", async () => {
    const plan = newPlan();
    const executed = await remote.execute(batchCall(plan, 0, [{ kind: 'throw', message: 'the model is down' }]));
    expect(executed).toMatchObject({ worker: worker.name, error: 'the model is down', raw: undefined });
    expect(await status(plan, 0)).toBe('SUCCESS');
  });

  it('returns the recorded result when the same batch is executed again after it finished, without calling the skill again', async () => {
    const plan = newPlan();
    const call = () => batchCall(plan, 3, [{ kind: 'sleep', ms: 20, result: { qualityScore: 0.9, run: randomUUID() } }]);
    const key = call().ctx.idempotencyKey;
    const first = await remote.execute(call());
    expect(callsFor(key)).toHaveLength(1);

    const again = await remote.execute(call());
    expect(again).toEqual(first);
    // A resumed orchestrator (a new client, the same ids) attaches to the same result.
    const resumed = await RemoteBatches.open({ databaseUrl: url, skillVersion: remoteSkillVersion(skill) });
    try {
      expect(await resumed.execute(call())).toMatchObject({ raw: first.raw, worker: worker.name });
    } finally {
      await resumed.close();
    }
    expect(callsFor(key)).toHaveLength(1);
  });

  it("cancels the workflow when ctx.signal aborts, and the worker's skill sees its own ctx.signal abort within about a second", async () => {
    const plan = newPlan();
    const controller = new AbortController();
    const call = batchCall(plan, 0, [{ kind: 'hang-once', result: { qualityScore: 0.6 } }], { signal: controller.signal });
    const executing = remote.execute(call);
    const running = await eventually('the skill to be called', () => callsFor(call.ctx.idempotencyKey)[0]);
    const abortedAt = Date.now();
    controller.abort(new Error('time budget spent'));
    await expect(executing).rejects.toThrow('time budget spent');
    const seenAt = await eventually('the skill to see its signal abort', () => running.abortedAt, 10_000);
    // The worker looks for cancels every 200 ms: about a second at most, with room for a loaded machine.
    expect(seenAt - abortedAt).toBeLessThan(2_000);
    expect(await status(plan, 0)).toBe('CANCELLED');
  });

  it('runs a cancelled batch again to a result when it is executed again (rewound under the same id)', async () => {
    const plan = newPlan();
    const controller = new AbortController();
    const items = [{ kind: 'hang-once', result: { qualityScore: 0.6, second: true } }];
    const executing = remote.execute(batchCall(plan, 5, items, { signal: controller.signal }));
    const key = batchCall(plan, 5, items).ctx.idempotencyKey;
    const first = await eventually('the skill to be called', () => callsFor(key)[0]);
    controller.abort(new Error('paused'));
    await expect(executing).rejects.toThrow('paused');
    await eventually('the skill to stop', () => first.abortedAt);
    await eventually('the workflow to be cancelled', async () => ((await status(plan, 5)) === 'CANCELLED' ? true : undefined));

    const again = await remote.execute(batchCall(plan, 5, items));
    expect(again).toMatchObject({ worker: worker.name, raw: { qualityScore: 0.6, second: true }, error: undefined });
    expect(callsFor(key)).toHaveLength(2);
    expect(await status(plan, 5)).toBe('SUCCESS');
  });

  it("gives the worker's skill the ctx a local run gives: scenario, params, batch index, attempt, idempotency key, seed and the same random draws", async () => {
    const plan = newPlan({ name: 'beta', seed: 1234, skillParams: { temperature: 0.2, model: 'small' } });
    for (const attempt of [1, 2]) {
      const local = batchCall(plan, 6, [{ kind: 'ctx' }], { attempt });
      const executed = await remote.execute(local);
      const expected = randomFor(1234, 'beta', 'batch', 6, attempt);
      expect(executed.raw).toEqual({
        qualityScore: 0.5,
        seen: { scenario: 'beta', params: { batchSize: 1, temperature: 0.2, model: 'small' }, batchIndex: 6, attempt, idempotencyKey: `${plan.orchestrationId}/beta/batch/6`, seed: 1234, aborted: false },
        draws: [expected(), expected(), expected()],
      });
      // The same draws as the ctx the batch runner builds for a local call of this batch.
      const localDraws = [local.ctx.random(), local.ctx.random(), local.ctx.random()];
      expect((executed.raw as { draws: number[] }).draws).toEqual(localDraws);
    }
    // A retry is an execution of its own, under its own workflow id.
    expect(await status(plan, 6, 1)).toBe('SUCCESS');
    expect(await status(plan, 6, 2)).toBe('SUCCESS');
  });
});

describe('remote execution is refused where it cannot work', () => {
  const remoteConfig = () => simConfig([simScenario('a', 4)], { execution: { mode: 'remote' } });

  it('refuses a run on the in-memory store, naming --db postgres://', async () => {
    const store = new MemorySnapshotStore();
    await expect(createDurableOrchestration(remoteConfig(), { store, id: 'remote-memory' })).rejects.toThrow(/--db postgres:\/\//);
    expect(await store.load('remote-memory')).toBeUndefined();
  });

  describe('on a PGlite store', () => {
    let store: PgliteSnapshotStore | undefined;
    // PGlite takes long to start on a loaded machine: opened once, outside the test's own time.
    beforeAll(async () => {
      store = await PgliteSnapshotStore.open();
    }, 180_000);
    afterAll(() => store?.close(), 60_000);

    it('refuses the run, naming --db postgres://, and stores no run', async () => {
      if (!store) throw new Error('no PGlite store');
      await expect(createDurableOrchestration(remoteConfig(), { store, id: 'remote-pglite' })).rejects.toThrow(/execution "remote" needs the Postgres server store \(--db postgres:\/\/…\)/);
      expect(await store.load('remote-pglite')).toBeUndefined();
    });
  });

  it('refuses remote execution with A/B skills, saying why', () => {
    const config = { ...remoteConfig(), skills: [{ name: 'simulated' }, { name: 'simulated', params: { latencyMs: 2 } }] };
    expect(configProblems(config)).toContainEqual({ path: 'execution.mode', message: 'A/B runs both versions in this process: remote execution is not supported with skills' });
  });

  it('refuses remote execution with isolation "worker", for the whole config or one scenario', () => {
    const message = 'isolation "worker" runs the skill in threads of this process: with remote execution each worker process is the isolation; remove isolation';
    expect(configProblems({ ...remoteConfig(), isolation: 'worker' })).toContainEqual({ path: 'execution.mode', message });
    expect(configProblems(simConfig([simScenario('a', 4), simScenario('b', 4, { isolation: 'worker' })], { execution: { mode: 'remote' } }))).toContainEqual({ path: 'execution.mode', message });
    // The same configs run locally are fine.
    expect(() => configProblems({ ...remoteConfig(), execution: { mode: 'local' }, isolation: 'worker' })).toThrow('expected a ConfigError');
  });
});
