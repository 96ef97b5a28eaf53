import type { AnyActorRef } from 'xstate';
import type { ScenarioProgress } from '../report/schema.ts';
import type { BatchDoneEvent, ScenarioEvent } from '../machines/events.ts';
import type { ScenarioContext } from '../machines/scenarioMachine.ts';
import { countBatch, type ScenarioPlan } from '../machines/scenarioPlan.ts';
import { batchReaching } from './batchWindow.ts';

/** Told the progress of each batch of a folded event but the last (whose progress the scenario's snapshot holds). */
export type FoldedProgress = (scenario: string, progress: readonly ScenarioProgress[]) => void;

/** Most batches one event carries: bounds the event and the progress computed for the stream per flush. */
const MAX_FOLDED = 256;

/** Batches whose counting may decide something: each that reaches a milestone (or barrier), and the last. */
function decisiveBatches(plan: ScenarioPlan): Set<number> {
  const decisive = new Set<number>([plan.batchesTotal - 1]);
  for (const milestone of [...plan.milestones, ...plan.barriers]) decisive.add(batchReaching(plan, milestone));
  return decisive;
}

/**
 * Counted batches on their way to the scenario machine, folded into one `batch.done` (the first, carrying
 * the rest as `following`) per thing the machine decides on. A statechart step costs several times what a
 * no-op skill does, and most batches change nothing the machine decides on, so batches wait here until:
 * - one may decide something: it reaches a milestone or barrier, is the last, failed (wholly or in part),
 *   reported memory past the limit or ran out of it;
 * - a retry or a runner error is about to be sent (they come after every batch before them);
 * - a pause is asked for (`flushForPause`): from then on each batch goes alone, so the pause completes at
 *   the next one to settle, as without folding;
 * - the current turn of the event loop ends (process.nextTick runs once the microtasks are drained):
 *   alarms, I/O and every caller outside the skill run in a later turn, so the machine is up to date
 *   whenever a time budget expires, a request arrives or a snapshot can be taken.
 * Every batch here already has its journal row, so a batch folded but not yet sent is safe after a crash:
 * resume replays the journal from the snapshot's count.
 */
export class BatchFold {
  readonly #plan: ScenarioPlan;
  readonly #send: (event: ScenarioEvent) => void;
  readonly #stopped: () => boolean;
  readonly #decisive: Set<number>;
  readonly #onFolded: FoldedProgress | undefined;
  readonly #parent: AnyActorRef | undefined;
  #batches: BatchDoneEvent[] = [];
  #scheduled = false;
  #alone = false;
  #beforePause = false;

  constructor(args: { plan: ScenarioPlan; send: (event: ScenarioEvent) => void; stopped: () => boolean; onFolded?: FoldedProgress; parent?: AnyActorRef }) {
    this.#plan = args.plan;
    this.#send = args.send;
    this.#stopped = args.stopped;
    this.#decisive = decisiveBatches(args.plan);
    this.#onFolded = args.onFolded;
    this.#parent = args.parent;
  }

  /** A counted batch (its row written), the next in index order. */
  add(event: BatchDoneEvent): void {
    this.#batches.push(event);
    if (
      this.#alone ||
      this.#decisive.has(event.index) ||
      event.itemsFailed > 0 ||
      event.error !== undefined ||
      event.outOfMemory === true ||
      event.memoryMb > this.#plan.memoryLimitMb ||
      this.#batches.length >= MAX_FOLDED
    ) {
      this.flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#endOfTurn);
    }
  }

  readonly #endOfTurn = () => {
    this.#scheduled = false;
    this.flush();
  };

  /** Sends what is folded now, and each later batch alone: the pause completes at the next batch to settle. */
  flushForPause(): void {
    this.#beforePause = true;
    this.flush();
    this.#beforePause = false;
    this.#alone = true;
  }

  /** Sends every folded batch as one event; a stopped stretch drops them (the next replays them from the journal). */
  flush(): void {
    const batches = this.#batches;
    if (batches.length === 0) return;
    this.#batches = [];
    if (this.#stopped()) return;
    const first = batches[0] as BatchDoneEvent;
    if (batches.length > 1) first.following = batches.slice(1);
    if (this.#beforePause) first.settledBeforePause = true;
    this.#count(first, batches);
    this.#send(first);
  }

  /**
   * Counts the batches from the scenario's progress as it stands, as the machine would (it then takes these
   * instead of counting them again), and tells the stream the progress after each but the last.
   */
  #count(first: BatchDoneEvent, batches: readonly BatchDoneEvent[]): void {
    const context = (this.#parent?.getSnapshot() as { context?: ScenarioContext } | undefined)?.context;
    if (!context?.progress) return;
    const { plan, downtimeMs, resumedAt } = context;
    let progress = context.progress;
    let cursor = context.cursor;
    const each: ScenarioProgress[] = [];
    for (const event of batches) {
      // Counted already (a runner restored from an older snapshot replays from where it was invoked).
      if (event.index < cursor) continue;
      if (event.index !== cursor) break;
      progress = countBatch(progress, plan, event, downtimeMs, resumedAt);
      cursor += 1;
      each.push(progress);
    }
    first.counted = { from: context.progress, downtimeMs, resumedAt, progress: each };
    if (batches.length > 1) this.#onFolded?.(plan.name, each.slice(0, -1));
  }
}

/** The batches one event counts, in order: itself and any folded after it (for whoever counts batch by batch). */
export function unfoldBatches<E extends { type: string }>(event: E): (E | BatchDoneEvent)[] {
  if (event.type !== 'batch.done') return [event];
  const done = event as unknown as BatchDoneEvent;
  if (done.following === undefined) return [event];
  const { following, ...first } = done;
  return [first, ...following];
}
