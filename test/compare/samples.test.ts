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

const one = (qualityMetrics: string[], extra: { latencyTargetMsPerItem?: number } = {}) => ({ qualityMetrics, workers: 1, ...extra });

/**
 * A parallel scenario's journal as the batch runner writes it: waves of `workers` batches of 10 items started
 * together, each taking about `waveMs`; the first of a wave to be counted carries the wave's busy time, the
 * others only the few ms they ran past it (0 when they ended inside it).
 */
function waves(waveMs: number, count: number, workers = 4): BatchRecord[] {
  const tails = [0, 3, 0, 1];
  return Array.from({ length: count * workers }, (_, i) => {
    const k = i % workers;
    const busyMs = k === 0 ? waveMs : (tails[k] ?? 0);
    return row(i, { result: { qualityScore: 0.8, busyMs }, startedAt: 0, finishedAt: 0 });
  });
}

describe('batchSamples', () => {
  it('takes one value per batch the skill ran: its span over the items it processed, and its scores', () => {
    const samples = batchSamples([row(0), row(1, { itemsFailed: 2, qualityScore: 0.6, result: { metrics: { f1: 0.5 } }, finishedAt: 1_000 + 400 })], one(['accuracy', 'coverage', 'f1']), 'complete');
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

  it('times parallel batches per group of workers, so a run twice as slow reads slower in time and in throughput, with one n', () => {
    const fast = batchSamples(waves(100, 5), { qualityMetrics: ['accuracy'], workers: 4 }, 'complete');
    const slow = batchSamples(waves(200, 5), { qualityMetrics: ['accuracy'], workers: 4 }, 'complete');
    // Four batches of 10 items per group: (100 + 3 + 1) ms over 40 items.
    expect(fast.figures.get('timePerItem')).toEqual(Array(5).fill(104 / 40));
    expect(fast.figures.get('throughput')).toEqual(Array(5).fill(expect.closeTo(40_000 / 104, 9)));
    expect(slow.figures.get('timePerItem')).toEqual(Array(5).fill(204 / 40));
    expect(slow.figures.get('throughput')).toEqual(Array(5).fill(expect.closeTo(40_000 / 204, 9)));
    // Quality is still one value per batch.
    expect(fast.figures.get('accuracy')).toHaveLength(20);
    expect(fast.notes).toEqual(['batches ran 4 at a time, so one batch\'s time is not its own: timePerItem and throughput are sampled per 4 consecutive batches (their busy time, overlaps counted once, over the items they processed), n = 5']);
  });

  it('scores latency per batch as the report does (its group\'s time per item against the target), so quality is the report\'s overall', () => {
    // 10 items in 200 ms and 5 ms: 20 and 0.5 ms per item against a 10 ms target.
    const samples = batchSamples([row(0), row(1, { finishedAt: 1_000 + 5 })], one(['accuracy', 'coverage', 'latency'], { latencyTargetMsPerItem: 10 }), 'complete');
    expect(samples.figures.get('latency')).toEqual([0.5, 1]);
    expect(samples.figures.get('quality')).toEqual([(0.8 + 1 + 0.5) / 3, (0.8 + 1 + 1) / 3]);
    const untargeted = batchSamples([row(0)], one(['accuracy', 'latency']), 'complete');
    expect(untargeted.figures.has('latency')).toBe(false);
    expect(untargeted.figures.get('quality')).toEqual([0.8]);
    expect(untargeted.notes).toEqual(['latency has no latencyTargetMsPerItem to be scored against: not compared']);
  });

  it('leaves out cached and failed batches, and says so', () => {
    const samples = batchSamples(
      [
        row(0, { result: { qualityScore: 0.8, cached: true }, finishedAt: 0 }),
        row(1, { qualityScore: null, itemsFailed: 10, result: { error: 'boom' } }),
        row(2, { attempt: 2 }),
        row(3),
      ],
      one(['accuracy']),
      'complete',
    );
    expect(samples.figures.get('timePerItem')).toEqual([20, 20]);
    expect(samples.notes).toEqual([
      '1 batch(es) taken from the cache left out (the skill did not run for them)',
      '1 batch(es) that failed every attempt left out',
      '1 batch(es) were retried: their time is their last attempt\'s (earlier attempts and backoff are not in the journal)',
    ]);
  });

  it('times a 0 ms batch with the next one (same n for time and throughput), and flags stalls among longer ones', () => {
    const short = batchSamples([0, 1, 2].map((i) => row(i, { finishedAt: 1_000 * i + (i === 0 ? 0 : 2) })), one(['accuracy']), 'complete');
    expect(short.figures.get('timePerItem')).toEqual([2 / 20, 2 / 10]);
    expect(short.figures.get('throughput')).toEqual([10_000, 5_000]);
    expect(short.figures.get('accuracy')).toHaveLength(3);
    expect(short.notes).toEqual(['1 batch(es) took 0 ms by the clock: each is timed together with the batch after it', 'batches take under 5 ms: their times are whole milliseconds, so per-batch time is coarse']);
    const stalled = batchSamples([0, 1, 2, 3, 4, 5].map((i) => row(i, { finishedAt: 1_000 * i + (i === 5 ? 900 : 200 + i) })), one(['accuracy']), 'complete');
    expect(stalled.notes).toEqual([expect.stringMatching(/^1 sample\(s\) took far longer or shorter than the rest \(Tukey's fences\)/) as string]);
  });
});

describe('repeatSamples', () => {
  // 100 items; working time is elapsed without waits and pauses (at least busy), as the experiment report counts it.
  const times = (busyMs: number, elapsedMs: number, waitingMs: number) => ({ itemsProcessed: 100, cachedItems: 0, busyMs, elapsedMs, waitingMs, pausedMs: 0 });
  const report = (status: string, scores: Record<string, number | null>, perItem: number | null, time = times(400, 500, 100)) =>
    ({ scenarios: { one: { status, qualityScores: scores, ...time } }, comparison: { timePerItemMs: { one: perItem } } }) as unknown as Report;

  it('takes one value per repeat that completed the scenario, throughput per busy second as a run is sampled (not per working second)', () => {
    const samples = repeatSamples(
      [
        report('complete', { accuracy: 0.9, latency: 0.5, overall: 0.7 }, 4),
        report('failed', { accuracy: 0.1, overall: 0.1 }, 40),
        report('complete', { accuracy: 0.8, latency: null, overall: 0.8 }, 3, times(300, 900, 100)),
      ],
      'one',
    );
    expect(Object.fromEntries(samples.figures)).toEqual({ quality: [0.7, 0.8], accuracy: [0.9, 0.8], latency: [0.5], timePerItem: [4, 3], throughput: [250, 1000 / 3] });
    expect(samples.status).toBe('complete');
    expect(samples.notes).toEqual(['1 of 3 repeat(s) did not complete this scenario: left out']);
  });
});
