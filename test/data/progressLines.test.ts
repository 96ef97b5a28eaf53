import { describe, expect, it } from 'vitest';
import { datasetProgressLines } from '../../src/cli/commands/run.ts';

const MB = 1024 * 1024;

function collect(): { io: { stderr: NodeJS.WritableStream }; lines: string[] } {
  const lines: string[] = [];
  const stderr = { write: (text: string) => lines.push(text.trimEnd()) } as unknown as NodeJS.WritableStream;
  return { io: { stderr }, lines };
}

describe('the CLI shows a big dataset file being validated', () => {
  it('a line per tenth of a file over 64 MB, and one when it is done; nothing for a small file', () => {
    const { io, lines } = collect();
    const tell = datasetProgressLines(io);
    const total = 2 * 1024 * MB;
    for (let read = 0; read <= total; read += 16 * MB) tell({ file: '/d/big.jsonl', bytesRead: read, bytesTotal: total, records: Math.floor(read / 200), done: false });
    tell({ file: '/d/big.jsonl', bytesRead: total, bytesTotal: total, records: 10_737_418, done: true });
    for (let read = 0; read <= 10 * MB; read += MB) tell({ file: '/d/small.jsonl', bytesRead: read, bytesTotal: 10 * MB, records: 1, done: read === 10 * MB });
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('reading /d/big.jsonl: 0% (0 MB of 2.0 GB, 0 records)');
    expect(lines[4]).toBe('reading /d/big.jsonl: 40% (832 MB of 2.0 GB, 4,362,076 records)');
    expect(lines[9]).toMatch(/^reading \/d\/big.jsonl: 90% /);
    expect(lines[10]).toBe('reading /d/big.jsonl: 10,737,418 records, 2.0 GB, all valid');
  });
});
