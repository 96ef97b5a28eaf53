import { describe, expect, it } from 'vitest';
import { arrive, emptyBarrierBook, release, releasable, withoutLive, type BarrierBook } from '../../src/machines/barrier.ts';

const T0 = 1_000_000;

function book(...steps: [string, number, number][]): BarrierBook {
  let b = emptyBarrierBook;
  for (const [name, milestone, at] of steps) b = arrive(b, name, milestone, at, T0, 500).book;
  return b;
}

describe('barrier', () => {
  it('opens a barrier at its first arrival with a deadline of arrival + timeout', () => {
    const outcome = arrive(emptyBarrierBook, 'a', 30, T0 + 100, T0, 500);
    expect(outcome).toEqual({ kind: 'opened', deadline: T0 + 600, book: { open: [{ milestone: 30, openedAt: T0 + 100, deadline: T0 + 600, arrivals: [['a', T0 + 100]] }], released: [] } });
  });

  it('adds later arrivals in order and ignores a repeated arrival', () => {
    const b = book(['a', 30, T0 + 100], ['b', 30, T0 + 150]);
    expect(b.open[0]?.arrivals).toEqual([['a', T0 + 100], ['b', T0 + 150]]);
    const again = arrive(b, 'a', 30, T0 + 200, T0, 500);
    expect(again).toEqual({ kind: 'waiting', book: b });
  });

  it('does not change the book it is given', () => {
    const b = book(['a', 30, T0 + 100]);
    const copy = structuredClone(b);
    arrive(b, 'b', 30, T0 + 150, T0, 500);
    release(b, 30, 'timeout', T0 + 600, T0, ['a', 'b']);
    expect(b).toEqual(copy);
  });

  it('is releasable once every live scenario has arrived; a finished scenario does not hold it', () => {
    const b = book(['a', 30, T0 + 100], ['b', 30, T0 + 150]);
    expect(releasable(b, ['a', 'b', 'c'])).toEqual([]);
    expect(releasable(b, ['a', 'b']).map((o) => o.milestone)).toEqual([30]);
    expect(releasable(b, ['b']).map((o) => o.milestone)).toEqual([30]);
  });

  it('records a release by all arrivals with times relative to the start', () => {
    const b = book(['a', 30, T0 + 100], ['b', 30, T0 + 150]);
    const { book: after, record } = release(b, 30, 'all-arrived', T0 + 150, T0, ['a', 'b']);
    expect(record).toEqual({ milestone: 30, releasedBy: 'all-arrived', arrived: ['a', 'b'], late: [], arrivedAtMs: { a: 100, b: 150 }, openedAtMs: 100, releasedAtMs: 150 });
    expect(after).toEqual({ open: [], released: [record] });
  });

  it('names the live scenarios that had not arrived when a timeout releases the barrier', () => {
    const b = book(['a', 30, T0 + 100]);
    const { record } = release(b, 30, 'timeout', T0 + 600, T0, ['a', 'b', 'c']);
    expect(record).toMatchObject({ releasedBy: 'timeout', arrived: ['a'], late: ['b', 'c'], releasedAtMs: 600 });
  });

  it('releases nothing for a barrier that is not open', () => {
    const b = book(['a', 30, T0 + 100]);
    expect(release(b, 70, 'timeout', T0 + 600, T0, ['a'])).toEqual({ book: b, record: undefined });
    const released = release(b, 30, 'timeout', T0 + 600, T0, ['a']).book;
    expect(release(released, 30, 'timeout', T0 + 700, T0, ['a'])).toEqual({ book: released, record: undefined });
  });

  it('lets a late arrival pass straight through and records when it arrived', () => {
    const b = release(book(['a', 30, T0 + 100]), 30, 'timeout', T0 + 600, T0, ['a', 'b']).book;
    const late = arrive(b, 'b', 30, T0 + 900, T0, 500);
    expect(late.kind).toBe('pass-through');
    expect(late.book.released[0]).toMatchObject({ arrived: ['a'], late: ['b'], arrivedAtMs: { a: 100, b: 900 } });
    expect(arrive(late.book, 'b', 30, T0 + 950, T0, 500)).toEqual({ kind: 'pass-through', book: late.book });
  });

  it('keeps released barriers sorted by milestone', () => {
    let b = book(['a', 70, T0 + 100], ['a', 30, T0 + 200]);
    b = release(b, 70, 'timeout', T0 + 600, T0, ['a']).book;
    b = release(b, 30, 'timeout', T0 + 700, T0, ['a']).book;
    expect(b.released.map((r) => r.milestone)).toEqual([30, 70]);
  });

  describe('counting who a barrier still waits for (as the orchestrator calls it, with the live list)', () => {
    const live = ['a', 'b', 'c'];
    const arriveAll = (names: string[], from: BarrierBook = emptyBarrierBook) =>
      names.reduce((b, name, i) => arrive(b, name, 30, T0 + 100 + i, T0, 500, live).book, from);

    it('is releasable exactly when the last live scenario arrives, a repeated arrival counting once', () => {
      const two = arriveAll(['a', 'b']);
      expect(releasable(arrive(two, 'a', 30, T0 + 300, T0, 500, live).book, live)).toEqual([]);
      expect(releasable(arriveAll(['c'], two), live).map((o) => o.milestone)).toEqual([30]);
    });

    it('is releasable once the only scenario not there finishes, and not when one that is there does', () => {
      const two = arriveAll(['a', 'b']);
      const arrivedFinished = withoutLive(two, live, 'a');
      expect(releasable(two, arrivedFinished)).toEqual([]);
      const missingFinished = withoutLive(two, live, 'c');
      expect(releasable(two, missingFinished).map((o) => o.milestone)).toEqual([30]);
    });

    it('answers for an earlier book or live list from its own data, after later ones were made from it', () => {
      const one = arriveAll(['a']);
      const two = arriveAll(['b'], one);
      const three = arriveAll(['c'], two);
      const fewer = withoutLive(three, live, 'b');
      expect(releasable(three, live).map((o) => o.milestone)).toEqual([30]);
      expect(releasable(one, live)).toEqual([]);
      expect(releasable(one, ['a']).map((o) => o.milestone)).toEqual([30]);
      expect(releasable(two, live)).toEqual([]);
      expect(releasable(two, fewer)).toEqual([]);
      expect(arrive(one, 'b', 30, T0 + 400, T0, 500, live).kind).toBe('waiting');
      expect(arrive(one, 'b', 30, T0 + 400, T0, 500, live).book.open[0]?.arrivals.map(([n]) => n)).toEqual(['a', 'b']);
      expect(release(two, 30, 'timeout', T0 + 600, T0, live).record).toMatchObject({ arrived: ['a', 'b'], late: ['c'] });
    });

    it('counts from the data of a book restored from JSON (no index carried over)', () => {
      const restored = JSON.parse(JSON.stringify(arriveAll(['a', 'b']))) as BarrierBook;
      expect(releasable(restored, live)).toEqual([]);
      expect(releasable(arrive(restored, 'c', 30, T0 + 300, T0, 500, live).book, live).map((o) => o.milestone)).toEqual([30]);
      expect(arrive(restored, 'a', 30, T0 + 300, T0, 500, live)).toEqual({ kind: 'waiting', book: restored });
    });
  });
});
