import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OrchestrationConfig } from '../config/schema.ts';
import { SkillOutOfMemoryError, UsageError, toError } from '../errors.ts';
import type { ItemSource } from './batchRunner.ts';
import type { Skill, SkillContext, SkillResult } from './skill.ts';
import { skillOrigin, type SkillOrigin } from './skillOrigin.ts';
import type { WorkerBatchContext, WorkerReply, WorkerRequest } from './skillWorker.ts';

/** How long an aborted batch may go on in its worker before the worker is terminated (and restarted on the next batch). */
export const DEFAULT_ABORT_GRACE_MS = 2_000;

export interface IsolationOptions {
  /** Scenario name -> its memoryLimitMb, for every scenario whose skill runs in a worker of its own. */
  limitsMb: ReadonlyMap<string, number>;
  /** How long an aborted batch may ignore its signal (a synchronous loop cannot hear it) before its worker is terminated. */
  abortGraceMs?: number;
}

/** A skill whose isolated scenarios run in worker threads of their own; `close()` terminates them. */
export interface IsolatedSkill extends Skill<unknown> {
  /** Settles once `scenario`'s worker has loaded the skill (a dead one is replaced first); at once for a scenario in this thread. */
  ready(scenario: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * `source`, reading a batch's items only once the scenario's worker is ready. The batch runner times the skill
 * call alone, after the items are read: so a worker's start (loading the skill in a fresh thread, about half a
 * second for a TypeScript skill through tsx), on the first batch or after a restart, is not the batch's busy time.
 */
export function itemsWhenReady(source: ItemSource, skill: Pick<IsolatedSkill, 'ready'>): ItemSource {
  return async (plan, start, count) => {
    await skill.ready(plan.name);
    return source(plan, start, count);
  };
}

/** Scenario name -> memoryLimitMb for the scenarios whose skill runs in a worker (their own `isolation`, else the config's). */
export function isolatedScenarios(config: Pick<OrchestrationConfig, 'isolation' | 'scenarios'>): Map<string, number> {
  return new Map(config.scenarios.filter((s) => (s.isolation ?? config.isolation) === 'worker').map((s) => [s.name, s.memoryLimitMb]));
}

/**
 * `skill` as the config's isolation asks: wrapped by isolateSkill when a scenario runs in a worker, else
 * undefined. A command skill (`skill.command`) is refused: it already runs in a process of its own, whose
 * memory no worker thread can cap.
 */
export function isolateForConfig(skill: Skill<unknown>, config: Pick<OrchestrationConfig, 'isolation' | 'scenarios' | 'skill'>, abortGraceMs?: number): IsolatedSkill | undefined {
  const limitsMb = isolatedScenarios(config);
  if (limitsMb.size === 0) return undefined;
  if ('command' in config.skill) {
    throw new UsageError(
      `isolation "worker" (scenarios ${[...limitsMb.keys()].join(', ')}) applies to JavaScript skills; skill.command already runs in a process of its own, ` +
        'so set isolation to "none" and cap the program\'s memory yourself (e.g. with ulimit -v or prlimit)',
    );
  }
  return isolateSkill(skill, { limitsMb, ...(abortGraceMs !== undefined ? { abortGraceMs } : {}) });
}

/**
 * Routes each isolated scenario's batches to that scenario's own worker thread, whose heap is capped under the
 * scenario's memoryLimitMb (`resourceLimits`, see heapLimits), so the limit is enforced by V8 rather than sampled, a leak
 * fails only its own scenario, and the memory figure of each batch is its worker's own. Other scenarios run
 * `skill` in this thread as usual. The worker loads the skill itself, so `skill` must have come from a
 * module (loadSkillModule) or be a built-in: a skill object made in code cannot move to another thread.
 */
export function isolateSkill(skill: Skill<unknown>, options: IsolationOptions): IsolatedSkill {
  const origin = skillOrigin(skill);
  if (origin === undefined) {
    throw new UsageError(
      `isolation "worker" needs a skill its worker thread can load itself: a module (skill: { module } in the config, --skill, or loadSkillModule()) or a built-in by name; ` +
        `the skill "${skill.name}" was made in code, and an object cannot move to another thread (set isolation to "none", or load it from its file)`,
    );
  }
  const graceMs = options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS;
  // Started now, not on each scenario's first batch: loading the skill in a fresh thread takes a while (tsx
  // compiling a TypeScript skill: about a third of a second), which then overlaps the run's own set-up.
  const workers = new Map([...options.limitsMb].map(([scenario, limitMb]) => [scenario, new ScenarioWorker(scenario, limitMb, origin, graceMs)]));
  for (const worker of workers.values()) worker.warm();
  return {
    name: skill.name,
    version: skill.version,
    run(items, ctx) {
      const worker = workers.get(ctx.scenario);
      if (!worker) return skill.run(items, ctx);
      // Typed as the skill's result, but checked like any skill's: the batch runner validates what comes back.
      return worker.run(items, ctx) as Promise<SkillResult>;
    },
    ready: (scenario) => workers.get(scenario)?.ready() ?? Promise.resolve(),
    async close() {
      await Promise.all([...workers.values()].map((worker) => worker.close()));
    },
  };
}

/**
 * V8's heap caps for a limit of `limitMb`: a young generation of 1/16 of it (1 to 16 MB; V8's own default for
 * small heaps is in that range), and an old generation of the rest less some room. V8's heap limit comes to
 * the old generation plus 1.5 times the young one, and the heap in use can pass it by a little before V8
 * gives up; the room (1/16 of the limit, at least 4 MB) keeps the heap, garbage included, plus the worker's
 * own memory outside it (about 2 MB of Buffers and the like) under the limit, so only memory the skill keeps
 * outside the heap can take the worker's figure past it.
 */
export function heapLimits(limitMb: number): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number; stackSizeMb: number } {
  const young = Math.min(16, Math.max(1, Math.round(limitMb / 16)));
  const room = Math.max(4, Math.round(limitMb / 16));
  return { maxOldGenerationSizeMb: Math.max(1, Math.floor(limitMb - 1.5 * young - room)), maxYoungGenerationSizeMb: young, stackSizeMb: 4 };
}

/**
 * Starts the worker program from this file's sibling: skillWorker.ts through tsx when running from the
 * sources (vitest, the CLI when src/ changed after the build), skillWorker.js from dist/. Plain CommonJS run
 * with `eval`, so it needs no loader of its own and resolves tsx from this package, whatever the working directory.
 * From the sources, tsx is registered for the whole thread, as bin/scenarios.js does in the orchestrator's, not
 * through tsImport: tsImport marks every module it loads with ?tsx-namespace=…, so loadSkill.ts's own URL
 * would carry a mark, the mark it adds for the skill would not be read as its own, and its format hook would
 * leave a .ts skill outside a "type": "module" package to tsx, which loads it as CommonJS, whose imports then
 * fail on a package that exports only to `import` (such as this one's canonicalize).
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const entry = pathToFileURL(workerData.entry).href;
const load = workerData.tsx ? import(workerData.tsx).then((tsx) => { tsx.register(); return import(entry); }) : import(entry);
load.catch((error) => {
  setImmediate(() => { throw error; });
});
`;

function workerEntry(): { entry: string; tsx: string | undefined } {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const entry = fileURLToPath(new URL(`./skillWorker${ext}`, import.meta.url));
  return { entry, tsx: ext === '.ts' ? tsxEsmApi() : undefined };
}

/** tsx's ES module API: its CommonJS build registers its loader from a path that does not exist (tsx 4.2x). */
function tsxEsmApi(): string {
  const commonJs = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(commonJs.replace(/\.cjs$/, '.mjs')).href;
}

interface Pending {
  batchIndex: number;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** One live worker thread and the batches it was sent; replaced by a fresh one after it dies. */
interface Thread {
  worker: Worker;
  /** Batches whose caller still waits for an answer. */
  pending: Map<number, Pending>;
  /** Batches the worker is still running, answered or not (an aborted one no longer has a caller). */
  running: Set<number>;
  /** Why it is gone, once it is. */
  ended?: string;
  /** Until the worker says it has loaded the skill (or failed to): memory it runs out of is the load's. */
  loading: boolean;
  /** Settles when the worker has loaded the skill, or is gone. */
  ready: Promise<void>;
  markReady: () => void;
}

class ScenarioWorker {
  private thread: Thread | undefined;
  private nextId = 0;
  private closed = false;
  /**
   * Set when a worker ran out of memory while loading the skill: a fresh one would too (same skill, same
   * cap), so none is started and every batch fails at once with this message, instead of a batch waiting,
   * as busy time, for another worker to run out.
   */
  private loadOutOfMemory: string | undefined;

  private readonly scenario: string;
  private readonly limitMb: number;
  private readonly origin: SkillOrigin;
  private readonly graceMs: number;

  constructor(scenario: string, limitMb: number, origin: SkillOrigin, graceMs: number) {
    this.scenario = scenario;
    this.limitMb = limitMb;
    this.origin = origin;
    this.graceMs = graceMs;
  }

  run(items: unknown[], ctx: SkillContext): Promise<unknown> {
    if (ctx.signal.aborted) return Promise.reject(toError(ctx.signal.reason ?? new Error('aborted')));
    if (this.closed) return Promise.reject(new Error(`the skill's worker thread for scenario "${this.scenario}" is closed (the run has ended)`));
    if (this.loadOutOfMemory !== undefined) return Promise.reject(new SkillOutOfMemoryError(this.loadOutOfMemory, this.limitMb));
    const thread = this.thread ?? this.start();
    const id = this.nextId++;
    const batch: WorkerBatchContext = {
      scenario: ctx.scenario,
      params: { ...ctx.params },
      batchIndex: ctx.batchIndex,
      attempt: ctx.attempt,
      idempotencyKey: ctx.idempotencyKey,
      seed: ctx.seed,
    };
    return new Promise<unknown>((resolve, reject) => {
      try {
        this.post(thread, { type: 'run', id, items, ctx: batch });
      } catch (error) {
        reject(new Error(`batch ${ctx.batchIndex} could not be sent to the skill's worker thread (items and params must be plain data): ${toError(error).message}`));
        return;
      }
      const onAbort = () => {
        if (!thread.pending.delete(id)) return;
        this.refIfBusy(thread);
        reject(toError(ctx.signal.reason ?? new Error('aborted')));
        if (thread.ended === undefined) {
          this.post(thread, { type: 'abort', id });
          // A synchronous loop never hears the abort: such a worker is terminated, and restarted on the next batch.
          // The grace counts from when the skill could run: a batch aborted while the worker still loads the
          // skill is not started at all (skillWorker.ts), however long the load takes.
          const startGrace = () =>
            setTimeout(() => {
              if (thread.running.has(id) && thread.ended === undefined) this.end(thread, `batch ${ctx.batchIndex} went on for ${this.graceMs} ms after it was aborted`, true);
            }, this.graceMs).unref();
          if (thread.loading) void thread.ready.then(startGrace);
          else startGrace();
        }
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      const settle = <T>(fn: (value: T) => void) => (value: T) => {
        ctx.signal.removeEventListener('abort', onAbort);
        fn(value);
      };
      thread.pending.set(id, { batchIndex: ctx.batchIndex, resolve: settle(resolve), reject: settle(reject) });
      thread.running.add(id);
      this.refIfBusy(thread);
    });
  }

  /** Starts the thread (and its loading of the skill) ahead of the first batch. */
  warm(): void {
    if (!this.thread && !this.closed && this.loadOutOfMemory === undefined) this.start();
  }

  /** Settles once the live worker (started now if there is none) has loaded the skill, or has died trying. */
  ready(): Promise<void> {
    if (this.closed || this.loadOutOfMemory !== undefined) return Promise.resolve();
    return (this.thread ?? this.start()).ready;
  }

  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    if (!thread) return;
    this.end(thread, 'the run has ended', false);
    await thread.worker.terminate();
  }

  private post(thread: Thread, request: WorkerRequest): void {
    thread.worker.postMessage(request);
  }

  /** Only a worker with a caller waiting keeps the process alive, as a skill's own pending promise would. */
  private refIfBusy(thread: Thread): void {
    if (thread.pending.size > 0) thread.worker.ref();
    else thread.worker.unref();
  }

  private start(): Thread {
    const { entry, tsx } = workerEntry();
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: { entry, tsx, origin: this.origin, skillWorker: true },
      resourceLimits: heapLimits(this.limitMb),
    });
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const thread: Thread = { worker, pending: new Map(), running: new Set(), ready, markReady, loading: true };
    this.thread = thread;
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') {
        thread.loading = false;
        thread.markReady();
        return;
      }
      thread.running.delete(reply.id);
      const waiter = thread.pending.get(reply.id);
      if (!waiter) return;
      thread.pending.delete(reply.id);
      this.refIfBusy(thread);
      if (reply.type === 'done') waiter.resolve(withMemory(reply.result, reply.memoryMb));
      else waiter.reject(new Error(reply.message));
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') this.outOfMemory(thread);
      else this.end(thread, `it failed: ${error.message}`, false);
    });
    worker.on('exit', (code) => this.end(thread, `it exited (code ${code})`, false));
    return thread;
  }

  /**
   * The heap reached its cap: every batch the worker held fails with the scenario's memory limit. While the
   * worker was still loading the skill, no batch is to blame, and every later batch fails the same way at once.
   */
  private outOfMemory(thread: Thread): void {
    if (thread.ended !== undefined) return;
    const waiting = [...thread.pending.values()];
    let message: string;
    if (thread.loading) {
      const { maxOldGenerationSizeMb, maxYoungGenerationSizeMb } = heapLimits(this.limitMb);
      message =
        `the worker ran out of memory while loading the skill (memoryLimitMb ${this.limitMb} is too small to load it; its heap is capped at ` +
        `${maxOldGenerationSizeMb + 1.5 * maxYoungGenerationSizeMb} MB, which must hold Node's own start, the skill's modules and, for a TypeScript skill, tsx before any batch runs): ` +
        `raise the scenario's memoryLimitMb, or set its isolation to "none"`;
      this.loadOutOfMemory = message;
    } else {
      const where = waiting.length === 0 ? 'between batches' : `during batch ${waiting.map((p) => p.batchIndex).join(', ')}`;
      message = `the skill ran out of memory in its worker thread ${where}: its heap reached the scenario's memoryLimitMb (${this.limitMb} MB)`;
    }
    this.retire(thread, 'out of memory');
    for (const waiter of waiting) waiter.reject(new SkillOutOfMemoryError(message, this.limitMb));
  }

  /** The worker is gone (or is being terminated): its batches fail, and the next batch starts a fresh one. */
  private end(thread: Thread, why: string, terminate: boolean): void {
    if (thread.ended !== undefined) return;
    const waiting = [...thread.pending.values()];
    this.retire(thread, why);
    if (terminate) void thread.worker.terminate();
    for (const waiter of waiting) {
      waiter.reject(new Error(`the skill's worker thread for scenario "${this.scenario}" stopped during batch ${waiter.batchIndex}: ${why}; a new one runs the next attempt`));
    }
  }

  private retire(thread: Thread, why: string): void {
    thread.ended = why;
    thread.markReady();
    thread.pending.clear();
    thread.running.clear();
    thread.worker.unref();
    if (this.thread === thread) this.thread = undefined;
  }
}

/**
 * The worker's own memory as the batch's figure (or the skill's, if it reported more). A result that is not
 * an object, or whose memoryMb is not a number, is passed on untouched for the runner to refuse with its message.
 */
function withMemory(result: unknown, memoryMb: number): unknown {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return result;
  const reported: unknown = (result as { memoryMb?: unknown }).memoryMb;
  if (reported !== undefined && typeof reported !== 'number') return result;
  return { ...result, memoryMb: Math.max(reported ?? 0, memoryMb) };
}
