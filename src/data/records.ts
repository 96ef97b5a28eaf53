import type { DatasetFormat } from './formats.ts';
import { jsonlRecords } from './jsonlRecords.ts';

/** One record as read from a file, with where the next one may start, so a later read can seek there. */
export interface ParsedRecord {
  value: unknown;
  /** 1-based line where the record starts. */
  line: number;
  /** Absolute byte offset from which reading yields the next record (the end of this one and its separator). */
  next: number;
  /** The line at `next`. */
  nextLine: number;
}

/** Where a read starts: the byte offset of a record's start (or of the first, from a fresh file) and its line. */
export interface ReadPosition {
  offset: number;
  line: number;
}

/** What a format needs to read from the middle of a file: a CSV's header (read once at the start). */
export interface FormatState {
  header?: readonly string[];
}

/** A record the file cannot give: where (line) and what was wrong; the caller names the file. */
export class RecordError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.name = 'RecordError';
    this.line = line;
  }
}

/**
 * The records of `chunks` (the file's bytes from `from.offset` on), in file order. Chunks are Uint8Array (a
 * Node buffer is one), so the shipped declarations need no Node types. From offset 0 it also
 * reads what the format declares up front (a CSV's header) into `state`; from elsewhere it uses `state`.
 * Throws RecordError at the first malformed record. Stops reading when the caller stops iterating.
 */
export function parseRecords(format: DatasetFormat, chunks: AsyncIterable<Uint8Array>, from: ReadPosition, state: FormatState): AsyncGenerator<ParsedRecord> {
  switch (format) {
    case 'jsonl':
      return jsonlRecords(chunks, from);
    case 'json':
      return fromLazyParser(async () => (await import('./jsonArrayRecords.ts')).jsonArrayRecords(chunks, from));
    case 'csv':
      return fromLazyParser(async () => (await import('./csvRecords.ts')).csvRecords(chunks, from, state));
  }
}

/**
 * The JSON-array and CSV parsers (@streamparser/json, csv-parse) are imported when a file of their format is
 * read, not when the CLI starts: most runs read no such file. JSONL, parsed by hand, stays direct.
 */
async function* fromLazyParser(parser: () => Promise<AsyncGenerator<ParsedRecord>>): AsyncGenerator<ParsedRecord> {
  yield* await parser();
}
