import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { DatasetFingerprint } from '../config/schema.ts';
import { ScenarioError, toError } from '../errors.ts';
import { formatOf, type DatasetFormat } from './formats.ts';
import { RecordError, parseRecords, type FormatState, type ReadPosition } from './records.ts';

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
  /** A CSV's header, read once. */
  state: FormatState;
  /** Where record k × CHECKPOINT_EVERY starts (k = 0, 1, …): one entry per thousand records, not per record. */
  checkpoints: ReadPosition[];
}

/**
 * Reads `file` once, as a stream: validates every record (the first malformed one throws
 * ScenarioError('dataset_invalid') naming the file, the line and what was wrong), counts the records, hashes
 * the bytes, and keeps a checkpoint every CHECKPOINT_EVERY records. Memory stays that of one chunk and one
 * record, whatever the file's size.
 */
export async function indexDataset(file: string, onProgress?: (progress: DatasetProgress) => void): Promise<DatasetIndex> {
  const format = formatOf(file);
  let bytesTotal: number;
  try {
    bytesTotal = (await stat(file)).size;
  } catch (error) {
    throw new ScenarioError('dataset_invalid', `cannot read dataset file ${file}: ${toError(error).message}`);
  }
  const hash = createHash('sha256');
  let bytesRead = 0;
  let records = 0;
  let toldAt = -Infinity;
  const tell = (done: boolean) => onProgress?.({ file, bytesRead, bytesTotal, records, done });
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
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
    if (error instanceof RecordError) throw new ScenarioError('dataset_invalid', `dataset file ${file}, line ${error.line}: ${error.message}`);
    throw new ScenarioError('dataset_invalid', `cannot read dataset file ${file}: ${toError(error).message}`, { cause: error });
  }
  tell(true);
  return { file, format, fingerprint: { bytes: bytesRead, sha256: hash.digest('hex'), records }, state, checkpoints };
}
