import { fromCallback, type EventObject } from 'xstate';
import { z } from 'zod';
import { toError } from '../errors.ts';
import type { BatchDoneEvent, ScenarioEvent } from '../machines/events.ts';
import type { BatchRunnerInput } from '../machines/scenarioMachine.ts';
import type { ScenarioPlan } from '../machines/scenarioPlan.ts';
import type { BatchJournal, BatchRecord } from '../persistence/SnapshotStore.ts';
import { generateItems } from './inputData.ts';
import { randomFor } from './seededRandom.ts';
import { SkillResultSchema, type Skill, type SkillResult } from './skill.ts';

export interface BatchRunnerDeps {
  skill: Skill;
  journal: BatchJournal;
  now?: () => number;
  /** Process memory in MB; sampled at most every `memorySampleMs`, since reading it costs a syscall. */
  sampleMemoryMb?: () => number;
  memorySampleMs?: number;
  /** Told when the runner stops for a reason outside the skill, e.g. the journal stayed unreachable. */
  onRunnerError?: (error: string) => void;
}

/** `${orchestrationId}/${scenario}/batch/${index}`: the same across retries and re-runs after a crash. */
export const idempotencyKey = (plan: ScenarioPlan, index: number) => `${plan.orchestrationId}/${plan.name}/batch/${index}`;

/**
 * One long-lived actor per working stretch of a scenario: runs batches back to back from `from`, sending
 * one event per settled batch, until the scenario leaves `processing` (barrier, pause, failure), which
 * stops this actor and aborts the skill. Batches already in the journal are replayed, not re-run, so a
 * restored scenario re-executes at most the batch that was in flight. A batch's row is written before the
 * event that counts it, hence before any snapshot that counts it.
 */
export function createBatchRunner(deps: BatchRunnerDeps) {
  return fromCallback<EventObject, BatchRunnerInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const send = (event: ScenarioEvent) => sendBack(event);
    runBatches(input, deps, controller.signal, send).catch((error: unknown) => {
      if (controller.signal.aborted) return;
      const message = toError(error).message;
      send({ type: 'runner.error', at: (deps.now ?? Date.now)(), error: message });
      deps.onRunnerError?.(message);
    });
    return () => controller.abort();
  });
}

async function runBatches(input: BatchRunnerInput, deps: BatchRunnerDeps, signal: AbortSignal, send: (e: ScenarioEvent) => void) {
  const { plan } = input;
  const now = deps.now ?? Date.now;
  const memory = memorySampler(deps);
  let index = input.from;
  let attempt = input.attempt;

  for (const record of await deps.journal.loadBatches(plan.orchestrationId, plan.name, index)) {
    if (signal.aborted || record.batchIndex !== index) break;
    send(replayedEvent(record));
    index += 1;
    attempt = 1;
  }

  while (index < plan.batchesTotal && !signal.aborted) {
    const start = index * plan.batchSize;
    const count = Math.min(plan.batchSize, plan.inputSize - start);
    const items = generateItems(plan.seed, plan.name, plan.dataset, start, count);
    const startedAt = now();
    const t0 = performance.now();
    let result: SkillResult | undefined;
    let failure: string | undefined;
    try {
      const raw: unknown = await deps.skill.run(items, {
        scenario: plan.name,
        params: plan.params,
        signal,
        batchIndex: index,
        attempt,
        idempotencyKey: idempotencyKey(plan, index),
        seed: plan.seed,
        random: randomFor(plan.seed, plan.name, 'batch', index, attempt),
      });
      result = validateResult(raw, count);
    } catch (error) {
      failure = toError(error).message;
    }
    // Stopped while the skill ran (time budget, cancel, shutdown): this batch no longer counts.
    if (signal.aborted) return;
    const durationMs = performance.now() - t0;
    const finishedAt = now();

    if (failure !== undefined && attempt < plan.retry.maxAttempts) {
      send({ type: 'batch.failed', at: finishedAt, index, attempt, error: failure, durationMs });
      return;
    }
    const processed = result ? (result.processed ?? count) : 0;
    const record: BatchRecord = {
      orchestrationId: plan.orchestrationId,
      scenario: plan.name,
      batchIndex: index,
      attempt,
      items: count,
      itemsFailed: count - processed,
      qualityScore: result ? result.qualityScore : null,
      result: result ?? { error: failure },
      startedAt,
      finishedAt,
    };
    await deps.journal.recordBatch(record);
    if (signal.aborted) return;
    send({
      type: 'batch.done',
      at: finishedAt,
      index,
      attempt,
      items: count,
      itemsFailed: record.itemsFailed,
      qualityScore: record.qualityScore,
      metrics: result?.metrics ?? {},
      durationMs,
      memoryMb: Math.max(result?.memoryMb ?? 0, memory()),
      ...(failure !== undefined ? { error: failure } : {}),
      replayed: false,
    });
    index += 1;
    attempt = 1;
  }
}

function validateResult(raw: unknown, count: number): SkillResult {
  const parsed = SkillResultSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`skill returned an invalid result (${z.prettifyError(parsed.error).replaceAll('\n', ' ')}); expected { qualityScore: 0..1, processed?, metrics? }`);
  }
  if (parsed.data.processed !== undefined && parsed.data.processed > count) {
    throw new Error(`skill reported processed=${parsed.data.processed} for a batch of ${count} items`);
  }
  return parsed.data;
}

/** Replays keep the batch's original finish time, so a barrier reached before a crash keeps its deadline. */
function replayedEvent(record: BatchRecord): BatchDoneEvent {
  const result = record.result as Partial<SkillResult> & { error?: string };
  return {
    type: 'batch.done',
    at: record.finishedAt,
    index: record.batchIndex,
    attempt: record.attempt,
    items: record.items,
    itemsFailed: record.itemsFailed,
    qualityScore: record.qualityScore,
    metrics: result.metrics ?? {},
    durationMs: record.finishedAt - record.startedAt,
    memoryMb: result.memoryMb ?? 0,
    ...(typeof result.error === 'string' ? { error: result.error } : {}),
    replayed: true,
  };
}

function memorySampler(deps: BatchRunnerDeps): () => number {
  // The JS heap, not RSS: embedded PGlite's WASM memory would otherwise count against every scenario.
  const sample = deps.sampleMemoryMb ?? (() => process.memoryUsage().heapUsed / 1_048_576);
  const every = deps.memorySampleMs ?? 100;
  let last = -Infinity;
  let value = 0;
  return () => {
    const t = performance.now();
    if (t - last >= every) {
      value = sample();
      last = t;
    }
    return value;
  };
}
