import { TokenParser, TokenType, Tokenizer, type ParsedTokenInfo } from '@streamparser/json';
import { toError } from '../errors.ts';
import { RecordError, type ParsedRecord, type ReadPosition } from './records.ts';

const NEWLINE = 0x0a;
const OPEN_ARRAY = Buffer.from('[');

/**
 * A JSON array, streamed: each element is one record. @streamparser/json's tokenizer reports each token's
 * byte offset, which is what lets a later read start at an element in the middle of the file: it feeds a
 * `[` and then the bytes from that element on, and stops once it has what it needs (the rest of the file is
 * never read). Only one element is held at a time (`keepStack: false`).
 */
export async function* jsonArrayRecords(chunks: AsyncIterable<Uint8Array>, from: ReadPosition): AsyncGenerator<ParsedRecord> {
  const fresh = from.offset === 0;
  // The tokenizer counts from 0; mid-file, its byte 0 is the `[` fed first, one before `from.offset`.
  const base = fresh ? 0 : from.offset - 1;
  const lines = new LineCounter(from.line, base);
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths: ['$.*'], keepStack: false });
  const ready: ParsedRecord[] = [];
  let depth = 0;
  let started = false;
  let closed = false;
  let element: { value: unknown; line: number } | undefined;
  let elementLine = from.line;
  let lastOffset = 0;

  parser.onValue = ({ value }) => {
    element = { value, line: elementLine };
  };
  tokenizer.onToken = (token: ParsedTokenInfo) => {
    lastOffset = token.offset;
    if (!started) {
      if (token.token !== TokenType.LEFT_BRACKET) throw new RecordError(lines.at(base + token.offset), 'expected a JSON array ([ {...}, {...} ]) at the top level; for one record per line, use a .jsonl file');
      started = true;
    } else if (depth === 1 && token.token !== TokenType.COMMA && token.token !== TokenType.RIGHT_BRACKET && element === undefined) {
      elementLine = lines.at(base + token.offset);
    }
    parser.write(token);
    if (token.token === TokenType.LEFT_BRACE || token.token === TokenType.LEFT_BRACKET) depth += 1;
    else if (token.token === TokenType.RIGHT_BRACE || token.token === TokenType.RIGHT_BRACKET) depth -= 1;
    const endsElement = (token.token === TokenType.COMMA && depth === 1) || (token.token === TokenType.RIGHT_BRACKET && depth === 0);
    if (endsElement && element !== undefined) {
      ready.push({ value: element.value, line: element.line, next: base + token.offset + (depth === 1 ? 1 : 0), nextLine: lines.at(base + token.offset) });
      element = undefined;
    }
    if (depth === 0) closed = true;
  };

  const feed = (chunk: Buffer) => {
    lines.enter(chunk);
    try {
      tokenizer.write(chunk);
    } catch (error) {
      if (error instanceof RecordError) throw error;
      const message = toError(error).message;
      const position = /absolute position "(\d+)"/.exec(message)?.[1];
      const at = base + (position === undefined ? lastOffset : Number(position));
      throw new RecordError(lines.at(at), `not valid JSON (${whatWasUnexpected(message)}): ${lines.textAround(at)}`);
    }
  };

  if (!fresh) feed(OPEN_ARRAY);
  for await (const chunk of chunks) {
    // A Buffer over the same bytes (no copy), for the line counter's byte search and decoding.
    feed(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    yield* ready.splice(0);
  }
  if (!started) throw new RecordError(lines.at(base + lastOffset), 'the file is empty: expected a JSON array');
  if (!closed) throw new RecordError(lines.total(), 'not valid JSON: the file ends inside the array (a missing "]"?)');
}

/**
 * @streamparser/json's message, on one line: the tokenizer quotes the character it did not expect as it is
 * (a line break breaks the message), the token parser names the token (`COMMA (",")`); both become
 * `unexpected ","`, the character quoted as JSON.
 */
function whatWasUnexpected(message: string): string {
  const character = /^Unexpected "([\s\S]*)" at chunk position/.exec(message)?.[1];
  if (character !== undefined) return `unexpected ${JSON.stringify(character)}`;
  const token = /^Unexpected [A-Z_]+ \(([\s\S]*)\) in state (\w+)$/.exec(message);
  if (token) return `unexpected ${token[1] ?? ''}${token[2] === 'ENDED' ? ' after the array ended' : ''}`;
  return JSON.stringify(message).slice(1, -1);
}

/** Line numbers of byte offsets, counted forward through the chunks as they pass (each byte looked at once). */
class LineCounter {
  private line: number;
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart: number;
  private scanned = 0;
  constructor(firstLine: number, base: number) {
    this.line = firstLine;
    this.chunkStart = base;
  }
  enter(chunk: Buffer): void {
    this.line = this.total();
    this.chunkStart += this.chunk.length;
    this.chunk = chunk;
    this.scanned = 0;
  }
  /** The line of `offset`, which must not be before an offset asked for earlier in this chunk. */
  at(offset: number): number {
    const until = Math.min(Math.max(offset - this.chunkStart, 0), this.chunk.length);
    for (let i = this.chunk.indexOf(NEWLINE, this.scanned); i !== -1 && i < until; i = this.chunk.indexOf(NEWLINE, i + 1)) this.line += 1;
    this.scanned = Math.max(this.scanned, until);
    return this.line;
  }
  /**
   * The line holding `offset`, as far as this chunk has it, quoted as JSON on one line (as a JSON-lines error
   * quotes its line): on a long line (a whole array on one line), only some 40 bytes either side of `offset`.
   */
  textAround(offset: number): string {
    const at = Math.min(Math.max(offset - this.chunkStart, 0), this.chunk.length);
    const lineStart = this.chunk.lastIndexOf(NEWLINE, at - 1) + 1;
    const lineEnd = this.chunk.indexOf(NEWLINE, at) === -1 ? this.chunk.length : this.chunk.indexOf(NEWLINE, at);
    const start = Math.max(lineStart, at - 40);
    const end = Math.min(lineEnd, Math.max(at + 1, start) + 40);
    const text = JSON.stringify(this.chunk.toString('utf8', start, end).trim());
    return `${start > lineStart ? '…' : ''}${text}${end < lineEnd ? '…' : ''}`;
  }
  /** The line after everything seen so far. */
  total(): number {
    return this.at(this.chunkStart + this.chunk.length);
  }
}
