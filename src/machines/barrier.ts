import { copyRecord, recordFromEntries } from '../ownKeys.ts';
import type { BarrierRecord } from '../report/schema.ts';

/**
 * Barrier bookkeeping as pure functions over plain data. A barrier opens at its first arrival, is
 * released when every live scenario has arrived or when its deadline passes, and afterwards lets a
 * late arrival straight through.
 */

export interface OpenBarrier {
  milestone: number;
  openedAt: number;
  deadline: number;
  /** Arrivals in order: [scenario, epoch ms]. */
  arrivals: [string, number][];
}

export interface BarrierBook {
  open: OpenBarrier[];
  released: BarrierRecord[];
}

export const emptyBarrierBook: BarrierBook = { open: [], released: [] };

/*
 * Indexes derived from the book, never part of it (the book stays plain, serialisable data and is never
 * changed in place: a saved snapshot may still hold it). Each index is keyed by the immutable array or
 * barrier it describes and handed on to the next version of it when that is made from it, so an arrival
 * or a finish costs O(1) instead of a rescan of every scenario; asked about anything else (an older
 * book, a restored one), an index is rebuilt from the data, so an answer is always the data's.
 */

/** Names in an open barrier's arrivals. */
const arrivedIndex = new WeakMap<readonly [string, number][], Set<string>>();
/** Names in a list of live scenarios. */
const liveIndex = new WeakMap<readonly string[], Set<string>>();
/** How many of `live` an open barrier still waits for (live and not arrived). */
const waitingIndex = new WeakMap<OpenBarrier, { live: readonly string[]; count: number }>();

function arrivedAt(open: OpenBarrier): Set<string> {
  let names = arrivedIndex.get(open.arrivals);
  if (!names) {
    names = new Set(open.arrivals.map(([name]) => name));
    arrivedIndex.set(open.arrivals, names);
  }
  return names;
}

/** The live scenarios as a set (O(1) membership), built once per list. */
export function liveSet(live: readonly string[]): Set<string> {
  let names = liveIndex.get(live);
  if (!names) {
    names = new Set(live);
    liveIndex.set(live, names);
  }
  return names;
}

function waitingFor(open: OpenBarrier, live: readonly string[]): number {
  const known = waitingIndex.get(open);
  if (known && known.live === live) return known.count;
  const arrived = arrivedAt(open);
  const count = live.reduce((n, name) => (arrived.has(name) ? n : n + 1), 0);
  waitingIndex.set(open, { live, count });
  return count;
}

/** `live` without a scenario that finished; each open barrier's wait count follows in O(1). */
export function withoutLive(book: BarrierBook, live: readonly string[], scenario: string): string[] {
  const names = liveIndex.get(live);
  const next = live.filter((name) => name !== scenario);
  if (names) {
    // The old list's set moves to the new list; asked about the old list again, it is rebuilt.
    liveIndex.delete(live);
    names.delete(scenario);
    liveIndex.set(next, names);
  }
  for (const open of book.open) {
    const known = waitingIndex.get(open);
    if (known && known.live === live) waitingIndex.set(open, { live: next, count: known.count - (next.length < live.length && !arrivedAt(open).has(scenario) ? 1 : 0) });
  }
  return next;
}

export type ArrivalOutcome =
  /** The barrier was already released: let this scenario through at once. */
  | { kind: 'pass-through'; book: BarrierBook }
  /** First arrival: the barrier opened with this deadline. */
  | { kind: 'opened'; book: BarrierBook; deadline: number }
  | { kind: 'waiting'; book: BarrierBook };

/** `live`, when given, lets the barrier count who it still waits for as arrivals come (see `releasable`). */
export function arrive(book: BarrierBook, scenario: string, milestone: number, at: number, startedAt: number, timeoutMs: number, live?: readonly string[]): ArrivalOutcome {
  const released = book.released.find((r) => r.milestone === milestone);
  if (released) {
    if (Object.hasOwn(released.arrivedAtMs, scenario)) return { kind: 'pass-through', book };
    const arrivedAtMs = copyRecord(released.arrivedAtMs);
    arrivedAtMs[scenario] = at - startedAt;
    const record = { ...released, arrivedAtMs };
    return { kind: 'pass-through', book: { ...book, released: book.released.map((r) => (r === released ? record : r)) } };
  }
  const open = book.open.find((b) => b.milestone === milestone);
  if (open) {
    const arrived = arrivedAt(open);
    if (arrived.has(scenario)) return { kind: 'waiting', book };
    const updated: OpenBarrier = { ...open, arrivals: [...open.arrivals, [scenario, at]] };
    // The indexes move to the new barrier: one more arrived, one fewer (if live) waited for.
    arrivedIndex.delete(open.arrivals);
    arrived.add(scenario);
    arrivedIndex.set(updated.arrivals, arrived);
    const known = waitingIndex.get(open);
    if (known && live && known.live === live) waitingIndex.set(updated, { live, count: known.count - (liveSet(live).has(scenario) ? 1 : 0) });
    return { kind: 'waiting', book: { ...book, open: book.open.map((b) => (b === open ? updated : b)) } };
  }
  const opened: OpenBarrier = { milestone, openedAt: at, deadline: at + timeoutMs, arrivals: [[scenario, at]] };
  if (live) waitingIndex.set(opened, { live, count: live.length - (liveSet(live).has(scenario) ? 1 : 0) });
  return { kind: 'opened', book: { ...book, open: [...book.open, opened] }, deadline: opened.deadline };
}

/**
 * After a restore: open barriers' deadlines move back by the downtime, so a barrier timeout counts only
 * time the process was up. Arrival and opening times stay as they were (the timeline is wall time).
 */
export function shiftDeadlines(book: BarrierBook, downtimeMs: number): BarrierBook {
  if (book.open.length === 0 || downtimeMs === 0) return book;
  return { ...book, open: book.open.map((b) => ({ ...b, deadline: b.deadline + downtimeMs })) };
}

/** Open barriers at which every live scenario has arrived (a finished scenario never holds a barrier). */
export function releasable(book: BarrierBook, live: readonly string[]): OpenBarrier[] {
  return book.open.filter((b) => waitingFor(b, live) === 0);
}

export function release(
  book: BarrierBook,
  milestone: number,
  releasedBy: BarrierRecord['releasedBy'],
  at: number,
  startedAt: number,
  live: readonly string[],
): { book: BarrierBook; record: BarrierRecord | undefined } {
  const open = book.open.find((b) => b.milestone === milestone);
  if (!open) return { book, record: undefined };
  const arrived = open.arrivals.map(([name]) => name);
  const arrivedNames = arrivedAt(open);
  const record: BarrierRecord = {
    milestone,
    releasedBy,
    arrived,
    late: live.filter((name) => !arrivedNames.has(name)),
    arrivedAtMs: recordFromEntries(open.arrivals.map(([name, t]) => [name, t - startedAt] as const)),
    openedAtMs: open.openedAt - startedAt,
    releasedAtMs: at - startedAt,
  };
  return {
    book: { open: book.open.filter((b) => b !== open), released: [...book.released, record].sort((a, b) => a.milestone - b.milestone) },
    record,
  };
}
