import { open, type FileHandle } from 'node:fs/promises';
import { ScenarioError, toError } from '../errors.ts';
import { CHECKPOINT_EVERY, type DatasetIndex } from './datasetIndex.ts';
import { RecordError, parseRecords, type ReadPosition } from './records.ts';

/** Where reads ended lately (the record after them): the next batch in order starts there without skipping. */
const REMEMBERED = 256;
/** Bounds of one read from the file: a batch of small records takes one read, a huge record several. */
const MIN_CHUNK = 16 * 1024;
const MAX_CHUNK = 1024 * 1024;

/**
 * Reads records of an indexed file from any record index: it seeks to the nearest known start (a checkpoint,
 * or where a recent read ended) and parses forward, so batch i costs about one batch of reading, not i.
 * One file handle serves every read (positional reads, so reads may overlap); each read asks for about as
 * many bytes as its records take, going by the file's average record size. A file that no longer matches
 * its index (fewer records, a malformed one) fails the read with ScenarioError('dataset_changed').
 */
export class RecordReader {
  private readonly recent = new Map<number, ReadPosition>();
  private closed = false;
  private handle: Promise<FileHandle> | undefined;
  private readonly index: DatasetIndex;

  constructor(index: DatasetIndex) {
    this.index = index;
  }

  /**
   * Calls `visit` with each record from `first` on, in file order, until it returns false or the records
   * run out (it must stop before that: the index says how many there are).
   */
  async scan(first: number, visit: (value: unknown, recordIndex: number) => boolean, expectedRecords = 1): Promise<void> {
    if (this.closed) throw new ScenarioError('usage', `dataset file ${this.index.file} was closed: open the datasets again`);
    const { recordIndex: start, position } = this.nearest(first);
    const { bytes, records } = this.index.fingerprint;
    // Enough for the records skipped and wanted, plus a margin, so most reads take one chunk.
    const chunk = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil((bytes / Math.max(records, 1)) * (first - start + expectedRecords) * 1.25)));
    let recordIndex = start;
    try {
      this.handle ??= open(this.index.file, 'r');
      const chunks = readChunks(await this.handle, position.offset, chunk);
      for await (const record of parseRecords(this.index.format, chunks, position, this.index.state)) {
        if (recordIndex >= first && !visit(record.value, recordIndex)) {
          this.remember(recordIndex + 1, { offset: record.next, line: record.nextLine });
          return;
        }
        recordIndex += 1;
      }
    } catch (error) {
      const why = error instanceof RecordError ? `line ${error.line}: ${error.message}` : toError(error).message;
      throw new ScenarioError('dataset_changed', `dataset file ${this.index.file} changed while the run read it (${why}); it must stay as it was when the run started`, { cause: error });
    }
    throw new ScenarioError(
      'dataset_changed',
      `dataset file ${this.index.file} changed while the run read it: it has no record ${(recordIndex + 1).toLocaleString('en-US')} any more (it had ${this.index.fingerprint.records.toLocaleString('en-US')} records when the run started)`,
    );
  }

  close(): void {
    this.closed = true;
    this.recent.clear();
    void this.handle?.then((handle) => handle.close()).catch(() => undefined);
    this.handle = undefined;
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

/** The file's bytes from `position` on, `size` at a time. */
async function* readChunks(handle: FileHandle, position: number, size: number): AsyncGenerator<Buffer> {
  for (let at = position; ; ) {
    const buffer = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(buffer, 0, size, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}
