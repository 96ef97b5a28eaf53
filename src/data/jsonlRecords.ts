import { toError } from '../errors.ts';
import { RecordError, type ParsedRecord, type ReadPosition } from './records.ts';

const NEWLINE = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * JSON lines: each non-blank line is one record, parsed with JSON.parse (so the error says what was wrong).
 * Lines are cut on bytes, not characters, so offsets are exact byte offsets; a line split across chunks
 * is joined first. Blank lines (a trailing newline, spacing) are not records but still count as lines.
 */
export async function* jsonlRecords(chunks: AsyncIterable<Uint8Array>, from: ReadPosition): AsyncGenerator<ParsedRecord> {
  let offset = from.offset;
  let line = from.line;
  let carry: Buffer | undefined;
  let first = from.offset === 0;
  for await (const bytes of chunks) {
    // A Buffer over the same bytes (no copy), for its byte search and decoding.
    let chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (first) {
      first = false;
      // A byte-order mark some editors write is not part of the first record.
      if (chunk.subarray(0, 3).equals(BOM)) {
        chunk = chunk.subarray(3);
        offset += 3;
      }
    }
    const buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE, start); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      const record = parseLine(buffer, start, end, line, offset + (end - start) + 1);
      offset += end - start + 1;
      line += 1;
      start = end + 1;
      if (record) yield record;
    }
    carry = start < buffer.length ? buffer.subarray(start) : undefined;
  }
  if (carry) {
    const record = parseLine(carry, 0, carry.length, line, offset + carry.length);
    if (record) yield record;
  }
}

function parseLine(buffer: Buffer, start: number, end: number, line: number, next: number): ParsedRecord | undefined {
  const text = buffer.toString('utf8', start, end);
  if (text.trim() === '') return undefined;
  try {
    return { value: JSON.parse(text) as unknown, line, next, nextLine: line + 1 };
  } catch (error) {
    throw new RecordError(line, `not valid JSON (${toError(error).message}): ${preview(text)}`);
  }
}

/** The start of a bad line, so the user recognises it without a megabyte of it on their terminal. */
export function preview(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 60 ? `${JSON.stringify(trimmed.slice(0, 60))}…` : JSON.stringify(trimmed);
}
