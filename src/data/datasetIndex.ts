import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { DatasetFingerprint } from '../config/schema.ts';
import { ScenarioError, toError } from '../errors.ts';
import { fileChunks } from './fileChunks.ts';
import { stampChanges, stampOfOpen, type FileStamp } from './fileStamp.ts';
import { formatOf, type DatasetFormat } from './formats.ts';
import { RecordError, parseRecords, type FormatState, type ReadPosition } from './records.ts';
import { DatasetUnreadableError, unreadableReason } from './unreadableFile.ts';

/** A checkpoint every this many records: a read seeks to the one before its first record and skips the rest. */
export const CHECKPOINT_EVERY = 1_000;

/** How far validating a file has got; told about once per percent, and once when it is done. */
export interface DatasetProgress {
  file: string;
  bytesRead: number;
  bytesTotal: number;
  records: number;
  done: boolean;
}

/** What one pass over a file learnt: its fingerprint, and where to start reading any record. */
export interface DatasetIndex {
  file: string;
  format: DatasetFormat;
  fingerprint: DatasetFingerprint;
  /** Size, modification times and inode as the pass found them: a later read refuses a file whose stamp moved. */
  stamp: FileStamp;
  /** A CSV's header, read once. */
  state: FormatState;
  /** Where record k × CHECKPOINT_EVERY starts (k = 0, 1, …): one entry per thousand records, not per record. */
  checkpoints: ReadPosition[];
}

/**
 * Reads `file` once, as a stream: validates every record (the first malformed one throws
 * ScenarioError('dataset_invalid') naming the file, the line and what was wrong), counts the records, hashes
 * the bytes, and keeps a checkpoint every CHECKPOINT_EVERY records. Memory stays that of one chunk and one
 * record, whatever the file's size. A file that cannot be opened throws DatasetUnreadableError; one written
 * while the pass reads it throws ScenarioError('dataset_changed').
 */
export async function indexDataset(file: string, onProgress?: (progress: DatasetProgress) => void): Promise<DatasetIndex> {
  const format = formatOf(file);
  const handle = await openFile(file);
  try {
    return await indexOpenFile(file, format, handle, onProgress);
  } finally {
    await handle.close();
  }
}

async function openFile(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new DatasetUnreadableError(file, unreadableReason(error), { cause: error });
  }
  // Opening a directory succeeds on Linux; its first read would fail with a less telling EISDIR.
  if ((await handle.stat()).isDirectory()) {
    await handle.close();
    throw new DatasetUnreadableError(file, unreadableReason({ code: 'EISDIR' }));
  }
  return handle;
}

async function indexOpenFile(file: string, format: DatasetFormat, handle: FileHandle, onProgress?: (progress: DatasetProgress) => void): Promise<DatasetIndex> {
  const stamp = stampOfOpen(handle.fd);
  const bytesTotal = stamp.bytes;
  const hash = createHash('sha256');
  let bytesRead = 0;
  let records = 0;
  let toldAt = -Infinity;
  const tell = (done: boolean) => onProgress?.({ file, bytesRead, bytesTotal, records, done });
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of fileChunks(handle, 0, 1 << 20)) {
      hash.update(chunk);
      bytesRead += chunk.length;
      if (bytesRead - toldAt >= bytesTotal / 100) {
        toldAt = bytesRead;
        tell(false);
      }
      yield chunk;
    }
  }
  const state: FormatState = {};
  const checkpoints: ReadPosition[] = [];
  let position: ReadPosition = { offset: 0, line: 1 };
  try {
    for await (const record of parseRecords(format, hashed(), position, state)) {
      if (records % CHECKPOINT_EVERY === 0) checkpoints.push(position);
      records += 1;
      position = { offset: record.next, line: record.nextLine };
    }
  } catch (error) {
    refuseIfWritten(file, stamp, handle);
    if (error instanceof RecordError) throw new ScenarioError('dataset_invalid', `dataset file ${file}, line ${error.line}: ${error.message}`);
    throw new ScenarioError('dataset_invalid', `cannot read dataset file ${file}: ${toError(error).message}`, { cause: error });
  }
  // What was hashed and counted must be one version of the file, the one the stamp describes.
  refuseIfWritten(file, stamp, handle);
  tell(true);
  return { file, format, fingerprint: { bytes: bytesRead, sha256: hash.digest('hex'), records }, stamp, state, checkpoints };
}

function refuseIfWritten(file: string, stamp: FileStamp, handle: FileHandle): void {
  const changes = stampChanges(stamp, stampOfOpen(handle.fd));
  if (changes.length > 0) {
    throw new ScenarioError('dataset_changed', `dataset file ${file} changed while it was being validated: ${changes.join('; ')}; start the run once nothing writes to it`);
  }
}
