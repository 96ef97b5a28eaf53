import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type * as WorkerThreads from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSkillModule } from '../../src/actors/loadSkill.ts';
import { randomFor } from '../../src/actors/seededRandom.ts';
import type { SkillContext } from '../../src/actors/skill.ts';
import { isolateForConfig, isolateSkill, type IsolatedSkill } from '../../src/actors/workerSkill.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { SkillOutOfMemoryError, UsageError } from '../../src/errors.ts';
import { scenarioDefinition } from '../support/plans.ts';

/**
 * Every worker thread workerSkill.ts starts, and whether it keeps the process alive (ref'd) as things stand:
 * a process whose only isolated batch is still running must not exit under it, and an idle worker must not
 * keep a finished run's process alive.
 */
const threads = vi.hoisted(() => ({ started: [] as { worker: unknown; holdsProcess: boolean }[] }));
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof WorkerThreads>();
  class TrackedWorker extends actual.Worker {
    private readonly tracked: { worker: unknown; holdsProcess: boolean };
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      this.tracked = { worker: this, holdsProcess: true }; // a new Worker is ref'd
      threads.started.push(this.tracked);
    }
    override ref(): void {
      this.tracked.holdsProcess = true;
      super.ref();
    }
    override unref(): void {
      this.tracked.holdsProcess = false;
      super.unref();
    }
  }
  return { ...actual, Worker: TrackedWorker };
});

const PROBE = fileURLToPath(new URL('../fixtures/workerProbeSkill.ts', import.meta.url));

type ProbeResult = { qualityScore: number; seen: { calls: number }; memoryMb?: unknown };

function ctx(scenario: string, batchIndex: number, params: Record<string, unknown> = {}, signal = new AbortController().signal): SkillContext {
  return { scenario, params, signal, batchIndex, attempt: 1, idempotencyKey: `orch-g/${scenario}/batch/${batchIndex}`, seed: 7, random: randomFor(7, scenario, 'batch', batchIndex, 1) };
}

const opened: IsolatedSkill[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((skill) => skill.close()));
  threads.started.length = 0;
});

async function probe(limits: Record<string, number>, abortGraceMs?: number): Promise<IsolatedSkill> {
  const skill = await loadSkillModule(PROBE);
  const isolated = isolateSkill(skill, { limitsMb: new Map(Object.entries(limits)), ...(abortGraceMs !== undefined ? { abortGraceMs } : {}) });
  opened.push(isolated);
  return isolated;
}

const run = async (skill: IsolatedSkill, context: SkillContext, items: unknown[] = []) => (await skill.run(items, context)) as unknown;

/** 'settled', or 'still waiting' when the promise has not settled by the next turn of the event loop (no worker was waited for). */
const settlesAtOnce = (promise: Promise<unknown>) =>
  Promise.race([promise.then(() => 'settled'), new Promise((resolve) => setImmediate(() => resolve('still waiting after a turn of the event loop')))]);

describe('isolateSkill: keeping the process alive', () => {
  it('holds the process only while a batch waits for its worker', async () => {
    const skill = await probe({ hog: 64 });
    await skill.ready('hog');
    const [thread] = threads.started;
    expect(thread?.holdsProcess).toBe(false);

    const answered = run(skill, ctx('hog', 0));
    expect(thread?.holdsProcess).toBe(true);
    await answered;
    expect(thread?.holdsProcess).toBe(false);

    const controller = new AbortController();
    const aborted = run(skill, ctx('hog', 1, { mode: 'sleep', ms: 60_000 }, controller.signal));
    expect(thread?.holdsProcess).toBe(true);
    controller.abort(new Error('cancelled'));
    expect(thread?.holdsProcess).toBe(false);
    await expect(aborted).rejects.toThrow('cancelled');
  });
});

describe('isolateSkill: a worker that dies of an error', () => {
  it('fails its batch with that error, not as out of memory, when the error is thrown outside the batch', async () => {
    const skill = await probe({ hog: 64 });
    const failure: unknown = await run(skill, ctx('hog', 3, { mode: 'lateThrow', ms: 60_000 })).catch((error: unknown) => error);
    expect(failure).not.toBeInstanceOf(SkillOutOfMemoryError);
    expect((failure as Error).message).toBe('the skill\'s worker thread for scenario "hog" stopped during batch 3: it failed: late boom; a new one runs the next attempt');
  });
});

describe('isolateSkill: the grace an aborted batch gets', () => {
  it('keeps a worker whose aborted batch stopped within the grace', async () => {
    const skill = await probe({ hog: 64 }, 100);
    await skill.ready('hog');
    // The grace timer is this thread's: faked, it runs out only once the worker has answered the abort.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const controller = new AbortController();
    const aborted = run(skill, ctx('hog', 0, { mode: 'sleep', ms: 60_000 }, controller.signal));
    controller.abort(new Error('time budget exceeded'));
    await expect(aborted).rejects.toThrow('time budget exceeded');
    // Sent after the abort, answered after the aborted batch's own answer: the skill has stopped by now.
    expect(((await run(skill, ctx('hog', 1))) as ProbeResult).seen.calls).toBe(2);
    vi.advanceTimersByTime(100);
    vi.useRealTimers();
    // The same worker (its third call), not a fresh one.
    expect(((await run(skill, ctx('hog', 2))) as ProbeResult).seen.calls).toBe(3);
    expect(threads.started).toHaveLength(1);
  });

  it('terminates a worker whose aborted batch goes on past the grace: its thread ends, not left spinning', async () => {
    const skill = await probe({ hog: 64 }, 100);
    await skill.ready('hog');
    const spinning = threads.started[0]?.worker as WorkerThreads.Worker;
    const exited = once(spinning, 'exit');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const controller = new AbortController();
      const batch = run(skill, ctx('hog', 0, { mode: 'spin', ms: 5_000 }, controller.signal));
      controller.abort(new Error('cancelled'));
      await expect(batch).rejects.toThrow('cancelled');
      vi.advanceTimersByTime(100);
      vi.useRealTimers();
      const outcome = await Promise.race([exited.then(() => 'exited'), new Promise((resolve) => setTimeout(() => resolve('still running 2 s after the grace'), 2_000))]);
      expect(outcome).toBe('exited');
    } finally {
      await spinning.terminate(); // already ended, unless it was left spinning
    }
  });
});

describe("isolateSkill: the worker's results", () => {
  // One worker for these (starting one takes a while): they only read what comes back.
  let skill: IsolatedSkill;
  beforeAll(async () => {
    skill = isolateSkill(await loadSkillModule(PROBE), { limitsMb: new Map([['hog', 64]]) });
  });
  afterAll(() => skill.close());

  it('passes on a result that is not an object untouched, for the runner to refuse', async () => {
    expect(await run(skill, ctx('hog', 0, { mode: 'null' }))).toBeNull();
    expect(await run(skill, ctx('hog', 1, { mode: 'number' }))).toBe(42);
  });

  it("raises a skill's own memory figure to its worker's, and passes on one that is not a number", async () => {
    const small = (await run(skill, ctx('hog', 2, { mode: 'report', reportMb: 0.001 }))) as ProbeResult;
    // The worker's heap alone is a few MB.
    expect(small.memoryMb).toBeGreaterThan(1);
    const large = (await run(skill, ctx('hog', 3, { mode: 'report', reportMb: 5_000 }))) as ProbeResult;
    expect(large.memoryMb).toBe(5_000);
    const text = (await run(skill, ctx('hog', 4, { mode: 'report', reportMb: 'lots' }))) as ProbeResult;
    expect(text.memoryMb).toBe('lots');
  });
});

describe('isolateSkill: running out of memory', () => {
  it('names every batch the worker held when it ran out', async () => {
    const skill = await probe({ hog: 64 });
    // Sent at once, so all wait in the worker: the 64 MB they keep between them is more than its 60 MB heap. (In
    // 16 MB pieces: one array far larger than the heap cap can end the whole process, not just its worker.)
    const batches = [0, 1, 2, 3].map((index) => run(skill, ctx('hog', index, { mode: 'sleep', ms: 10_000, leakMb: 16 })).catch((error: unknown) => error));
    for (const failure of await Promise.all(batches)) {
      expect(failure).toBeInstanceOf(SkillOutOfMemoryError);
      expect((failure as Error).message).toMatch(/ran out of memory in its worker thread during batch 0, 1, 2, 3: /);
    }
  }, 20_000);

  it('gives the heap cap in the message when the skill is too large to load, and is then ready at once, starting no other worker', async () => {
    const skill = await loadSkillModule(PROBE);
    // Workers copy the environment when started: only this one takes 40 MB while loading the probe.
    process.env.WORKER_PROBE_LOAD_MB = '40';
    let isolated: IsolatedSkill;
    try {
      isolated = isolateSkill(skill, { limitsMb: new Map([['small', 32]]) });
    } finally {
      delete process.env.WORKER_PROBE_LOAD_MB;
    }
    opened.push(isolated);
    await isolated.ready('small');
    expect(threads.started).toHaveLength(1);
    expect(await settlesAtOnce(isolated.ready('small'))).toBe('settled');
    // heapLimits(32): an old generation of 25 MB and a young one of 2, which V8 counts 1.5 times.
    await expect(run(isolated, ctx('small', 0))).rejects.toThrow(/while loading the skill \(memoryLimitMb 32 is too small to load it; its heap is capped at 28 MB, /);
    expect(threads.started).toHaveLength(1);
  });
});

describe('isolateSkill: closing', () => {
  it('fails a batch still running when the run ends', async () => {
    const skill = await probe({ hog: 64 });
    const batch = run(skill, ctx('hog', 0, { mode: 'sleep', ms: 60_000 })).catch((error: unknown) => error);
    await skill.close();
    expect(await batch).toEqual(new Error('the skill\'s worker thread for scenario "hog" stopped during batch 0: the run has ended; a new one runs the next attempt'));
  });

  it('is ready at once once closed, starting no worker that nothing would end', async () => {
    const skill = await probe({ hog: 64 });
    await skill.close();
    expect(await settlesAtOnce(skill.ready('hog'))).toBe('settled');
    expect(threads.started).toHaveLength(1);
  });
});

describe('isolateForConfig: a command skill', () => {
  it('is refused naming every isolated scenario, with the way out', async () => {
    const skill = await loadSkillModule(PROBE);
    const config = parseConfig({
      isolation: 'worker',
      skill: { command: ['python3', 'skill.py'] },
      scenarios: [scenarioDefinition({ name: 'a' }), scenarioDefinition({ name: 'b' })],
    });
    expect(() => isolateForConfig(skill, config)).toThrow(UsageError);
    expect(() => isolateForConfig(skill, config)).toThrow(
      'isolation "worker" (scenarios a, b) applies to JavaScript skills; skill.command already runs in a process of its own, so set isolation to "none" and cap',
    );
    expect(threads.started).toHaveLength(0);
  });
});
