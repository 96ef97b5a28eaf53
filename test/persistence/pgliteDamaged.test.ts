import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import type { SqlClient } from '../../src/persistence/SqlSnapshotStore.ts';
import { runCli } from '../support/cliProcess.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';

/**
 * Issue 8, item 1: an embedded database folder whose files are truncated or overwritten with garbage is
 * reported in one line naming the folder, exit 1, by every command (list included), never as a raw driver
 * error with a stack trace. Before: `cannot open store pglite:…: Aborted(). Build with -sASSERTIONS…` or
 * `PGlite failed to initialize properly`, and a damaged table read by `status` gave
 * `unexpected error: error: could not read blocks …` with a 5-frame stack trace.
 */

const work = mkdtempSync(join(tmpdir(), 'scenarios-damaged-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const sound = join(work, 'sound');
let tableFile = '';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

/** A copy of the sound folder, damaged by `harm`. */
function damagedCopy(name: string, harm: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(sound, dir, { recursive: true });
  harm(dir);
  return dir;
}

const garbage = () => Buffer.from(Array.from({ length: 3072 }, (_, i) => (i * 7919 + 13) % 251));
const oneLine = (dir: string) => new RegExp(`^scenarios: embedded database in ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged or not a PGlite database: [^\\n]+\\n$`);

beforeAll(async () => {
  const store = await openStore(sound);
  const run = await createDurableOrchestration({ skill: { name: 'simulated', params: { latencyMs: 0 } }, scenarios: [oneItemScenario('a', 3)] }, { store, id: 'orch-d' });
  run.start();
  await run.outcome;
  const { rows } = await (store as unknown as { client: SqlClient }).client.query<{ path: string }>(`SELECT pg_relation_filepath('orchestrations') AS path`);
  tableFile = rows[0]?.path ?? '';
  await store.close();
}, 180_000);

describe('a damaged embedded database folder', () => {
  it.each([
    ['every file overwritten with 3 KB of garbage', 'garbage', (dir: string) => files(dir).forEach((f) => writeFileSync(f, garbage())), ['list', 'status orch-d']],
    ['every file but PG_VERSION truncated', 'truncated', (dir: string) => files(dir).filter((f) => !f.endsWith('PG_VERSION')).forEach((f) => truncateSync(f, 0)), ['list', 'resume orch-d']],
    ['its runs table overwritten with garbage', 'table', (dir: string) => writeFileSync(join(dir, tableFile), garbage()), ['status orch-d', 'report orch-d']],
  ] as const)('%s: one line naming the folder, exit 1', async (_what, name, harm, commands) => {
    const dir = damagedCopy(name, harm);
    for (const command of commands) {
      const { code, stdout, stderr } = await runCli([...command.split(' '), '--db', dir]);
      expect(stderr, command).toMatch(oneLine(dir));
      expect(stdout, command).toBe('');
      expect(code, command).toBe(1);
    }
  }, 180_000);
});
