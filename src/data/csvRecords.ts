import { Readable, pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { toError } from '../errors.ts';
import { setOwn } from '../ownKeys.ts';
import { RecordError, type FormatState, type ParsedRecord, type ReadPosition } from './records.ts';

interface CsvRow {
  record: string[];
  info: { bytes: number; lines: number };
}

/**
 * CSV with a header row, parsed by csv-parse (quoted fields may hold commas, quotes and newlines): each row
 * becomes an object keyed by the header, every value a string, as written (nothing is guessed: "007" stays
 * "007"). A row with more or fewer fields than the header is an error. Mid-file, rows are read with the
 * header kept from the first read.
 */
export async function* csvRecords(chunks: AsyncIterable<Uint8Array>, from: ReadPosition, state: FormatState): AsyncGenerator<ParsedRecord> {
  const fresh = from.offset === 0;
  // Offsets reported by csv-parse count from the first byte it was given (a byte-order mark included).
  const parser = parse({ bom: true, info: true, skip_empty_lines: true });
  // pipeline, not pipe: a read that stops early destroys the parser, and the source's complaint about that
  // (premature close) must go to this callback, not become an unhandled error; a read error reaches the parser.
  pipeline(Readable.from(asBuffers(chunks)), parser, () => undefined);
  let header = fresh ? undefined : state.header;
  let line = from.line;
  try {
    for await (const row of parser as AsyncIterable<CsvRow>) {
      const next = from.offset + row.info.bytes;
      const nextLine = from.line + row.info.lines;
      if (header === undefined) {
        header = checkHeader(row.record, line);
        state.header = header;
      } else {
        yield { value: toObject(header, row.record, line), line, next, nextLine };
      }
      line = nextLine;
    }
  } catch (error) {
    if (error instanceof RecordError) throw error;
    if (error instanceof CsvError) {
      const at = (error as CsvError & { lines?: number }).lines;
      throw new RecordError(at === undefined ? line : from.line + at - 1, `not valid CSV: ${error.message.replace(/ on line \d+$/, '').replace(/ at line \d+$/, '')}`);
    }
    throw toError(error);
  } finally {
    parser.destroy();
  }
  if (header === undefined) throw new RecordError(line, 'the file is empty: expected a header row naming the columns');
}

/** csv-parse takes Buffers (or strings), not any Uint8Array: a Buffer over the same bytes (no copy). */
async function* asBuffers(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function checkHeader(names: string[], line: number): string[] {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new RecordError(line, `the header names column "${name}" twice`);
    seen.add(name);
  }
  return names;
}

function toObject(header: readonly string[], values: readonly string[], line: number): Record<string, string> {
  if (values.length !== header.length) throw new RecordError(line, `has ${values.length} fields, the header has ${header.length}`);
  const record: Record<string, string> = {};
  // setOwn: a column may be called "__proto__" or "constructor" like any other.
  header.forEach((name, i) => setOwn(record, name, values[i] ?? ''));
  return record;
}
