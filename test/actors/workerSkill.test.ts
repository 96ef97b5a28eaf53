import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSkillModule } from '../../src/actors/loadSkill.ts';
import { randomFor } from '../../src/actors/seededRandom.ts';
import { simulatedSkill } from '../../src/actors/simulatedSkill.ts';
import type { Skill, SkillContext } from '../../src/actors/skill.ts';
import { heapLimits, isolateForConfig, isolateSkill, itemsWhenReady, type IsolatedSkill } from '../../src/actors/workerSkill.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { SkillOutOfMemoryError, UsageError } from '../../src/errors.ts';
import { scenarioDefinition, testPlan } from '../support/plans.ts';

const PROBE = fileURLToPath(new URL('../fixtures/workerProbeSkill.ts', import.meta.url));

/** What the probe skill saw, as it returns it. */
interface Seen {
  items: unknown[];
  scenario: string;
  params: Record<string, unknown>;
  batchIndex: number;
  attempt: number;
  idempotencyKey: string;
  seed: number;
  draws: number[];
  /** The thread the batch ran in: the test's own (it plays the orchestrator) unless the scenario is isolated. */
  threadId: number;
  heapLimitMb: number;
  kept: number;
  calls: number;
}
type ProbeResult = { qualityScore: number; seen: Seen; memoryMb?: number };

function ctx(scenario: string, batchIndex: number, params: Record<string, unknown> = {}, over: Partial<SkillContext> = {}): SkillContext {
  return {
    scenario,
    params,
    signal: new AbortController().signal,
    batchIndex,
    attempt: 1,
    idempotencyKey: `orch-w/${scenario}/batch/${batchIndex}`,
    seed: 7,
    random: randomFor(7, scenario, 'batch', batchIndex, 1),
    ...over,
  };
}

const opened: IsolatedSkill[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((skill) => skill.close()));
});

async function probe(limits: Record<string, number>, abortGraceMs?: number): Promise<IsolatedSkill> {
  const skill = await loadSkillModule(PROBE);
  const isolated = isolateSkill(skill, { limitsMb: new Map(Object.entries(limits)), ...(abortGraceMs !== undefined ? { abortGraceMs } : {}) });
  opened.push(isolated);
  return isolated;
}

const run = async (skill: IsolatedSkill, context: SkillContext, items: unknown[] = []) => (await skill.run(items, context)) as unknown as ProbeResult;

describe('isolateSkill: each isolated scenario runs the skill in a worker thread of its own', () => {
  it('gives the worker the batch as the orchestrator would: items, ctx, and the same seeded draws', async () => {
    const skill = await probe({ hog: 64 });
    const items = [{ id: 'a', text: 'x' }, { id: 'b', n: 2 }];
    const { seen, memoryMb } = await run(skill, ctx('hog', 3, { batchSize: 2, flag: true }, { attempt: 2, random: () => 0 }), items);
    expect(seen).toMatchObject({
      items,
      scenario: 'hog',
      params: { batchSize: 2, flag: true },
      batchIndex: 3,
      attempt: 2,
      idempotencyKey: 'orch-w/hog/batch/3',
      seed: 7,
    });
    expect(seen.threadId).not.toBe(threadId);
    // Recreated in the worker from (seed, scenario, 'batch', index, attempt), as the batch runner makes it.
    const expected = randomFor(7, 'hog', 'batch', 3, 2);
    expect(seen.draws).toEqual([expected(), expected()]);
    // The worker's heap is capped a little under the scenario's limit, and the batch's figure is the worker's own memory.
    expect(seen.heapLimitMb).toBeGreaterThanOrEqual(56);
    expect(seen.heapLimitMb).toBeLessThanOrEqual(64);
    expect(memoryMb).toBeGreaterThan(0);
    expect(memoryMb).toBeLessThan(64);
  });

  it('runs scenarios that are not isolated in this thread, as before', async () => {
    const skill = await probe({ hog: 64 });
    const result = await run(skill, ctx('light', 0));
    expect(result.seen.threadId).toBe(threadId);
    expect(result.memoryMb).toBeUndefined();
  });

  it("fails a leaking scenario's batch with SkillOutOfMemoryError at its limit, and leaves another scenario's worker alone", async () => {
    const skill = await probe({ hog: 64, light: 64 });
    const light = await run(skill, ctx('light', 0, { leakMb: 16, leakIn: ['hog'] }));
    let failure: unknown;
    const figures: number[] = [];
    for (let index = 0; index < 10 && failure === undefined; index++) {
      try {
        figures.push((await run(skill, ctx('hog', index, { leakMb: 16, leakIn: ['hog'] }))).memoryMb ?? -1);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(SkillOutOfMemoryError);
    expect(failure).toMatchObject({ code: 'skill_out_of_memory', limitMb: 64 });
    expect((failure as Error).message).toMatch(/ran out of memory in its worker thread during batch \d+: its heap reached the scenario's memoryLimitMb \(64 MB\)/);
    // Its figures grew with the leak before the cap cut it off.
    expect(figures.length).toBeGreaterThanOrEqual(1);
    expect(figures.every((mb, i) => i === 0 || mb >= (figures[i - 1] ?? 0) - 16)).toBe(true);

    // The other scenario's worker kept nothing and still answers, with a small figure of its own.
    const after = await run(skill, ctx('light', 1, { leakMb: 16, leakIn: ['hog'] }));
    expect(after.seen).toMatchObject({ kept: 0, calls: 2 });
    expect(after.seen.threadId).not.toBe(threadId);
    expect(after.memoryMb).toBeLessThan(48);
    expect(light.memoryMb).toBeLessThan(48);

    // The next batch of the scenario that ran out starts in a fresh worker: its module state is new.
    const fresh = await run(skill, ctx('hog', 99));
    expect(fresh.seen).toMatchObject({ kept: 0, calls: 1 });
  }, 60_000);

  it('counts memory outside the heap (Buffers) in the figure, which the heap cap cannot bound', async () => {
    const skill = await probe({ hog: 64 });
    let figure = 0;
    // 3 x 24 MB of Buffers kept: more than the heap, capped at 60 MB, could ever hold, so the figure can reach
    // it only by counting memory outside the heap. (Not the growth between two batches: the heap's start-up
    // garbage may be collected in between, by several MB.)
    for (let index = 0; index < 3; index++) figure = (await run(skill, ctx('hog', index, { mode: 'buffers', leakMb: 24 }))).memoryMb ?? 0;
    expect(figure).toBeGreaterThanOrEqual(72);
  });

  it('aborts a batch in the worker when its signal aborts, and the worker goes on with the next', async () => {
    const skill = await probe({ hog: 64 });
    // Loaded first, so the abort reaches a batch inside the skill (one aborted during the load never starts: below).
    await skill.ready('hog');
    const controller = new AbortController();
    const pending = run(skill, ctx('hog', 0, { mode: 'sleep', ms: 60_000 }, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('time budget exceeded')), 50);
    await expect(pending).rejects.toThrow('time budget exceeded');
    const next = await run(skill, ctx('hog', 1));
    expect(next.seen.calls).toBe(2);
  });

  it('never starts a batch aborted while the worker still loads the skill, and keeps the worker however long the load takes', async () => {
    // Grace 1 ms: were it counted from the abort rather than from the load's end, the worker would be ended for it.
    const skill = await probe({ hog: 64 }, 1);
    const controller = new AbortController();
    const pending = run(skill, ctx('hog', 0, { mode: 'sleep', ms: 60_000 }, { signal: controller.signal }));
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    const next = await run(skill, ctx('hog', 1));
    // The aborted batch never reached the skill (a skill that only listens for a later abort would sleep on).
    expect(next.seen.calls).toBe(1);
  });

  it('terminates a worker whose aborted batch does not stop (a synchronous loop), and starts a fresh one for the next batch', async () => {
    const skill = await probe({ hog: 64 }, 100);
    await run(skill, ctx('hog', 0));
    const controller = new AbortController();
    const spinning = run(skill, ctx('hog', 1, { mode: 'spin', ms: 30_000 }, { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await expect(spinning).rejects.toThrow();
    // Had the spinning worker been kept, this batch would wait 30 s behind the loop and be its third call. Sent
    // before the grace ran out, it fails with that worker (and its retry runs in the fresh one).
    const next = await run(skill, ctx('hog', 2)).catch((error: unknown) => {
      expect((error as Error).message).toMatch(/batch 1 went on for 100 ms after it was aborted/);
      return run(skill, ctx('hog', 2, {}, { attempt: 2 }));
    });
    expect(next.seen.calls).toBe(1);
  }, 20_000);

  it('fails the batch of a worker that exits, naming the exit code, and runs the retry in a fresh worker', async () => {
    const skill = await probe({ hog: 64 });
    await expect(run(skill, ctx('hog', 4, { mode: 'exit' }))).rejects.toThrow(/worker thread for scenario "hog" stopped during batch 4: it exited \(code 3\); a new one runs the next attempt/);
    const retry = await run(skill, ctx('hog', 4, { mode: 'exit' }, { attempt: 2 }));
    expect(retry.seen).toMatchObject({ attempt: 2, calls: 1 });
  });

  it("fails the batch with the skill's own error when it throws, keeping the worker", async () => {
    const skill = await probe({ hog: 64 });
    await expect(run(skill, ctx('hog', 5, { mode: 'throw' }))).rejects.toThrow('boom in batch 5');
    expect((await run(skill, ctx('hog', 6))).seen.calls).toBe(2);
  });

  it('fails the batch when its result cannot leave the worker', async () => {
    const skill = await probe({ hog: 64 });
    await expect(run(skill, ctx('hog', 0, { mode: 'function' }))).rejects.toThrow(/result could not be sent from its worker thread/);
  });

  it('fails the batch when its items cannot be sent to the worker', async () => {
    const skill = await probe({ hog: 64 });
    await expect(run(skill, ctx('hog', 0), [{ id: 1, fn: () => 1 }])).rejects.toThrow(/batch 0 could not be sent to the skill's worker thread/);
  });

  it('refuses new batches once closed', async () => {
    const skill = await probe({ hog: 64 });
    await run(skill, ctx('hog', 0));
    await skill.close();
    await expect(run(skill, ctx('hog', 1))).rejects.toThrow(/is closed/);
  });

  it('loads a built-in skill by name in the worker', async () => {
    const isolated = isolateSkill(simulatedSkill, { limitsMb: new Map([['hog', 64]]) });
    opened.push(isolated);
    const result = (await isolated.run([{ id: 'x', value: 0.5 }], ctx('hog', 0, { latencyMs: 1 }))) as { qualityScore: number; memoryMb: number };
    expect(result.qualityScore).toBeGreaterThanOrEqual(0.85);
    expect(result.memoryMb).toBeGreaterThan(0);
  });
});

describe('waiting for the worker before a batch (itemsWhenReady)', () => {
  it('reads a batch only once its scenario\'s worker has loaded the skill, in the order asked', async () => {
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const skill: IsolatedSkill = { name: 's', version: '1', run: () => ({ qualityScore: 1 }), ready: () => ready, close: () => Promise.resolve() };
    const read: number[] = [];
    const source = itemsWhenReady((_plan, start) => {
      read.push(start);
      return [start];
    }, skill);
    const plan = testPlan();
    const first = source(plan, 0, 1);
    const second = source(plan, 1, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(read).toEqual([]);
    markReady();
    expect(await Promise.all([first, second])).toEqual([[0], [1]]);
    expect(read).toEqual([0, 1]);
  });

  it('is ready once the worker has loaded the skill, and a batch then runs at once', async () => {
    const skill = await probe({ hog: 64 });
    await skill.ready('hog');
    await skill.ready('light'); // not isolated: nothing to wait for
    expect((await run(skill, ctx('hog', 0))).seen.calls).toBe(1);
  });

  it('fails every batch at once with SkillOutOfMemoryError when the worker runs out of memory loading the skill, starting no other worker', async () => {
    // A 4 MB limit caps the heap at 2.5 MB: too small for Node's start in a worker, let alone tsx and the skill.
    const skill = await probe({ tiny: 4 });
    await skill.ready('tiny');
    for (const batchIndex of [0, 1]) {
      // Settled before the event loop turns: no worker was started (or waited for) as part of the batch.
      const outcome = await Promise.race([
        run(skill, ctx('tiny', batchIndex)).then(() => 'ran', (error: unknown) => error),
        new Promise((resolve) => setImmediate(() => resolve('still waiting after a turn of the event loop'))),
      ]);
      expect(outcome).toBeInstanceOf(SkillOutOfMemoryError);
      expect(outcome).toMatchObject({ code: 'skill_out_of_memory', limitMb: 4 });
      expect((outcome as Error).message).toMatch(/^the worker ran out of memory while loading the skill \(memoryLimitMb 4 is too small to load it; its heap is capped at 2\.5 MB, .*raise the scenario's memoryLimitMb/);
    }
    await skill.ready('tiny'); // still ready: nothing is loading
  });

  it('says a batch sent while the worker was still loading failed for the load, not for the batch', async () => {
    const skill = await probe({ tiny: 4 });
    await expect(run(skill, ctx('tiny', 0))).rejects.toThrow(/^the worker ran out of memory while loading the skill \(memoryLimitMb 4 is too small/);
  });

  it('is ready, not stuck, when the worker cannot load the skill: the batch says why', async () => {
    process.env.WORKER_PROBE_LOAD_ONLY_IN = String(threadId);
    try {
      const skill = await probe({ hog: 64 });
      await skill.ready('hog');
      await expect(run(skill, ctx('hog', 0))).rejects.toThrow(/this module refuses to load in a worker/);
    } finally {
      delete process.env.WORKER_PROBE_LOAD_ONLY_IN;
    }
  });
});

describe('isolateForConfig', () => {
  const config = (over: Record<string, unknown>) =>
    parseConfig({ scenarios: [scenarioDefinition({ name: 'a', memoryLimitMb: 32 }), scenarioDefinition({ name: 'b', memoryLimitMb: 48, isolation: 'none' })], ...over });

  it('isolates the scenarios the config (or the scenario itself) puts in a worker, with their own limits', async () => {
    const skill = await loadSkillModule(PROBE);
    expect(isolateForConfig(skill as Skill<unknown>, config({}))).toBeUndefined();
    const isolated = isolateForConfig(skill, config({ isolation: 'worker' }));
    if (!isolated) throw new Error('expected an isolated skill');
    opened.push(isolated);
    expect((await run(isolated, ctx('a', 0))).seen.threadId).not.toBe(threadId);
    expect((await run(isolated, ctx('b', 0))).seen.threadId).toBe(threadId);
  });

  it('refuses a skill made in code: it cannot move to another thread', () => {
    const inCode: Skill<unknown> = { name: 'mine', version: '1', run: () => ({ qualityScore: 1 }) };
    expect(() => isolateForConfig(inCode, config({ isolation: 'worker' }))).toThrow(UsageError);
    expect(() => isolateForConfig(inCode, config({ isolation: 'worker' }))).toThrow(/isolation "worker" needs a skill its worker thread can load itself.*the skill "mine" was made in code/);
  });

  it('refuses a command skill: its program already runs in a process of its own', () => {
    const command = config({ isolation: 'worker', skill: { command: ['python3', 'skill.py'] } });
    expect(() => isolateForConfig(simulatedSkill as Skill<unknown>, command)).toThrow(/skill\.command already runs in a process of its own/);
  });
});

describe('heapLimits', () => {
  it('caps the heap under the limit, leaving room for garbage and memory outside the heap', () => {
    // V8's heap limit is about old + 1.5 × young: 54 + 6 = 60 of 64 MB, 936 + 24 = 960 of 1024 MB.
    expect(heapLimits(64)).toEqual({ maxOldGenerationSizeMb: 54, maxYoungGenerationSizeMb: 4, stackSizeMb: 4 });
    expect(heapLimits(1024)).toEqual({ maxOldGenerationSizeMb: 936, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 });
    expect(heapLimits(16)).toEqual({ maxOldGenerationSizeMb: 10, maxYoungGenerationSizeMb: 1, stackSizeMb: 4 });
  });

  it('does not fail a skill for garbage: temporaries it drops keep its figure under the limit', async () => {
    const skill = await probe({ hog: 64 });
    const figures: number[] = [];
    // 20 MB of doubles per batch (built from an array as large), dropped when the batch ends.
    for (let index = 0; index < 8; index++) figures.push((await run(skill, ctx('hog', index, { leakMb: 20, leakIn: [] , mode: 'temporary' }))).memoryMb ?? Infinity);
    expect(Math.max(...figures)).toBeLessThanOrEqual(64);
  }, 60_000);
});
