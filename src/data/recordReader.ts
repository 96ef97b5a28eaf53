import { open, type FileHandle } from 'node:fs/promises';
import { ScenarioError, toError } from '../errors.ts';
import { CHECKPOINT_EVERY, type DatasetIndex } from './datasetIndex.ts';
import { fileChunks } from './fileChunks.ts';
import { stampChanges, stampOfOpen } from './fileStamp.ts';
import { unreadableReason } from './unreadableFile.ts';
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
 * its index fails the read with ScenarioError('dataset_changed'): one fstat before and after each read
 * compares its size, modification times and inode with the index's stamp, so a write (even one that keeps
 * the size) is refused before its records reach a batch; fewer records, or a malformed one, are refused too.
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
    const handle = await this.openHandle();
    const refuseIfWritten = () => this.refuseIfWritten(handle, first, position);
    refuseIfWritten();
    try {
      for await (const record of parseRecords(this.index.format, fileChunks(handle, position.offset, chunk), position, this.index.state)) {
        if (recordIndex >= first && !visit(record.value, recordIndex)) {
          // A write during this read is refused before the records read reach the caller.
          refuseIfWritten();
          this.remember(recordIndex + 1, { offset: record.next, line: record.nextLine });
          return;
        }
        recordIndex += 1;
      }
    } catch (error) {
      if (error instanceof ScenarioError) throw error;
      // A record the index found valid is not: say what the file system saw change, if it saw it.
      refuseIfWritten();
      const why = error instanceof RecordError ? `line ${error.line}: ${error.message}` : toError(error).message;
      throw new ScenarioError('dataset_changed', `dataset file ${this.index.file} changed while the run read it (${why}); it must stay as it was when the run started`, { cause: error });
    }
    refuseIfWritten();
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

  /** The file handle every read shares, opened by the first read; a file gone by then is a changed file. */
  private async openHandle(): Promise<FileHandle> {
    try {
      this.handle ??= open(this.index.file, 'r');
      return await this.handle;
    } catch (error) {
      this.handle = undefined;
      throw new ScenarioError('dataset_changed', `dataset file ${this.index.file} changed while the run read it: it cannot be opened any more (${unreadableReason(error)})`, { cause: error });
    }
  }

  /**
   * Throws ScenarioError('dataset_changed') if the file's stamp is not the index's, saying what moved; when
   * the file now ends before `from` (where the read of record `first` starts), that record is gone too.
   */
  private refuseIfWritten(handle: FileHandle, first: number, from: ReadPosition): void {
    // Closed while this read waited: the handle's descriptor is gone, and nothing read may be handed on.
    if (this.closed) throw new ScenarioError('usage', `dataset file ${this.index.file} was closed: open the datasets again`);
    const now = stampOfOpen(handle.fd);
    const changes = stampChanges(this.index.stamp, now);
    if (changes.length === 0) return;
    if (now.bytes <= from.offset) changes.unshift(`it has no record ${(first + 1).toLocaleString('en-US')} any more (it had ${this.index.fingerprint.records.toLocaleString('en-US')} records when the run started)`);
    throw new ScenarioError('dataset_changed', `dataset file ${this.index.file} changed while the run read it: ${changes.join('; ')}; it must stay as it was when the run started`);
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
