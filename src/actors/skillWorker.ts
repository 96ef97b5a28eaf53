/**
 * The program of a scenario's skill worker thread (`isolation: "worker"`, see workerSkill.ts): it loads the
 * skill itself (a module by path, or a built-in by name), runs the batches it is sent with the same ctx the
 * orchestrator's own thread would give them, and answers each with the result and this thread's memory.
 * Its heap is capped by the Worker's resourceLimits, so a skill that outgrows it ends this thread only (except
 * a single allocation far past the cap, which V8 answers by ending the whole process: README, Memory).
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { toError } from '../errors.ts';
import { builtinSkill, loadSkillModule } from './loadSkill.ts';
import { randomFor } from './seededRandom.ts';
import type { Skill } from './skill.ts';
import type { SkillOrigin } from './skillOrigin.ts';

export interface SkillWorkerData {
  origin: SkillOrigin;
  /** Set by workerSkill.ts on the threads it starts for this program: see the start-up at the end of this file. */
  skillWorker?: true;
}

/** What a batch's ctx holds apart from the parts only this thread can make (signal, random). */
export interface WorkerBatchContext {
  scenario: string;
  params: Record<string, unknown>;
  batchIndex: number;
  attempt: number;
  idempotencyKey: string;
  seed: number;
}

export type WorkerRequest =
  | { type: 'run'; id: number; items: unknown[]; ctx: WorkerBatchContext }
  | { type: 'abort'; id: number };

export type WorkerReply =
  /** The skill is loaded (or failed to load, which its batches will say): batches no longer wait for the start. */
  | { type: 'ready' }
  | { type: 'done'; id: number; result: unknown; memoryMb: number }
  | { type: 'failed'; id: number; message: string; memoryMb: number };

/**
 * This thread's memory in MB: its JS heap, plus memory V8 accounts outside it (Buffers, ArrayBuffers), which
 * the heap cap does not bound; the scenario's memory limit is checked against the sum after each batch.
 */
export function threadMemoryMb(): number {
  const heap = getHeapStatistics();
  return (heap.used_heap_size + heap.external_memory) / 1_048_576;
}

/** Answers the batches sent on `port` (the worker's parentPort; a MessageChannel's port in the tests). */
export function serve(port: NonNullable<typeof parentPort>, data: SkillWorkerData): void {
  const skill: Promise<Skill<unknown>> = 'module' in data.origin ? loadSkillModule(data.origin.module) : Promise.resolve(builtinSkill(data.origin.builtin));
  const inFlight = new Map<number, AbortController>();
  const reply = (message: WorkerReply) => port.postMessage(message);
  // A load that failed is answered per batch (below), so the worker is ready either way (and the rejection handled).
  skill.then(
    () => reply({ type: 'ready' }),
    () => reply({ type: 'ready' }),
  );

  const run = async (items: unknown[], ctx: WorkerBatchContext, controller: AbortController) => {
    const loaded = await skill;
    // Aborted while the skill was still loading: the batch is not started (as the orchestrator's thread does
    // not start one whose stretch already stopped), so a skill that only listens for a later abort is not left running.
    controller.signal.throwIfAborted();
    return loaded.run(items, {
      ...ctx,
      signal: controller.signal,
      // The same stream the orchestrator's thread would draw from: (seed, scenario, 'batch', index, attempt).
      random: randomFor(ctx.seed, ctx.scenario, 'batch', ctx.batchIndex, ctx.attempt),
    });
  };

  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'abort') {
      inFlight.get(request.id)?.abort();
      return;
    }
    const { id, items, ctx } = request;
    const controller = new AbortController();
    inFlight.set(id, controller);
    run(items, ctx, controller)
      .then(
        (result) => {
          try {
            reply({ type: 'done', id, result, memoryMb: threadMemoryMb() });
          } catch (error) {
            // Functions, class instances with private state, ...: what cannot be cloned cannot be a result.
            reply({ type: 'failed', id, message: `the skill's result could not be sent from its worker thread: ${toError(error).message}`, memoryMb: threadMemoryMb() });
          }
        },
        (error: unknown) => reply({ type: 'failed', id, message: toError(error).message, memoryMb: threadMemoryMb() }),
      )
      .finally(() => inFlight.delete(id));
  });
}

// Only in a thread workerSkill.ts started for this program (its workerData says so): a test imports this module to
// call serve() itself, and a test runner may run tests in worker threads (vitest's threads pool, which Stryker
// uses), whose parentPort is the runner's own port.
if (parentPort && (workerData as Partial<SkillWorkerData> | null)?.skillWorker === true) serve(parentPort, workerData as SkillWorkerData);
