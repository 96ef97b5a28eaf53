import { createRandom, hashKey } from '../actors/seededRandom.ts';
import type { RecordReader } from './recordReader.ts';

/** A scenario's items: records of a file, in file order, all of them or a subset. */
export interface ScenarioItems {
  /** Items [start, start + count). */
  read(start: number, count: number): Promise<unknown[]>;
}

/** The first `size` records: item i is record i. A read past `size` stops there. */
export function firstRecords(reader: RecordReader, size: number): ScenarioItems {
  return {
    async read(start, count) {
      const items: unknown[] = [];
      const wanted = Math.min(count, size - start);
      if (wanted <= 0) return items;
      await reader.scan(
        start,
        (value) => {
          items.push(value);
          return items.length < wanted;
        },
        wanted,
      );
      return items;
    },
  };
}

/** One selection checkpoint every this many sampled items. */
const SAMPLE_CHECKPOINT_EVERY = 1_000;
/** mulberry32's state step: its n-th draw depends on `seed + n × STEP` alone, so any draw can be made directly. */
const MULBERRY_STEP = 0x6d2b79f5;

/**
 * `size` of the `total` records, chosen by selection sampling (Knuth's algorithm S): record r is taken
 * with probability (still needed) / (records left), which gives exactly `size` records, uniformly, in file
 * order. Record r's draw comes from (seed, scenario, r) alone, so the choice is the same in every process
 * (a resumed run reads the same items) and can be restarted from any record given how many were taken
 * before it: a checkpoint every thousand sampled items holds that, so no list of chosen records is kept.
 */
export function sampledRecords(reader: RecordReader, args: { seed: number; scenario: string; size: number; total: number }): ScenarioItems {
  const { size, total } = args;
  const seedHash = hashKey(args.seed, args.scenario, 'sample');
  const draw = (record: number) => createRandom((seedHash + Math.imul(record, MULBERRY_STEP)) >>> 0)();
  const takes = (record: number, taken: number) => draw(record) * (total - record) < size - taken;

  // checkpoints[k]: the record holding sampled item k × SAMPLE_CHECKPOINT_EVERY (computed, nothing read).
  const checkpoints: number[] = [];
  for (let record = 0, taken = 0; taken < size && record < total; record++) {
    if (!takes(record, taken)) continue;
    if (taken % SAMPLE_CHECKPOINT_EVERY === 0) checkpoints.push(record);
    taken += 1;
  }
  // Where the last read stopped: the next batch in order goes on from there.
  let resumeAt: { item: number; record: number } | undefined;

  return {
    async read(start, count) {
      const items: unknown[] = [];
      const end = Math.min(start + count, size);
      if (end <= start) return items;
      const k = Math.floor(start / SAMPLE_CHECKPOINT_EVERY);
      let taken = k * SAMPLE_CHECKPOINT_EVERY;
      let from = checkpoints[k] ?? 0;
      if (resumeAt && resumeAt.item <= start && resumeAt.item > taken) ({ item: taken, record: from } = resumeAt);
      // About total / size records pass for each one taken.
      const expected = Math.ceil(((end - taken) * total) / size);
      await reader.scan(
        from,
        (value, record) => {
          if (!takes(record, taken)) return true;
          if (taken >= start) items.push(value);
          taken += 1;
          if (taken < end) return true;
          resumeAt = { item: taken, record: record + 1 };
          return false;
        },
        expected,
      );
      return items;
    },
  };
}
