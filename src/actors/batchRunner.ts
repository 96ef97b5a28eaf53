import { fromCallback, type EventObject } from 'xstate';
import { z } from 'zod';
import { isFileDataset } from '../config/schema.ts';
import { ScenarioError, toError } from '../errors.ts';
import type { BatchDoneEvent, ScenarioEvent } from '../machines/events.ts';
import type { BatchRunnerInput } from '../machines/scenarioMachine.ts';
import type { ScenarioPlan } from '../machines/scenarioPlan.ts';
import type { BatchJournal, BatchRecord } from '../persistence/SnapshotStore.ts';
import { generateItems } from './inputData.ts';
import { randomFor } from './seededRandom.ts';
import { SkillContainment } from './skillGuard.ts';
import { SkillResultSchema, type Skill, type SkillResult } from './skill.ts';

/**
 * Items [start, start + count) of a scenario's input: the same for the same arguments in any process, so a
 * re-run batch gets the same items. Called in batch order within a stretch (a file reader relies on it).
 */
export type ItemSource = (plan: ScenarioPlan, start: number, count: number) => Promise<unknown[]> | unknown[];

/** Generated data: derived from (seed, scenario, item index) alone. */
export const generatedItems: ItemSource = (plan, start, count) => {
  if (isFileDataset(plan.dataset)) throw new ScenarioError('usage', `scenario "${plan.name}" reads ${plan.dataset.file}, but no reader was opened for it (see openDatasets)`);
  return generateItems(plan.seed, plan.name, plan.dataset, start, count);
};

export interface BatchRunnerDeps {
  /** The rows' type is the user's to assert (Skill<Row>); the runner passes on whatever the item source read. */
  skill: Skill<unknown>;
  /** Where each batch's items come from (default: generated from the seed). */
  items?: ItemSource;
  journal: BatchJournal;
  now?: () => number;
  /** Process memory in MB; sampled at most every `memorySampleMs`, since reading it costs a syscall. */
  sampleMemoryMb?: () => number;
  memorySampleMs?: number;
  /**
   * Told when the runner stops for a reason outside the skill: the journal stayed unreachable, or a journal
   * row was refused (a ScenarioError with code `snapshot_invalid`), so the caller can tell which.
   */
  onRunnerError?: (error: Error) => void;
  /** Runs each batch's skill call in its own async context, so a stray rejection or exit attempt fails that batch. */
  containment?: SkillContainment;
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
  const containment = deps.containment ?? new SkillContainment();
  return fromCallback<EventObject, BatchRunnerInput>(({ input, sendBack }) => {
    const controller = new AbortController();
    const send = (event: ScenarioEvent) => sendBack(event);
    runBatches(input, deps, containment, controller.signal, send).catch((cause: unknown) => {
      if (controller.signal.aborted) return;
      const error = toError(cause);
      send({ type: 'runner.error', at: (deps.now ?? Date.now)(), error: error.message });
      deps.onRunnerError?.(error);
    });
    return () => controller.abort();
  });
}

async function runBatches(input: BatchRunnerInput, deps: BatchRunnerDeps, containment: SkillContainment, signal: AbortSignal, send: (e: ScenarioEvent) => void) {
  const { plan } = input;
  const now = deps.now ?? Date.now;
  const memory = memorySampler(deps);
  const readItems = deps.items ?? generatedItems;
  let index = input.from;
  let attempt = input.attempt;

  // Checked before any is replayed: a forged or corrupt row must stop the scenario, not be absorbed by it.
  const replay = replayable(plan, index, await deps.journal.loadBatches(plan.orchestrationId, plan.name, index));
  for (const record of replay) {
    if (signal.aborted) return;
    send(replayedEvent(record));
    index += 1;
    attempt = 1;
  }

  while (index < plan.batchesTotal && !signal.aborted) {
    const start = index * plan.batchSize;
    const count = Math.min(plan.batchSize, plan.inputSize - start);
    const items = await readItems(plan, start, count);
    if (signal.aborted) return;
    // Each batch gets its own signal, chained to the stretch's: a skill that adds an abort listener per
    // batch then leaves it on a signal that dies with the batch, not on one that lives for thousands.
    const batch = new AbortController();
    const abortBatch = () => batch.abort(signal.reason);
    signal.addEventListener('abort', abortBatch, { once: true });
    const startedAt = now();
    const t0 = performance.now();
    let durationMs: number;
    let raw: unknown;
    let result: SkillResult | undefined;
    let failure: string | undefined;
    try {
      const ctx = {
        scenario: plan.name,
        params: plan.params,
        signal: batch.signal,
        batchIndex: index,
        attempt,
        idempotencyKey: idempotencyKey(plan, index),
        seed: plan.seed,
        random: randomFor(plan.seed, plan.name, 'batch', index, attempt),
      };
      // A fault the skill's code raises outside its own promise (a refused process.exit, a rejection nobody
      // awaited) fails this batch like a throw, and aborts its signal.
      raw = await containment.runBatch(plan.name, index, (reason) => batch.abort(reason), () => deps.skill.run(items, ctx));
    } catch (error) {
      failure = toError(error).message;
    } finally {
      // Busy time is the skill's alone: validating its result (below) is ours.
      durationMs = performance.now() - t0;
      signal.removeEventListener('abort', abortBatch);
    }
    if (failure === undefined) {
      try {
        result = validateResult(raw, count);
      } catch (error) {
        failure = toError(error).message;
      }
    }
    // Stopped while the skill ran (time budget, cancel, shutdown): this batch no longer counts.
    if (signal.aborted) return;
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

/** The shape of a journal row; how it must fit its scenario and index is checked in `replayable`. */
const JournalRowSchema = z.object({
  orchestrationId: z.string(),
  scenario: z.string(),
  batchIndex: z.int(),
  attempt: z.int().min(1, 'must be 1 or more'),
  items: z.int(),
  itemsFailed: z.int().min(0, 'must be 0 or more'),
  qualityScore: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullable(),
  result: z.looseObject({
    metrics: z.record(z.string(), z.number()).optional(),
    memoryMb: z.number().min(0, 'must be 0 or more').optional(),
    error: z.string().optional(),
  }),
  startedAt: z.number(),
  finishedAt: z.number(),
});

/** Why `record` cannot be batch `index` of `plan`, one entry per problem; empty when it can. */
function journalRowProblems(plan: ScenarioPlan, index: number, record: BatchRecord): string[] {
  const parsed = JournalRowSchema.safeParse(record);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`);
  // The checks against the plan run on whatever fields have the right type, so every problem is named at once.
  const row = record as Partial<Record<keyof BatchRecord, unknown>>;
  const items = Math.min(plan.batchSize, plan.inputSize - index * plan.batchSize);
  if (row.orchestrationId !== plan.orchestrationId || row.scenario !== plan.name) {
    problems.push(`belongs to orchestration "${String(row.orchestrationId)}", scenario "${String(row.scenario)}"`);
  }
  if (typeof row.items === 'number' && row.items !== items) {
    problems.push(`items: ${row.items} is not the size of batch ${index} (${items}: batches of ${plan.batchSize} over ${plan.inputSize} items)`);
  }
  if (typeof row.items === 'number' && typeof row.itemsFailed === 'number') {
    if (row.itemsFailed > row.items) problems.push(`itemsFailed: ${row.itemsFailed} is more than the batch's ${row.items} items`);
    if (row.qualityScore === null && row.itemsFailed !== row.items) problems.push('itemsFailed: a failed batch (qualityScore null) must count all its items as failed');
  }
  if (typeof row.startedAt === 'number' && typeof row.finishedAt === 'number' && row.finishedAt < row.startedAt) {
    problems.push(`finishedAt: ${row.finishedAt} is before startedAt ${row.startedAt}`);
  }
  return problems;
}

/**
 * The recorded batches to replay: the run of consecutive indices from `from` (a gap ends it, and the
 * batch at the gap runs). Each is validated first; a row that could not have been written by this
 * scenario's runner refuses the whole replay with a message naming it.
 */
function replayable(plan: ScenarioPlan, from: number, records: readonly BatchRecord[]): BatchRecord[] {
  const out: BatchRecord[] = [];
  for (const record of records) {
    const index = from + out.length;
    const recorded: unknown = record.batchIndex;
    if (typeof recorded !== 'number' || !Number.isInteger(recorded) || recorded < from || recorded >= plan.batchesTotal) {
      throw journalRowError(plan, String(recorded), `batchIndex: must be an integer in ${from}..${plan.batchesTotal - 1}`);
    }
    if (recorded !== index) break;
    const problems = journalRowProblems(plan, index, record);
    if (problems.length > 0) throw journalRowError(plan, String(index), problems.join('; '));
    out.push(record);
  }
  return out;
}

function journalRowError(plan: ScenarioPlan, index: string, why: string): ScenarioError {
  return new ScenarioError(
    'snapshot_invalid',
    `refusing to replay the batch journal of orchestration "${plan.orchestrationId}", scenario "${plan.name}", batch ${index}: ${why}`,
  );
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
