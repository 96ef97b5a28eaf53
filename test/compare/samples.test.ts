import { describe, expect, it } from 'vitest';
import { batchSamples, repeatSamples } from '../../src/compare/samples.ts';
import type { BatchRecord } from '../../src/persistence/SnapshotStore.ts';
import type { Report } from '../../src/report/schema.ts';

function row(batchIndex: number, overrides: Partial<BatchRecord> = {}): BatchRecord {
  return {
    orchestrationId: 'r',
    scenario: 'one',
    batchIndex,
    attempt: 1,
    items: 10,
    itemsFailed: 0,
    qualityScore: 0.8,
    result: { qualityScore: 0.8, metrics: { f1: 0.7 } },
    startedAt: 1_000 * batchIndex,
    finishedAt: 1_000 * batchIndex + 200,
    ...overrides,
  };
}

describe('batchSamples', () => {
  it('takes one value per batch the skill ran: its span over the items it processed, and its scores', () => {
    const samples = batchSamples([row(0), row(1, { itemsFailed: 2, qualityScore: 0.6, result: { metrics: { f1: 0.5 } }, finishedAt: 1_000 + 400 })], ['accuracy', 'coverage', 'f1'], 'complete');
    expect(Object.fromEntries(samples.figures)).toEqual({
      quality: [(0.8 + 1 + 0.7) / 3, (0.6 + 0.8 + 0.5) / 3],
      accuracy: [0.8, 0.6],
      coverage: [1, 0.8],
      f1: [0.7, 0.5],
      timePerItem: [20, 50],
      throughput: [50, 20],
    });
    expect(samples.notes).toEqual([]);
  });

  it('leaves out cached and failed batches, uses the busy time a parallel batch added, and says so', () => {
    const samples = batchSamples(
      [
        row(0, { result: { qualityScore: 0.8, cached: true }, finishedAt: 0 }),
        row(1, { qualityScore: null, itemsFailed: 10, result: { error: 'boom' } }),
        // Counted (finishedAt) long after it settled: its row's busyMs is what it added.
        row(2, { attempt: 2, result: { qualityScore: 0.8, busyMs: 150 }, finishedAt: 2_000 + 900 }),
        row(3, { result: { qualityScore: 0.8, busyMs: 100 } }),
      ],
      ['accuracy', 'latency'],
      'complete',
    );
    expect(samples.figures.get('timePerItem')).toEqual([15, 10]);
    expect(samples.figures.has('latency')).toBe(false);
    expect(samples.notes).toEqual([
      '1 batch(es) taken from the cache left out (the skill did not run for them)',
      '1 batch(es) that failed every attempt left out',
      '1 batch(es) were retried: their time is their last attempt\'s (earlier attempts and backoff are not in the journal)',
      'batches ran in parallel: each batch counts the busy time it added (overlaps once), not its own latency',
      'latency is judged on time per item, so it is compared as timePerItem, not per batch',
    ]);
  });

  it('flags batches too short for the millisecond clock, and stalls among longer ones', () => {
    const short = batchSamples([0, 1, 2].map((i) => row(i, { finishedAt: 1_000 * i + (i === 0 ? 0 : 2) })), ['accuracy'], 'complete');
    expect(short.figures.get('throughput')).toHaveLength(2);
    expect(short.notes).toEqual(['1 batch(es) took 0 ms by the clock: left out of throughput', 'batches take under 5 ms: their times are whole milliseconds, so per-batch time is coarse']);
    const stalled = batchSamples([0, 1, 2, 3, 4, 5].map((i) => row(i, { finishedAt: 1_000 * i + (i === 5 ? 900 : 200 + i) })), ['accuracy'], 'complete');
    expect(stalled.notes).toEqual([expect.stringMatching(/^1 batch\(es\) took far longer or shorter than the rest \(Tukey's fences\)/) as string]);
  });
});

describe('repeatSamples', () => {
  // 100 items; working time is elapsed without waits and pauses (at least busy), as the experiment report counts it.
  const times = (busyMs: number, elapsedMs: number, waitingMs: number) => ({ itemsProcessed: 100, cachedItems: 0, busyMs, elapsedMs, waitingMs, pausedMs: 0 });
  const report = (status: string, scores: Record<string, number | null>, perItem: number | null, time = times(400, 500, 100)) =>
    ({ scenarios: { one: { status, qualityScores: scores, ...time } }, comparison: { timePerItemMs: { one: perItem } } }) as unknown as Report;

  it('takes one value per repeat that completed the scenario, throughput per second of working time', () => {
    const samples = repeatSamples(
      [
        report('complete', { accuracy: 0.9, latency: 0.5, overall: 0.7 }, 4),
        report('failed', { accuracy: 0.1, overall: 0.1 }, 40),
        report('complete', { accuracy: 0.8, latency: null, overall: 0.8 }, 3, times(300, 900, 100)),
      ],
      'one',
    );
    expect(Object.fromEntries(samples.figures)).toEqual({ quality: [0.7, 0.8], accuracy: [0.9, 0.8], latency: [0.5], timePerItem: [4, 3], throughput: [250, 125] });
    expect(samples.status).toBe('complete');
    expect(samples.notes).toEqual(['1 of 3 repeat(s) did not complete this scenario: left out']);
  });
});
