import { describe, expect, it, vi } from 'vitest';
import { defineSkill, type Skill, type SkillContext, type SkillResult } from '../../src/actors/skill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import type { ScenarioDefinitionInput } from '../../src/config/schema.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

// In-process companions of skillGuard.test.ts: faults a skill leaves behind after its batch settled, two
// batches of one scenario in flight, two runs guarded at once, synchronous skills, and stray rejections
// and exceptions. Through createOrchestration, as a host runs a skill.

/** process.exit itself (compared, never called). */
const currentExit = (): unknown => Reflect.get(process, 'exit');
const setExit = (value: unknown) => Reflect.set(process, 'exit', value);
const STRAY_EVENTS = ['unhandledRejection', 'uncaughtException'] as const;
const listenerCounts = () => STRAY_EVENTS.map((event) => process.listenerCount(event));

const refused = (code: string) =>
  `the skill tried to end the process (process.exit(${code})), which is refused while a run is driven: a skill fails a batch by throwing, never by exiting`;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const ok = (items: unknown[]): SkillResult => ({ qualityScore: 0.9, processed: items.length });

/** Calls process.exit as skill code that swallows the refusal would. */
function exitSwallowed(code?: number): void {
  try {
    if (code === undefined) process.exit();
    else process.exit(code);
  } catch {
    // swallowed: the batch fails all the same
  }
}

/** Resolves once `signal` is aborted, or after `ms` (so a skill the guard forgot to fail still ends). */
function abortedOr(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** One run of `skill` over the scenarios, 2 attempts a batch; its report's errors as [batchIndex, message] per scenario. */
async function runErrors(scenarios: ScenarioDefinitionInput[], skill: Skill, onEscape?: (error: Error) => void) {
  const config = simConfig(scenarios, { barriers: { at: [], timeoutMs: 1_000 }, retry: { maxAttempts: 2, backoffMs: 1 } });
  const run = createOrchestration(config, onEscape ? { skill, onEscape } : { skill });
  run.start();
  const report = await run.result;
  return Object.fromEntries(
    Object.entries(report.scenarios).map(([name, s]) => [name, { status: s.status, errors: s.errors.map((e) => [e.batchIndex, e.message]) }]),
  );
}

const scenario = (name: string, batches: number, overrides: Partial<ScenarioDefinitionInput> = {}) => simScenario(name, batches, { memoryLimitMb: 1e6, ...overrides });

/**
 * Runs `body` with vitest's own 'unhandledRejection' / 'uncaughtException' listeners set aside (they would
 * count a stray fault the guard contains as a test error), with a no-op pair in their place so a fault the
 * guard misses cannot end the process; the listeners are back as they were whatever happens.
 */
async function withStrayFaultsToTheGuard<T>(body: () => Promise<T>): Promise<T> {
  const rejections = process.listeners('unhandledRejection');
  const exceptions = process.listeners('uncaughtException');
  const fallback = () => undefined;
  for (const listener of rejections) process.removeListener('unhandledRejection', listener);
  for (const listener of exceptions) process.removeListener('uncaughtException', listener);
  process.on('unhandledRejection', fallback);
  process.on('uncaughtException', fallback);
  try {
    return await body();
  } finally {
    process.removeListener('unhandledRejection', fallback);
    process.removeListener('uncaughtException', fallback);
    for (const listener of rejections) process.on('unhandledRejection', listener);
    for (const listener of exceptions) process.on('uncaughtException', listener);
  }
}

describe('skill containment, in process: what a batch leaves behind', () => {
  it('an exit attempt left behind by a settled batch, with nothing of its scenario in flight, is told to onEscape once, with which batch had settled', async () => {
    const escapes = vi.fn<(error: Error) => void>();
    const bothTried = deferred();
    const skill = defineSkill({
      name: 'leaves-exits',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.scenario === 'a') {
          // 'a' has one batch: these fire after it settled, when nothing of 'a' is in flight.
          setTimeout(() => exitSwallowed(3), 5);
          setTimeout(() => {
            exitSwallowed(3);
            bothTried.resolve();
          }, 10);
        } else {
          // 'b' keeps the run guarded until both attempts have been made.
          await bothTried.promise;
        }
        return ok(items);
      },
    });

    const outcome = await runErrors([scenario('a', 1), scenario('b', 1)], skill, escapes);

    expect(escapes).toHaveBeenCalledTimes(1);
    expect(escapes.mock.calls[0]?.[0]).toMatchObject({
      code: 'skill_failed',
      message: `scenario "a": ${refused('3')} (after batch 0 had settled, with no batch of it in flight); the run is paused at its last saved point`,
    });
    expect(outcome).toEqual({ a: { status: 'complete', errors: [] }, b: { status: 'complete', errors: [] } });
  });

  it("an exit attempt left behind by a settled batch fails its scenario's next batch in flight, which is retried", async () => {
    const escapes = vi.fn<(error: Error) => void>();
    let batch1InFlight = false;
    const tried = deferred();
    const skill = defineSkill({
      name: 'leaves-an-exit',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.attempt === 1 && ctx.batchIndex === 0) {
          // Batch 0 returns at once; what it left waits for batch 1 to be in flight.
          const timer = setInterval(() => {
            if (!batch1InFlight) return;
            clearInterval(timer);
            exitSwallowed(0);
            tried.resolve();
          }, 1);
        }
        if (ctx.attempt === 1 && ctx.batchIndex === 1) {
          batch1InFlight = true;
          await tried.promise;
        }
        return ok(items);
      },
    });

    const outcome = await runErrors([scenario('a', 3)], skill, escapes);

    expect(outcome).toEqual({ a: { status: 'complete', errors: [[1, refused('0')]] } });
    expect(escapes).not.toHaveBeenCalled();
  });

  it('with two batches of one scenario in flight, an exit attempt from the older one fails that one, not the newer', async () => {
    const escapes = vi.fn<(error: Error) => void>();
    const batch1Started = deferred();
    const tried = deferred();
    const skill = defineSkill({
      name: 'exits-beside-another',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.attempt === 1 && ctx.batchIndex === 0) {
          await batch1Started.promise;
          exitSwallowed(5);
          tried.resolve();
        }
        if (ctx.attempt === 1 && ctx.batchIndex === 1) {
          batch1Started.resolve();
          await tried.promise;
        }
        return ok(items);
      },
    });

    const outcome = await runErrors([scenario('a', 2, { skillParams: { batchSize: 1, parallelWorkers: 2 } })], skill, escapes);

    expect(outcome).toEqual({ a: { status: 'complete', errors: [[0, refused('5')]] } });
    expect(escapes).not.toHaveBeenCalled();
  });

  it('with two batches of one scenario in flight, an exit attempt left by the older after it settled fails the newer still in flight', async () => {
    const escapes = vi.fn<(error: Error) => void>();
    const batch1Started = deferred();
    const tried = deferred();
    const skill = defineSkill({
      name: 'leaves-an-exit-beside-another',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.attempt === 1 && ctx.batchIndex === 0) {
          await batch1Started.promise;
          // Fires once batch 0 has settled, while batch 1 waits for it.
          setTimeout(() => {
            exitSwallowed(6);
            tried.resolve();
          }, 5);
        }
        if (ctx.attempt === 1 && ctx.batchIndex === 1) {
          batch1Started.resolve();
          await tried.promise;
        }
        return ok(items);
      },
    });

    const outcome = await runErrors([scenario('a', 2, { skillParams: { batchSize: 1, parallelWorkers: 2 } })], skill, escapes);

    expect(outcome).toEqual({ a: { status: 'complete', errors: [[1, refused('6')]] } });
    expect(escapes).not.toHaveBeenCalled();
  });

  // Once kept only the newest batch in flight: batch 2 settling emptied the scenario's slot while batch 1
  // still ran, and the attempt escaped the run, saying no batch of "a" was in flight.
  it('an exit attempt left behind after a later batch settled first still fails the batch still in flight', async () => {
    const escapes = vi.fn<(error: Error) => void>();
    const batch1Started = deferred();
    const tried = deferred();
    let batch2Returned = false;
    const skill = defineSkill({
      name: 'leaves-an-exit-past-a-quick-batch',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.attempt === 1 && ctx.batchIndex === 0) {
          await batch1Started.promise;
          // Fires once batch 2 (started when batch 0 was counted) has returned and settled.
          const timer = setInterval(() => {
            if (!batch2Returned) return;
            clearInterval(timer);
            exitSwallowed(7);
            tried.resolve();
          }, 1);
        }
        if (ctx.attempt === 1 && ctx.batchIndex === 1) {
          batch1Started.resolve();
          await tried.promise;
        }
        if (ctx.batchIndex === 2) batch2Returned = true;
        return ok(items);
      },
    });

    const outcome = await runErrors([scenario('a', 3, { skillParams: { batchSize: 1, parallelWorkers: 2 } })], skill, escapes);

    expect(escapes).not.toHaveBeenCalled();
    expect(outcome).toEqual({ a: { status: 'complete', errors: [[1, refused('7')]] } });
  });
});

describe('skill containment, in process: synchronous skills and exits before the first await', () => {
  it('a synchronous skill that swallows its refused exit and returns a good result still fails that batch', async () => {
    const skill = defineSkill({
      name: 'sync-exit',
      version: '1.0.0',
      run: (items, ctx) => {
        if (ctx.batchIndex === 0 && ctx.attempt === 1) exitSwallowed(2);
        return ok(items);
      },
    });
    expect(await runErrors([scenario('a', 2)], skill)).toEqual({ a: { status: 'complete', errors: [[0, refused('2')]] } });
  });

  it('an async skill that swallows its refused exit before its first await, then returns a good result, still fails that batch', async () => {
    const skill = defineSkill({
      name: 'early-exit',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.batchIndex === 0 && ctx.attempt === 1) exitSwallowed(2);
        await Promise.resolve();
        return ok(items);
      },
    });
    expect(await runErrors([scenario('a', 2)], skill)).toEqual({ a: { status: 'complete', errors: [[0, refused('2')]] } });
  });

  it('quotes process.exit() called with no code as it was written', async () => {
    const skill = defineSkill({
      name: 'bare-exit',
      version: '1.0.0',
      run: (items, ctx) => {
        if (ctx.batchIndex === 0 && ctx.attempt === 1) exitSwallowed();
        return ok(items);
      },
    });
    expect(await runErrors([scenario('a', 1)], skill)).toEqual({ a: { status: 'complete', errors: [[0, refused('')]] } });
  });

  it('a synchronous skill returning null fails its batch as an async one returning null does', async () => {
    const nullOnFirst = (sync: boolean) =>
      ({
        name: sync ? 'sync-null' : 'async-null',
        version: '1.0.0',
        run: (items: unknown[], ctx: SkillContext) => {
          const value = ctx.attempt === 1 ? null : ok(items);
          return sync ? value : Promise.resolve(value);
        },
      }) as unknown as Skill;
    const sync = await runErrors([scenario('a', 1)], nullOnFirst(true));
    const async = await runErrors([scenario('a', 1)], nullOnFirst(false));
    expect(sync.a?.errors).toHaveLength(1);
    expect(sync).toEqual(async);
  });
});

describe('skill containment, in process: the guard comes and goes with the runs', () => {
  it("with two runs at once, the first one's end leaves the second guarded; after both, process.exit and the listeners are back", async () => {
    const exitBefore = currentExit();
    const countsBefore = listenerCounts();
    const aDone = deferred();
    let countsWithBoth: number[] = [];
    let countsWithB: number[] = [];
    let exitWithB: unknown;
    const skillA = defineSkill({
      name: 'short',
      version: '1.0.0',
      run: (items, ctx) => {
        if (ctx.batchIndex === 0) countsWithBoth = listenerCounts();
        return ok(items);
      },
    });
    const skillB = defineSkill({
      name: 'outlives',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.batchIndex === 0 && ctx.attempt === 1) {
          await aDone.promise;
          countsWithB = listenerCounts();
          exitWithB = currentExit();
          exitSwallowed(1);
        }
        return ok(items);
      },
    });
    const options = { barriers: { at: [], timeoutMs: 1_000 }, retry: { maxAttempts: 2, backoffMs: 1 } };
    const runA = createOrchestration(simConfig([scenario('a', 2)], options), { skill: skillA });
    const runB = createOrchestration(simConfig([scenario('b', 2)], options), { skill: skillB });
    runA.start();
    runB.start();
    const reportA = await runA.result;
    // B's batch goes on once A's run has been let go of (its release runs as its actor completes).
    setImmediate(aDone.resolve);
    const reportB = await runB.result;

    expect(reportA.scenarios.a?.status).toBe('complete');
    expect(countsWithBoth).toEqual(countsBefore.map((n) => n + 1));
    expect(countsWithB).toEqual(countsBefore.map((n) => n + 1));
    expect(exitWithB).not.toBe(exitBefore);
    expect(reportB.scenarios.b?.errors.map((e) => [e.batchIndex, e.message])).toEqual([[0, refused('1')]]);
    expect(currentExit()).toBe(exitBefore);
    expect(listenerCounts()).toEqual(countsBefore);
  });

  it('leaves a process.exit someone put in place during the run where it is', async () => {
    const exitBefore = currentExit();
    const hostExit = vi.fn();
    const skill = defineSkill({
      name: 'replaces-exit',
      version: '1.0.0',
      run: (items, ctx) => {
        if (ctx.batchIndex === 0) setExit(hostExit);
        return ok(items);
      },
    });
    try {
      await runErrors([scenario('a', 1)], skill);
      expect(currentExit()).toBe(hostExit);
    } finally {
      setExit(exitBefore);
    }
    expect(hostExit).not.toHaveBeenCalled();
  });
});

describe('skill containment, in process: stray rejections and exceptions', () => {
  it('a rejection nobody awaited fails the batch whose code made it, its message on one line', async () => {
    const skill = defineSkill({
      name: 'stray-rejection',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.batchIndex === 0 && ctx.attempt === 1) {
          void Promise.reject(new Error('first line\n   second line\n'));
          await abortedOr(ctx.signal, 300);
        }
        return ok(items);
      },
    });
    const outcome = await withStrayFaultsToTheGuard(() => runErrors([scenario('a', 2)], skill));
    expect(outcome).toEqual({
      a: { status: 'complete', errors: [[0, "the skill's code raised an unhandled rejection (a promise nobody awaited): first line second line"]] },
    });
  });

  it("an exception thrown from a skill's timer fails the batch in flight as an uncaught exception", async () => {
    const skill = defineSkill({
      name: 'stray-exception',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.batchIndex === 1 && ctx.attempt === 1) {
          setTimeout(() => {
            throw new Error('x');
          }, 1);
          await abortedOr(ctx.signal, 300);
        }
        return ok(items);
      },
    });
    const outcome = await withStrayFaultsToTheGuard(() => runErrors([scenario('a', 2)], skill));
    expect(outcome).toEqual({ a: { status: 'complete', errors: [[1, "the skill's code raised an uncaught exception: x"]] } });
  });

  it('a refused exit the skill does not catch fails its batch once: the uncaught refusal is not blamed again', async () => {
    const escapes = vi.fn<(error: Error) => void>();
    const skill = defineSkill({
      name: 'exit-uncaught',
      version: '1.0.0',
      run: async (items, ctx) => {
        if (ctx.batchIndex === 1 && ctx.attempt === 1) {
          setTimeout(() => process.exit(0), 1);
          await abortedOr(ctx.signal, 300);
        }
        return ok(items);
      },
    });
    const outcome = await withStrayFaultsToTheGuard(() => runErrors([scenario('a', 3)], skill, escapes));
    expect(outcome).toEqual({ a: { status: 'complete', errors: [[1, refused('0')]] } });
    expect(escapes).not.toHaveBeenCalled();
  });

  it('a rejection raised outside every skill batch while a run is driven is told to onEscape, on one line', async () => {
    const escapes = vi.fn<(error: Error) => void>();
    const told = deferred();
    escapes.mockImplementation(() => told.resolve());
    const skill = defineSkill({
      name: 'waits',
      version: '1.0.0',
      run: async (items) => {
        await Promise.race([told.promise, new Promise((resolve) => setTimeout(resolve, 300))]);
        return ok(items);
      },
    });
    const outcome = await withStrayFaultsToTheGuard(async () => {
      const running = runErrors([scenario('a', 1)], skill, escapes);
      // Raised by the host's own code, in no batch's async context.
      void Promise.reject(new Error('stray\n  outside'));
      return running;
    });
    expect(escapes).toHaveBeenCalledTimes(1);
    expect(escapes.mock.calls[0]?.[0]).toMatchObject({
      code: 'internal',
      message: 'unhandled rejection outside any skill batch: stray outside; the run is paused at its last saved point',
    });
    expect(outcome).toEqual({ a: { status: 'complete', errors: [] } });
  });
});
