import { createReadStream } from 'node:fs';
import { ScenarioError, toError } from '../errors.ts';
import { CHECKPOINT_EVERY, type DatasetIndex } from './datasetIndex.ts';
import { RecordError, parseRecords, type ReadPosition } from './records.ts';

/** Where reads ended lately (the record after them): the next batch in order starts there without skipping. */
const REMEMBERED = 256;

/**
 * Reads records of an indexed file from any record index: it seeks to the nearest known start (a checkpoint,
 * or where a recent read ended) and parses forward, so batch i costs about one batch of reading, not i.
 * Each read opens its own stream, so reads may overlap. A file that no longer matches its index (fewer
 * records, a malformed one) fails the read with ScenarioError('dataset_changed').
 */
export class RecordReader {
  private readonly recent = new Map<number, ReadPosition>();
  private closed = false;
  private readonly index: DatasetIndex;

  constructor(index: DatasetIndex) {
    this.index = index;
  }

  /**
   * Calls `visit` with each record from `first` on, in file order, until it returns false or the records
   * run out (it must stop before that: the index says how many there are).
   */
  async scan(first: number, visit: (value: unknown, recordIndex: number) => boolean): Promise<void> {
    if (this.closed) throw new ScenarioError('usage', `dataset file ${this.index.file} was closed: open the datasets again`);
    const { recordIndex: start, position } = this.nearest(first);
    const stream = createReadStream(this.index.file, { start: position.offset, highWaterMark: 64 * 1024 });
    let recordIndex = start;
    try {
      for await (const record of parseRecords(this.index.format, stream as AsyncIterable<Buffer>, position, this.index.state)) {
        if (recordIndex >= first && !visit(record.value, recordIndex)) {
          this.remember(recordIndex + 1, { offset: record.next, line: record.nextLine });
          return;
        }
        recordIndex += 1;
      }
    } catch (error) {
      const why = error instanceof RecordError ? `line ${error.line}: ${error.message}` : toError(error).message;
      throw new ScenarioError('dataset_changed', `dataset file ${this.index.file} changed while the run read it (${why}); it must stay as it was when the run started`, { cause: error });
    } finally {
      stream.destroy();
    }
    throw new ScenarioError(
      'dataset_changed',
      `dataset file ${this.index.file} changed while the run read it: it ends after ${recordIndex.toLocaleString('en-US')} records, it had ${this.index.fingerprint.records.toLocaleString('en-US')} when the run started`,
    );
  }

  close(): void {
    this.closed = true;
    this.recent.clear();
  }

  private nearest(first: number): { recordIndex: number; position: ReadPosition } {
    const checkpoint = Math.min(Math.floor(first / CHECKPOINT_EVERY), this.index.checkpoints.length - 1);
    let best = { recordIndex: checkpoint * CHECKPOINT_EVERY, position: this.index.checkpoints[checkpoint] ?? { offset: 0, line: 1 } };
    const exact = this.recent.get(first);
    if (exact) return { recordIndex: first, position: exact };
    for (const [recordIndex, position] of this.recent) {
      if (recordIndex <= first && recordIndex > best.recordIndex) best = { recordIndex, position };
    }
    return best;
  }

  private remember(recordIndex: number, position: ReadPosition): void {
    this.recent.delete(recordIndex);
    this.recent.set(recordIndex, position);
    if (this.recent.size > REMEMBERED) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }
}
