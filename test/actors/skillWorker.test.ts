import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomFor } from '../../src/actors/seededRandom.ts';
import { serve, type SkillWorkerData, type WorkerBatchContext, type WorkerReply, type WorkerRequest } from '../../src/actors/skillWorker.ts';

/**
 * The worker program's serve(), driven in this thread over a MessageChannel, as workerSkill.ts drives it over a
 * worker's port. workerSkill.test.ts runs the same code in real worker threads, but a mutation tool sees and
 * switches on code in this thread only, so the protocol is pinned here too.
 */

const PROBE = fileURLToPath(new URL('../fixtures/workerProbeSkill.ts', import.meta.url));
const MB = 1_048_576;
/** Every reply carries this thread's memory figure (its value is checked below). */
const aNumber = expect.any(Number) as number;

// A skill that takes a while to load (top-level await), so a batch can arrive before it is ready.
const scratch = mkdtempSync(join(tmpdir(), 'skill-worker-test-'));
const SLOW_LOADING = join(scratch, 'slowLoading.mjs');
writeFileSync(
  SLOW_LOADING,
  `let calls = 0;
await new Promise((resolve) => setTimeout(resolve, 150));
export default { name: 'slow-loading', version: '1', async run() { calls += 1; return { qualityScore: 1, calls }; } };
`,
);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Served {
  send(request: WorkerRequest): void;
  /** The next reply on the port (a reply that never comes fails the test after a few seconds, not at its timeout). */
  next(): Promise<WorkerReply>;
}

const ports: MessagePort[] = [];
afterEach(() => {
  for (const port of ports.splice(0)) port.close();
});

function served(origin: SkillWorkerData['origin']): Served {
  const { port1: orchestrator, port2: worker } = new MessageChannel();
  ports.push(orchestrator, worker);
  const replies: WorkerReply[] = [];
  let waiting: ((reply: WorkerReply) => void) | undefined;
  orchestrator.on('message', (reply: WorkerReply) => {
    if (waiting) {
      const deliver = waiting;
      waiting = undefined;
      deliver(reply);
    } else replies.push(reply);
  });
  serve(worker, { origin });
  return {
    send: (request) => orchestrator.postMessage(request),
    next: () => {
      const queued = replies.shift();
      if (queued) return Promise.resolve(queued);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply from serve() within 5 s')), 5_000);
        waiting = (reply) => {
          clearTimeout(timer);
          resolve(reply);
        };
      });
    },
  };
}

function batch(batchIndex: number, params: Record<string, unknown> = {}, over: Partial<WorkerBatchContext> = {}): WorkerBatchContext {
  return { scenario: 'hog', params, batchIndex, attempt: 1, idempotencyKey: `orch-w/hog/batch/${batchIndex}`, seed: 7, ...over };
}

/** The probe skill's result, as it sees its batch. */
type ProbeResult = { qualityScore: number; seen: { items: unknown[]; scenario: string; params: Record<string, unknown>; batchIndex: number; attempt: number; idempotencyKey: string; seed: number; draws: number[]; calls: number } };

async function ready(origin: SkillWorkerData['origin']): Promise<Served> {
  const worker = served(origin);
  expect(await worker.next()).toEqual({ type: 'ready' });
  return worker;
}

describe('serve: the skill worker program', () => {
  it('says it is ready once it has loaded the skill, then answers a batch with its result, under the batch id', async () => {
    const worker = await ready({ module: PROBE });
    const items = [{ id: 'a', text: 'x' }, { id: 'b', n: 2 }];
    worker.send({ type: 'run', id: 4, items, ctx: batch(3, { flag: true }, { attempt: 2 }) });
    const reply = await worker.next();
    expect(reply).toMatchObject({ type: 'done', id: 4, memoryMb: aNumber });
    const { seen } = (reply as Extract<WorkerReply, { type: 'done' }>).result as ProbeResult;
    expect(seen).toMatchObject({ items, scenario: 'hog', params: { flag: true }, batchIndex: 3, attempt: 2, idempotencyKey: 'orch-w/hog/batch/3', seed: 7 });
  });

  it("gives the skill the seeded draws the orchestrator's thread would: (seed, scenario, 'batch', index, attempt)", async () => {
    const worker = await ready({ module: PROBE });
    worker.send({ type: 'run', id: 0, items: [], ctx: batch(5, {}, { attempt: 3, seed: 11 }) });
    const reply = (await worker.next()) as Extract<WorkerReply, { type: 'done' }>;
    const expected = randomFor(11, 'hog', 'batch', 5, 3);
    expect((reply.result as ProbeResult).seen.draws).toEqual([expected(), expected()]);
  });

  it('answers each batch under its own id, in the order they finish', async () => {
    const worker = await ready({ module: PROBE });
    worker.send({ type: 'run', id: 1, items: [], ctx: batch(0, { mode: 'sleep', ms: 50 }) });
    worker.send({ type: 'run', id: 2, items: [], ctx: batch(1) });
    expect(await worker.next()).toMatchObject({ type: 'done', id: 2, result: { seen: { batchIndex: 1 } } });
    expect(await worker.next()).toMatchObject({ type: 'done', id: 1, result: { seen: { batchIndex: 0 } } });
  });

  it("answers a batch that throws with the skill's own message, and goes on with the next", async () => {
    const worker = await ready({ module: PROBE });
    worker.send({ type: 'run', id: 7, items: [], ctx: batch(5, { mode: 'throw' }) });
    expect(await worker.next()).toEqual({ type: 'failed', id: 7, message: 'boom in batch 5', memoryMb: aNumber });
    worker.send({ type: 'run', id: 8, items: [], ctx: batch(6) });
    expect(await worker.next()).toMatchObject({ type: 'done', id: 8 });
  });

  it('fails a batch whose result cannot be sent, saying why', async () => {
    const worker = await ready({ module: PROBE });
    worker.send({ type: 'run', id: 3, items: [], ctx: batch(0, { mode: 'function' }) });
    const reply = await worker.next();
    expect(reply).toMatchObject({ type: 'failed', id: 3, memoryMb: aNumber });
    expect((reply as Extract<WorkerReply, { type: 'failed' }>).message).toMatch(/^the skill's result could not be sent from its worker thread: .*could not be cloned/);
  });

  it('is ready even when the skill cannot be loaded, and each batch then fails with the reason', async () => {
    const missing = join(scratch, 'missing.mjs');
    const worker = await ready({ module: missing });
    worker.send({ type: 'run', id: 0, items: [], ctx: batch(0) });
    expect(await worker.next()).toEqual({ type: 'failed', id: 0, message: `skill module not found: ${missing}`, memoryMb: aNumber });
  });

  it('loads a built-in skill by name', async () => {
    const worker = await ready({ builtin: 'simulated' });
    worker.send({ type: 'run', id: 0, items: [{ id: 'x', value: 0.5 }], ctx: batch(0, { latencyMs: 1 }) });
    const reply = (await worker.next()) as Extract<WorkerReply, { type: 'done' }>;
    expect(reply).toMatchObject({ type: 'done', id: 0 });
    expect((reply.result as { qualityScore: number }).qualityScore).toBeGreaterThanOrEqual(0.85);
  });
});

describe('serve: aborting a batch', () => {
  it("aborts the batch's signal, so the skill stops and the batch fails", async () => {
    const worker = await ready({ module: PROBE });
    worker.send({ type: 'run', id: 1, items: [], ctx: batch(0, { mode: 'sleep', ms: 60_000 }) });
    worker.send({ type: 'abort', id: 99 }); // no such batch: ignored
    worker.send({ type: 'abort', id: 1 });
    expect(await worker.next()).toMatchObject({ type: 'failed', id: 1, message: 'aborted in the worker' });
  });

  it('never starts a batch aborted while the skill is still loading', async () => {
    const worker = served({ module: SLOW_LOADING });
    worker.send({ type: 'run', id: 1, items: [], ctx: batch(0) });
    worker.send({ type: 'abort', id: 1 });
    expect(await worker.next()).toEqual({ type: 'ready' });
    expect(await worker.next()).toMatchObject({ type: 'failed', id: 1, message: 'This operation was aborted' });
    worker.send({ type: 'run', id: 2, items: [], ctx: batch(1) });
    // The skill's first call: the aborted batch never reached it.
    expect(await worker.next()).toMatchObject({ type: 'done', id: 2, result: { calls: 1 } });
  });
});

describe("serve: a batch's memory figure", () => {
  it("is this thread's heap plus its memory outside the heap (Buffers), in MB", async () => {
    const worker = await ready({ module: PROBE });
    // Outside the heap, and more than this thread's heap holds: counted only by adding external memory.
    const ballast = Buffer.alloc(64 * MB, 1);
    const inUse = () => {
      const { heapUsed, external } = process.memoryUsage();
      return (heapUsed + external) / MB;
    };
    const before = inUse();
    worker.send({ type: 'run', id: 0, items: [], ctx: batch(0) });
    const { memoryMb } = (await worker.next()) as Extract<WorkerReply, { type: 'done' }>;
    const after = inUse();
    expect(ballast.length).toBe(64 * MB);
    expect(memoryMb).toBeGreaterThanOrEqual(64);
    // The heap moves a little between the measures (garbage, collections): a few MB either way.
    expect(memoryMb).toBeGreaterThanOrEqual(Math.min(before, after) - 16);
    expect(memoryMb).toBeLessThanOrEqual(Math.max(before, after) + 16);
  });
});
