import { fromCallback, type EventObject } from 'xstate';
import { z } from 'zod';
import { isFileDataset } from '../config/schema.ts';
import { ScenarioError, SkillOutOfMemoryError, toError } from '../errors.ts';
import type { BatchDoneEvent, ScenarioEvent } from '../machines/events.ts';
import type { BatchRunnerInput } from '../machines/scenarioMachine.ts';
import type { ScenarioPlan } from '../machines/scenarioPlan.ts';
import type { BatchJournal, BatchRecord } from '../persistence/SnapshotStore.ts';
import type { BatchCache } from './batchCache.ts';
import { batchKey } from './batchKey.ts';
import { BatchFold, type FoldedProgress } from './batchFold.ts';
import { lastBatchOfStretch, parallelWorkers } from './batchWindow.ts';
import { unlimited, type ConcurrencyLimit } from './concurrencyLimit.ts';
import { generateItems } from './inputData.ts';
import { randomFor } from './seededRandom.ts';
import { SkillContainment } from './skillGuard.ts';
import { checkSkillResult } from './checkSkillResult.ts';
import type { Skill, SkillContext, SkillResult } from './skill.ts';

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
  /** Bounds batches in flight across every scenario of the orchestration (`maxConcurrency`); default: no bound. */
  limit?: ConcurrencyLimit;
  /** Earlier results, asked before the skill and told each fresh success, for scenarios with `cacheEnabled: true`. */
  cache?: BatchCache;
  /**
   * Told when the cache could not be asked (the batch runs as a miss) or told (the result is simply not
   * kept): a cache is an optimisation, so its failures never fail a batch.
   */
  onCacheError?: (error: Error) => void;
  /**
   * Told when the runner stops for a reason outside the skill: the journal stayed unreachable, or a journal
   * row was refused (a ScenarioError with code `snapshot_invalid`), so the caller can tell which.
   */
  onRunnerError?: (error: Error) => void;
  /** Runs each batch's skill call in its own async context, so a stray rejection or exit attempt fails that batch. */
  containment?: SkillContainment;
  /** Told the progress after each batch folded into one event but the last, so the progress stream reports every batch (see BatchFold). */
  onFolded?: FoldedProgress;
  /**
   * The folds of the runners working now, so a request made from inside a skill's call (a cancel) can
   * count what they hold before it takes effect: a stopped runner drops what it had not sent.
   */
  liveFolds?: Set<BatchFold>;
  /**
   * Runs each batch's skill call somewhere else (src/remote: a worker on another host) instead of calling
   * `skill` in this process; everything around the call (windows, order, journal, retries) stays the same.
   */
  execute?: ExecuteBatch;
  /** Told the worker that ran each counted batch (remote batches, replayed ones too), just before its event is sent: the progress stream names it. */
  onBatchWorker?: (scenario: string, index: number, worker: string) => void;
}

/** One batch's skill call, for an `execute` that runs it elsewhere. */
export interface ExecuteCall {
  plan: ScenarioPlan;
  index: number;
  attempt: number;
  items: unknown[];
  /** The same context a local call gets; its `signal` aborts when the stretch stops waiting for the batch. */
  ctx: SkillContext;
}

/**
 * How a call made elsewhere went: the skill's raw result (checked here, like a local one) or its error, and
 * when it ran, on this process's performance.now() axis, for busy time. Rejects only when the call could
 * not be made or waited for (the batch then fails with that reason).
 */
export interface Executed {
  raw: unknown;
  /** The skill's error message, when it threw. */
  error: string | undefined;
  t0: number;
  t1: number;
  /** Who ran it (`host/pid-…`), kept in the batch's journal row. */
  worker: string;
}

export type ExecuteBatch = (call: ExecuteCall) => Promise<Executed>;

/** The idempotency key of a plan's batch (batchKey.ts): the same across retries and re-runs after a crash. */
export const idempotencyKey = (plan: ScenarioPlan, index: number) => batchKey(plan.orchestrationId, plan.name, index);

/**
 * One long-lived actor per working stretch of a scenario: runs batches from `from`, up to
 * `parallelWorkers` of them in flight at once and none past the next barrier, and counts settled batches
 * strictly in batch order (folded into one event per thing the machine decides on: BatchFold), until the
 * scenario leaves `processing` (barrier, pause, retry,
 * failure), which stops this actor and aborts every batch in flight; a result that comes after that is
 * discarded, and the batch runs again in a later stretch. Batches already in the journal are replayed, not
 * re-run, so a restored scenario re-executes at most the batches that were in flight (at most
 * `parallelWorkers`). A batch's row is written before the event that counts it, hence before any snapshot
 * that counts it, and rows are written in batch order, so the journal is always a prefix of the scenario's
 * batches.
 */
export function createBatchRunner(deps: BatchRunnerDeps) {
  const containment = deps.containment ?? new SkillContainment();
  return fromCallback<EventObject, BatchRunnerInput>(({ input, sendBack, receive, self }) => {
    const controller = new AbortController();
    const fold = new BatchFold({
      plan: input.plan,
      send: (event) => sendBack(event),
      stopped: () => controller.signal.aborted,
      ...(deps.onFolded ? { onFolded: deps.onFolded } : {}),
      ...(self._parent ? { parent: self._parent } : {}),
    });
    // Anything else the machine hears from this runner comes after every batch counted before it.
    const send = (event: ScenarioEvent) => {
      fold.flush();
      sendBack(event);
    };
    receive((event) => {
      if (event.type === 'runner.flush') fold.flushForPause();
    });
    deps.liveFolds?.add(fold);
    runBatches(input, deps, containment, controller, { send, count: (event) => fold.add(event) }).catch((cause: unknown) => {
      if (controller.signal.aborted) return;
      const error = toError(cause);
      // The batches counted so far are the machine's; nothing more of this stretch counts: the batches still
      // in flight are stopped at once.
      fold.flush();
      controller.abort(error);
      sendBack({ type: 'runner.error', at: (deps.now ?? Date.now)(), error: error.message });
      deps.onRunnerError?.(error);
    });
    return () => {
      deps.liveFolds?.delete(fold);
      controller.abort();
    };
  });
}

/** How one batch's attempt ended, before it is counted. */
interface Settled {
  index: number;
  attempt: number;
  items: number;
  startedAt: number;
  finishedAt: number;
  /** performance.now() around the skill call (equal for a cached batch), for busy time. */
  t0: number;
  t1: number;
  result: SkillResult | undefined;
  failure: string | undefined;
  /** The limit an out-of-memory skill reached (SkillOutOfMemoryError): the batch is not retried. */
  outOfMemoryMb: number | undefined;
  cached: boolean;
  /** The remote worker that ran it (deps.execute), else undefined. */
  worker: string | undefined;
}

/** Lets a loop wait for the other's next step; abort wakes both, so neither waits on a stopped stretch. */
class Wakeup {
  #waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Where a stretch's events go: counted batches to be folded, anything else at once (after them). */
interface RunnerOutbox {
  count: (event: BatchDoneEvent) => void;
  send: (event: ScenarioEvent) => void;
}

async function runBatches(input: BatchRunnerInput, deps: BatchRunnerDeps, containment: SkillContainment, controller: AbortController, outbox: RunnerOutbox) {
  const { send, count: countEvent } = outbox;
  const { plan } = input;
  const { signal } = controller;
  const now = deps.now ?? Date.now;
  let first = input.from;

  // Checked before any is replayed: a forged or corrupt row must stop the scenario, not be absorbed by it.
  const replay = replayable(plan, first, await deps.journal.loadBatches(plan.orchestrationId, plan.name, first));
  for (const record of replay) {
    if (signal.aborted) return;
    if (deps.onBatchWorker) tellWorker(deps.onBatchWorker, record);
    countEvent(replayedEvent(record));
    first += 1;
  }
  if (signal.aborted) return;

  const workers = parallelWorkers(plan);
  const readItems = deps.items ?? generatedItems;
  const itemsOf = (index: number) => readItems(plan, index * plan.batchSize, Math.min(plan.batchSize, plan.inputSize - index * plan.batchSize));
  const attemptOf = (index: number) => (index === input.from ? input.attempt : 1);

  // Counts one settled batch, the next in index order: writes its row, then sends its event. False when
  // the stretch ends here (a retry is due, or the scenario stopped waiting).
  let busyUntil = -Infinity;
  let lastAt = -Infinity;
  const countOne = async (settled: Settled): Promise<boolean> => {
    // Busy time is time with at least one of this scenario's batches inside the skill: overlaps count once.
    // Batches start in index order, so the part of this one not yet covered is what lies after busyUntil.
    const durationMs = settled.cached ? 0 : Math.max(0, settled.t1 - Math.max(settled.t0, busyUntil));
    if (!settled.cached) busyUntil = Math.max(busyUntil, settled.t1);
    // A batch is counted when it and all before it have settled, so events never go back in time.
    const at = Math.max(settled.finishedAt, lastAt);
    lastAt = at;
    if (settled.failure !== undefined && settled.outOfMemoryMb === undefined && settled.attempt < plan.retry.maxAttempts) {
      send({ type: 'batch.failed', at, index: settled.index, attempt: settled.attempt, error: settled.failure, durationMs });
      // The stretch ends here: the retry starts a new one from this batch, so its successors in flight
      // (which must not be counted before it) are stopped and run again after it.
      controller.abort();
      return false;
    }
    const record = toRecord(plan, settled, at, workers > 1 ? durationMs : undefined);
    await deps.journal.recordBatch(record);
    if (signal.aborted) return false;
    if (settled.worker !== undefined) deps.onBatchWorker?.(plan.name, settled.index, settled.worker);
    countEvent(doneEvent(settled, record, durationMs));
    return true;
  };

  // One batch at a time and no shared limit: the same steps as `inWindow`, without the hand-over between a
  // launcher and a counter (two promises a batch, measurable with a fast skill). True when all were counted.
  const inOrder = async (from: number, last: number): Promise<boolean> => {
    for (let index = from; index <= last; index += 1) {
      const items = await itemsOf(index);
      if (signal.aborted) return false;
      const settled = await runBatch({ plan, index, attempt: attemptOf(index), items, release: noRelease }, deps, containment, signal, now);
      if (signal.aborted || !(await countOne(settled))) return false;
    }
    return true;
  };

  // Batches from..last with up to `workers` in flight, counted in index order. True when all were counted.
  const inWindow = async (from: number, last: number): Promise<boolean> => {
    const limit = deps.limit ?? unlimited;
    const outcomes = new Map<number, Promise<Settled>>();
    const launched = new Wakeup();
    const counted = new Wakeup();
    let nextToCount = from;
    let launchError: Error | undefined;
    const wakeAll = () => {
      launched.wake();
      counted.wake();
    };
    signal.addEventListener('abort', wakeAll, { once: true });

    // Starts batches in index order (so items are read in order), never more than `workers` ahead of the
    // first one not yet counted, and none past `last`.
    const launch = async () => {
      for (let index = from; index <= last; index += 1) {
        while (!signal.aborted && index >= nextToCount + workers) await counted.wait();
        if (signal.aborted) return;
        let release: () => void;
        try {
          release = await limit.acquire(signal);
        } catch {
          return; // only an abort rejects
        }
        let items: unknown[];
        try {
          if (signal.aborted) throw signal.reason;
          items = await itemsOf(index);
        } catch (error) {
          release();
          if (!signal.aborted) launchError = toError(error);
          launched.wake();
          return;
        }
        if (signal.aborted) {
          release();
          return;
        }
        outcomes.set(index, runBatch({ plan, index, attempt: attemptOf(index), items, release }, deps, containment, signal, now));
        launched.wake();
      }
    };

    // Counts settled batches in index order, as each one and all before it have settled.
    const count = async (): Promise<boolean> => {
      for (let index = from; index <= last; index += 1) {
        let outcome = outcomes.get(index);
        while (outcome === undefined) {
          // The launcher stopped at this batch (its items could not be read): the earlier ones are counted.
          if (launchError) throw launchError;
          if (signal.aborted) return false;
          await launched.wait();
          outcome = outcomes.get(index);
        }
        const settled = await outcome;
        outcomes.delete(index);
        if (signal.aborted || !(await countOne(settled))) return false;
        nextToCount = index + 1;
        counted.wake();
      }
      return true;
    };

    // A runner error (count rejects) aborts the stretch in createBatchRunner, which wakes the launcher too.
    const [, done] = await Promise.all([launch(), count()]);
    signal.removeEventListener('abort', wakeAll);
    return done;
  };

  const runRange = workers === 1 && !deps.limit ? inOrder : inWindow;
  for (let from = first; ; ) {
    const last = lastBatchOfStretch(plan, from);
    if (!(await runRange(from, last)) || last >= plan.batchesTotal - 1) return;
    // Counting the batch that reaches a barrier takes the scenario out of `processing`, which stops this
    // actor. Should it not stop (its progress counted otherwise than lastBatchOfStretch expects), go on from
    // there, as one worker would, rather than leave the scenario waiting for a batch nobody runs.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal.aborted) return;
    from = last + 1;
  }
}

const noRelease = () => undefined;

/** What runBatch needs to know about one batch. */
interface BatchCall {
  plan: ScenarioPlan;
  index: number;
  attempt: number;
  items: unknown[];
  /** Gives back the concurrency slot; called as soon as the skill has settled. */
  release: () => void;
}

/** One attempt of one batch, from the cache or the skill: never rejects, a failure is part of what it gives. */
async function runBatch(call: BatchCall, deps: BatchRunnerDeps, containment: SkillContainment, stretch: AbortSignal, now: () => number): Promise<Settled> {
  const { plan, index, attempt, items, release } = call;
  const cache = plan.params.cacheEnabled === true ? deps.cache : undefined;
  if (cache) {
    const hit = await lookup(cache, plan, items, deps);
    if (hit) {
      release();
      const at = now();
      const t = performance.now();
      return { index, attempt, items: items.length, startedAt: at, finishedAt: at, t0: t, t1: t, result: hit, failure: undefined, outOfMemoryMb: undefined, cached: true, worker: undefined };
    }
  }
  if (stretch.aborted) {
    release();
    const at = now();
    return { index, attempt, items: items.length, startedAt: at, finishedAt: at, t0: 0, t1: 0, result: undefined, failure: 'aborted', outOfMemoryMb: undefined, cached: false, worker: undefined };
  }
  // Each batch gets its own signal, chained to the stretch's: a skill that adds an abort listener per
  // batch then leaves it on a signal that dies with the batch, not on one that lives for thousands. Made
  // when the skill first reads it (or the batch is aborted): an AbortController and its listener cost a
  // no-op batch more than the rest of its call.
  let batch: AbortController | undefined;
  let settledCall = false;
  const abortBatch = () => batch?.abort(stretch.reason);
  const batchController = (): AbortController => {
    if (batch) return batch;
    batch = new AbortController();
    if (stretch.aborted) batch.abort(stretch.reason);
    else if (!settledCall) stretch.addEventListener('abort', abortBatch, { once: true });
    return batch;
  };
  let random: (() => number) | undefined;
  const startedAt = now();
  let t0 = performance.now();
  let t1: number;
  let raw: unknown;
  let failure: string | undefined;
  let outOfMemoryMb: number | undefined;
  let executed: Executed | undefined;
  try {
    const ctx = {
      scenario: plan.name,
      params: plan.params,
      get signal() {
        return batchController().signal;
      },
      batchIndex: index,
      attempt,
      idempotencyKey: idempotencyKey(plan, index),
      seed: plan.seed,
      // Seeded on the first draw: the same draws, without hashing the seed for a skill that never draws.
      random: () => (random ??= randomFor(plan.seed, plan.name, 'batch', index, attempt))(),
    };
    // A fault the skill's code raises outside its own promise (a refused process.exit, a rejection nobody
    // awaited) fails this batch like a throw, and aborts its signal.
    if (deps.execute) {
      executed = await deps.execute({ plan, index, attempt, items, ctx });
      if (executed.error !== undefined) failure = executed.error;
      raw = executed.raw;
    } else raw = await containment.runBatch(plan.name, index, (reason) => batchController().abort(reason), () => deps.skill.run(items, ctx));
  } catch (error) {
    failure = toError(error).message;
    if (error instanceof SkillOutOfMemoryError) outOfMemoryMb = error.limitMb;
  } finally {
    // Busy time is the skill's alone: validating its result (below) is ours.
    t1 = performance.now();
    // A call made elsewhere is timed where it ran: the queue and the wait for its result are not the skill's.
    if (executed) ({ t0, t1 } = executed);
    settledCall = true;
    if (batch) stretch.removeEventListener('abort', abortBatch);
    release();
  }
  let result: SkillResult | undefined;
  if (failure === undefined) {
    try {
      result = checkSkillResult(raw, items.length);
    } catch (error) {
      failure = toError(error).message;
    }
  }
  const finishedAt = now();
  if (cache && result && !stretch.aborted) {
    await cache.store(plan, items, result).catch((error: unknown) => deps.onCacheError?.(toError(error)));
  }
  // One shape for every outcome (no optional keys), so the code counting them stays monomorphic.
  return { index, attempt, items: items.length, startedAt, finishedAt, t0, t1, result, failure, outOfMemoryMb, cached: false, worker: executed?.worker };
}

/** The cache's answer, or undefined when it has none or could not be asked (the batch then runs). */
async function lookup(cache: BatchCache, plan: ScenarioPlan, items: readonly unknown[], deps: BatchRunnerDeps): Promise<SkillResult | undefined> {
  try {
    return await cache.lookup(plan, items);
  } catch (error) {
    deps.onCacheError?.(toError(error));
    return undefined;
  }
}

/**
 * The journal row of a batch counted at `at`. With several workers its busy time (`busyMs`, only the part
 * no earlier batch covered) is kept in the row, so a replay adds the same; one worker's is the row's span.
 */
function toRecord(plan: ScenarioPlan, settled: Settled, at: number, busyMs: number | undefined): BatchRecord {
  const { result } = settled;
  const processed = result ? (result.processed ?? settled.items) : 0;
  const busy = busyMs === undefined ? {} : { busyMs };
  let stored: object;
  if (result) stored = settled.cached ? { ...result, cached: true } : busyMs === undefined ? result : { ...result, busyMs };
  else if (settled.outOfMemoryMb !== undefined) stored = { error: settled.failure, outOfMemory: true, memoryMb: settled.outOfMemoryMb, ...busy };
  else stored = { error: settled.failure, ...busy };
  // Which worker ran it (remote batches): the report's per-worker figures are read from the rows. The call's
  // whole time on the worker is `workerBusyMs`: with several batches in flight, `busyMs` is only the part no
  // earlier batch of the scenario covered.
  if (settled.worker !== undefined) {
    const workerBusyMs = settled.t1 - settled.t0;
    stored = { ...stored, worker: settled.worker, workerBusyMs, ...(busyMs === undefined ? { busyMs: workerBusyMs } : {}) };
  }
  return {
    orchestrationId: plan.orchestrationId,
    scenario: plan.name,
    batchIndex: settled.index,
    attempt: settled.attempt,
    items: settled.items,
    itemsFailed: settled.items - processed,
    qualityScore: result ? result.qualityScore : null,
    result: stored,
    startedAt: Math.min(settled.startedAt, at),
    finishedAt: at,
  };
}

function doneEvent(settled: Settled, record: BatchRecord, durationMs: number): BatchDoneEvent {
  const { result } = settled;
  const event: BatchDoneEvent = {
    type: 'batch.done',
    at: record.finishedAt,
    index: settled.index,
    attempt: settled.attempt,
    items: settled.items,
    itemsFailed: record.itemsFailed,
    qualityScore: record.qualityScore,
    metrics: result?.metrics ?? {},
    durationMs,
    // What the skill says it used (an isolated worker reports its own heap); a cached batch used nothing.
    memoryMb: settled.outOfMemoryMb ?? (settled.cached ? 0 : (result?.memoryMb ?? 0)),
    replayed: false,
  };
  // Set only when present: most batches have none of these, and a spread per key costs every batch.
  if (settled.failure !== undefined) event.error = settled.failure;
  if (settled.cached) event.cached = true;
  if (settled.outOfMemoryMb !== undefined) event.outOfMemory = true;
  return event;
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
    busyMs: z.number().min(0, 'must be 0 or more').optional(),
    cached: z.boolean().optional(),
    outOfMemory: z.boolean().optional(),
    worker: z.string().optional(),
    workerBusyMs: z.number().min(0, 'must be 0 or more').optional(),
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

/** A replayed row's worker, when it names one. */
function tellWorker(onBatchWorker: (scenario: string, index: number, worker: string) => void, record: BatchRecord): void {
  const worker = (record.result as { worker?: unknown }).worker;
  if (typeof worker === 'string') onBatchWorker(record.scenario, record.batchIndex, worker);
}

/** Replays keep the batch's original finish time, so a barrier reached before a crash keeps its deadline. */
function replayedEvent(record: BatchRecord): BatchDoneEvent {
  const result = record.result as Partial<SkillResult> & { error?: string; busyMs?: number; cached?: boolean; outOfMemory?: boolean };
  const cached = result.cached === true;
  return {
    type: 'batch.done',
    at: record.finishedAt,
    index: record.batchIndex,
    attempt: record.attempt,
    items: record.items,
    itemsFailed: record.itemsFailed,
    qualityScore: record.qualityScore,
    metrics: result.metrics ?? {},
    // Rows written before busyMs was kept come from one worker, whose busy time is the row's span.
    durationMs: cached ? 0 : (result.busyMs ?? record.finishedAt - record.startedAt),
    memoryMb: cached ? 0 : (result.memoryMb ?? 0),
    ...(typeof result.error === 'string' ? { error: result.error } : {}),
    replayed: true,
    ...(cached ? { cached: true } : {}),
    ...(result.outOfMemory === true ? { outOfMemory: true } : {}),
  };
}
