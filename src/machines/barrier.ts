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

export type ArrivalOutcome =
  /** The barrier was already released: let this scenario through at once. */
  | { kind: 'pass-through'; book: BarrierBook }
  /** First arrival: the barrier opened with this deadline. */
  | { kind: 'opened'; book: BarrierBook; deadline: number }
  | { kind: 'waiting'; book: BarrierBook };

export function arrive(book: BarrierBook, scenario: string, milestone: number, at: number, startedAt: number, timeoutMs: number): ArrivalOutcome {
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
    if (open.arrivals.some(([name]) => name === scenario)) return { kind: 'waiting', book };
    const updated: OpenBarrier = { ...open, arrivals: [...open.arrivals, [scenario, at]] };
    return { kind: 'waiting', book: { ...book, open: book.open.map((b) => (b === open ? updated : b)) } };
  }
  const opened: OpenBarrier = { milestone, openedAt: at, deadline: at + timeoutMs, arrivals: [[scenario, at]] };
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
  return book.open.filter((b) => live.every((name) => b.arrivals.some(([arrived]) => arrived === name)));
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
  const record: BarrierRecord = {
    milestone,
    releasedBy,
    arrived,
    late: live.filter((name) => !arrived.includes(name)),
    arrivedAtMs: recordFromEntries(open.arrivals.map(([name, t]) => [name, t - startedAt] as const)),
    openedAtMs: open.openedAt - startedAt,
    releasedAtMs: at - startedAt,
  };
  return {
    book: { open: book.open.filter((b) => b !== open), released: [...book.released, record].sort((a, b) => a.milestone - b.milestone) },
    record,
  };
}
