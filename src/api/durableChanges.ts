import type { AnyActorRef, Snapshot } from 'xstate';
import { statePath } from './progressTracker.ts';

interface ScenarioSnapshotLike {
  status: string;
  value: unknown;
  context: { progress: { status: string; milestonesReached: readonly unknown[] }; passedBarriers: readonly unknown[]; attempt: number };
}

const isScenarioSnapshot = (snapshot: Snapshot<unknown>): snapshot is Snapshot<unknown> & ScenarioSnapshotLike => {
  const context = (snapshot as { context?: Partial<ScenarioSnapshotLike['context']> }).context;
  return 'value' in snapshot && context?.progress !== undefined && Array.isArray(context.passedBarriers);
};

/**
 * What of a scenario the batch journal cannot rebuild: its state (at a barrier, retrying, draining, paused,
 * finished), its status, how many milestones it reached (each with its time) and barriers it passed, and
 * its attempt (a retry's count). A batch counted changes none of these unless it crosses one of them.
 */
export function durableKey(snapshot: Snapshot<unknown>): string {
  if (!isScenarioSnapshot(snapshot)) return snapshot.status;
  const { context } = snapshot;
  return `${snapshot.status}|${statePath(snapshot.value)}|${context.progress.status}|${context.progress.milestonesReached.length}|${context.passedBarriers.length}|${context.attempt}`;
}

/**
 * Tells the snapshot writer of the durable changes of the tree: any change of the root (a start, arrival,
 * release, finish, pause or resume relayed, the clock resumed) and a scenario's change of durable key. A
 * scenario's other changes (batches counted) are routine: the caller hears of every change anyway
 * (createOrchestration's onChange). O(1) per change: each scenario's key is compared with its own last one.
 * Returns the unsubscribe.
 */
export function watchDurableChanges(root: AnyActorRef, isScenario: (childId: string) => boolean, onDurable: () => void): () => void {
  const keys = new Map<string, string>();
  const subscriptions = [root.subscribe({ next: () => onDurable(), error: () => undefined })];
  const children = (root.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children ?? {};
  for (const [childId, child] of Object.entries(children)) {
    if (!child || !isScenario(childId)) continue;
    keys.set(childId, durableKey(child.getSnapshot() as Snapshot<unknown>));
    subscriptions.push(
      child.subscribe({
        next: (snapshot: Snapshot<unknown>) => {
          const key = durableKey(snapshot);
          if (key === keys.get(childId)) return;
          keys.set(childId, key);
          onDurable();
        },
        error: () => undefined,
      }),
    );
  }
  return () => {
    for (const subscription of subscriptions) subscription.unsubscribe();
  };
}
