import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { writeReport } from '../../src/cli/driveInTerminal.ts';
import { loadConfigFile } from '../../src/config/loadConfigFile.ts';
import { renderText } from '../../src/report/renderText.ts';
import type { Report } from '../../src/report/schema.ts';
import { fixture } from './spawnCli.ts';

function stdout(tty?: { columns: number }): PassThrough & { text: () => string } {
  const stream = Object.assign(new PassThrough(), tty ? { isTTY: true, columns: tty.columns } : {}, { text: () => written });
  let written = '';
  stream.on('data', (d: Buffer) => (written += d.toString()));
  return stream;
}

let report: Report;
beforeAll(async () => {
  const run = createOrchestration(await loadConfigFile(fixture('fast-config.json')));
  run.start();
  report = await run.result;
}, 120_000);

describe('the text report on stdout', () => {
  it('is wrapped to the terminal width when stdout is a terminal', async () => {
    const out = stdout({ columns: 50 });
    await writeReport({ stdout: out }, report, 'text');
    const lines = out.text().trimEnd().split('\n');
    expect(renderText(report).split('\n').some((l) => l.length > 50)).toBe(true);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(50);
    // Wrapping moves words, it loses none.
    expect(out.text().replace(/\s+/g, '')).toBe(renderText(report).replace(/\s+/g, ''));
  });

  it('is left unwrapped into a pipe or file, and so are Markdown and JSON', async () => {
    const piped = stdout();
    await writeReport({ stdout: piped }, report, 'text');
    expect(piped.text().trimEnd()).toBe(renderText(report).trimEnd());
    const md = stdout({ columns: 50 });
    await writeReport({ stdout: md }, report, 'md');
    expect(md.text().split('\n').some((l) => l.length > 50)).toBe(true);
  });
});
