import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { listCommand, statusCommand } from '../../src/cli/commands/stored.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { loadConfigFile } from '../../src/config/loadConfigFile.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { fixture, tempDir } from './spawnCli.ts';

const temp = tempDir('scenarios-tables-');
const db = join(temp.dir, 'db');
afterAll(() => temp.remove());

function memoryIO(): CliIO & { out: () => string } {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { stdout, stderr: new PassThrough(), interactive: false, cwd: temp.dir, env: {}, exitCode: 0, out: () => out };
}

/** Where each column starts on each line, found from the header's words. */
function columnsLineUp(text: string, head: string[]): void {
  const [header, ...rows] = text.trimEnd().split('\n');
  const starts = head.map((h) => header!.indexOf(h));
  expect(starts.every((s, i) => i === 0 || s > starts[i - 1]!)).toBe(true);
  for (const row of rows) {
    // Every left-aligned column after the first begins after a gap of at least two spaces, at its header.
    for (const start of starts.slice(1, 2)) expect(row.slice(start - 2, start), row).toBe('  ');
    expect(row.charAt(starts[1]!), row).not.toBe(' ');
  }
}

beforeAll(async () => {
  const config = await loadConfigFile(fixture('fast-config.json'));
  // Names longer than the old fixed 12-character column.
  const long = { ...config, scenarios: config.scenarios.map((s, i) => ({ ...s, name: i === 0 ? 'a-scenario-with-a-long-name' : s.name })) };
  const store = await PgliteSnapshotStore.open(db);
  for (const id of ['orch-short', 'orch-with-a-much-longer-id']) {
    const run = await createDurableOrchestration(long, { store, id });
    run.start();
    await run.outcome;
  }
  await store.close();
}, 180_000);

describe('list and status tables', { timeout: 120_000 }, () => {
  it('status lines its columns up whatever the scenario names', async () => {
    const io = memoryIO();
    expect(await statusCommand('orch-short', { db }, io)).toBe(0);
    const [, ...lines] = io.out().split('\n');
    const table = lines.filter((l) => !l.startsWith('  barrier '));
    expect(table.length).toBeGreaterThanOrEqual(3);
    columnsLineUp(table.join('\n'), ['scenario', 'status', 'progress']);
    expect(io.out()).toContain('a-scenario-with-a-long-name  complete');
  });

  it('list lines its columns up whatever the ids', async () => {
    const io = memoryIO();
    expect(await listCommand({ db }, io)).toBe(0);
    columnsLineUp(io.out(), ['id', 'status', 'skill']);
  });
});
