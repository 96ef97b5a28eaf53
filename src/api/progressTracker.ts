import type { Snapshot } from 'xstate';
import { ownValue } from '../ownKeys.ts';
import type { BarrierRecord, ScenarioProgress } from '../report/schema.ts';
import type { BarrierBook } from '../machines/barrier.ts';
import type { ProgressEvent } from './progressEvents.ts';

interface Seen {
  state: string;
  batchCount: number;
  itemsFailed: number;
  retries: number;
  milestones: number;
}

export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    return key === undefined ? '' : inner === undefined || (typeof inner === 'object' && inner !== null && Object.keys(inner).length === 0) ? key : `${key}.${statePath(inner)}`;
  }
  return '';
}

interface MachineSnapshotLike {
  value: unknown;
  context: unknown;
}

function isMachineSnapshot(snapshot: Snapshot<unknown>): snapshot is Snapshot<unknown> & MachineSnapshotLike {
  return 'value' in snapshot && 'context' in snapshot;
}

/**
 * Turns snapshots into progress events by comparing each scenario's snapshot with the last one seen.
 * Cheap enough for the hot path: a few integer comparisons per snapshot.
 */
export class ProgressTracker {
  readonly #seen = new Map<string, Seen>();
  #released = 0;
  readonly #arrivals = new Set<string>();
  /** Per scenario: the progress after each batch the runner folded into its last event but the last one. */
  readonly #folded = new Map<string, readonly ScenarioProgress[]>();
  /** Per open barrier (milestone), how many of its arrivals were read: only later ones are new. */
  readonly #arrivalsRead = new Map<number, number>();
  /** Per scenario: batch index -> the remote worker that ran it, until its `batch.settled` is sent. */
  readonly #workers = new Map<string, Map<number, string>>();

  readonly emit: (event: ProgressEvent) => void;

  constructor(emit: (event: ProgressEvent) => void) {
    this.emit = emit;
  }

  /** A scenario actor's new snapshot (from subscribing to it: cheaper than system-wide inspection). */
  observeScenario(actorId: string, snapshot: Snapshot<unknown>): void {
    if (isMachineSnapshot(snapshot)) this.#onScenario(actorId, snapshot);
  }

  /**
   * The runner folded several batches into one event (BatchFold): the progress after each but the last,
   * reported as the scenario's snapshot counting them arrives, so the stream still has every batch in order.
   */
  batchesFolded(scenario: string, progress: readonly ScenarioProgress[]): void {
    this.#folded.set(scenario, progress);
  }

  /** A remote batch was counted (or replayed) as run by `worker`: its `batch.settled` names it. */
  batchWorker(scenario: string, index: number, worker: string): void {
    const byIndex = this.#workers.get(scenario) ?? new Map<number, string>();
    byIndex.set(index, worker);
    this.#workers.set(scenario, byIndex);
  }

  observeOrchestrator(snapshot: Snapshot<unknown>): void {
    if (isMachineSnapshot(snapshot)) this.#onOrchestrator(snapshot);
  }

  #onScenario(actorId: string, snapshot: MachineSnapshotLike): void {
    const progress = (snapshot.context as { progress: ScenarioProgress }).progress;
    const name = progress.name;
    const state = statePath(snapshot.value);
    const before = this.#seen.get(actorId) ?? { state: '', batchCount: 0, itemsFailed: 0, retries: 0, milestones: 0 };
    if (progress.retries > before.retries) {
      const last = progress.errors[progress.errors.length - 1];
      this.emit({ type: 'batch.retrying', scenario: name, batchIndex: last?.batchIndex ?? -1, attempt: (last?.attempt ?? 0) + 1, error: last?.message ?? '' });
    }
    if (progress.batchCount > before.batchCount) {
      let itemsFailed = before.itemsFailed;
      const folded = this.#folded.get(name);
      if (folded) {
        this.#folded.delete(name);
        for (const each of folded) {
          // Only those this snapshot counts: the machine stops counting a folded event at a decision.
          if (each.batchCount <= before.batchCount || each.batchCount >= progress.batchCount) continue;
          this.emit(this.#settled(name, each.batchCount - 1, each.itemsFailed > itemsFailed, each));
          itemsFailed = each.itemsFailed;
        }
      }
      this.emit(this.#settled(name, progress.batchCount - 1, progress.itemsFailed > itemsFailed, progress));
    }
    for (const milestone of progress.milestonesReached.slice(before.milestones)) {
      this.emit({ type: 'milestone.reached', scenario: name, milestone, elapsedMs: ownValue(progress.milestoneElapsedMs, String(milestone)) ?? 0 });
    }
    if (state !== before.state) this.emit({ type: 'scenario.state', scenario: name, state, progress });
    this.#seen.set(actorId, {
      state,
      batchCount: progress.batchCount,
      itemsFailed: progress.itemsFailed,
      retries: progress.retries,
      milestones: progress.milestonesReached.length,
    });
  }

  #settled(scenario: string, batchIndex: number, failed: boolean, progress: ScenarioProgress): ProgressEvent {
    const byIndex = this.#workers.get(scenario);
    const worker = byIndex?.get(batchIndex);
    if (worker === undefined) return { type: 'batch.settled', scenario, batchIndex, failed, progress };
    byIndex?.delete(batchIndex);
    return { type: 'batch.settled', scenario, batchIndex, failed, progress, worker };
  }

  #onOrchestrator(snapshot: MachineSnapshotLike): void {
    const { book, startedAt } = snapshot.context as { book?: BarrierBook; startedAt?: number | null };
    if (!book) return;
    // An open barrier's arrivals only grow (at the end), so each root change reads just the new ones.
    for (const open of book.open) {
      const read = this.#arrivalsRead.get(open.milestone) ?? 0;
      for (let i = read; i < open.arrivals.length; i += 1) {
        const [scenario, at] = open.arrivals[i] ?? ['', 0];
        this.#arrival(scenario, open.milestone, at - (startedAt ?? at));
      }
      if (open.arrivals.length !== read) this.#arrivalsRead.set(open.milestone, open.arrivals.length);
    }
    const released: BarrierRecord[] = book.released;
    if (released.length > this.#released) {
      for (const barrier of released.slice(this.#released)) {
        for (const scenario of barrier.arrived) this.#arrival(scenario, barrier.milestone, ownValue(barrier.arrivedAtMs, scenario) ?? 0);
        this.emit({ type: 'barrier.released', barrier });
      }
      this.#released = released.length;
    }
  }

  #arrival(scenario: string, milestone: number, elapsedMs: number): void {
    const key = `${milestone}\u0000${scenario}`;
    if (this.#arrivals.has(key)) return;
    this.#arrivals.add(key);
    this.emit({ type: 'barrier.arrived', scenario, milestone, elapsedMs });
  }
}
