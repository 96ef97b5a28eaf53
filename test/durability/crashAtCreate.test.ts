import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { loadStoredRun } from '../../src/api/storedRun.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';
import type { SqlClient } from '../../src/persistence/SqlSnapshotStore.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { guaranteeStores } from '../support/postgresServer.ts';
import { timedSkill } from '../support/timedSkill.ts';

/**
 * Issue 8, item 3: a process killed between creating a run's row and saving its first snapshot left a row
 * that could neither be resumed ("start a new run") nor run again under its id ("already exists, use
 * resume"), shown as running forever. The row is now created with the run's first snapshot, so whatever
 * stops the process after it exists leaves a run that resume starts.
 */

const work = mkdtempSync(join(tmpdir(), 'scenarios-create-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const prefix = `create-crash-${process.pid}-${Date.now().toString(36)}`;
const config = { barriers: { at: [50] }, scenarios: [oneItemScenario('a', 6), oneItemScenario('b', 4)] };

class Crash extends Error {}

/**
 * The real store, but the process "dies" right after the row is created: every later call fails, as if
 * nothing after that point ran (no lease taken, no snapshot saved).
 */
function dyingAfterCreate(store: SnapshotStore): SnapshotStore {
  let dead = false;
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (dead && key !== 'close') return Promise.reject(new Crash('the process died'));
        const result = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (key === 'create') dead = true;
        return result;
      };
    },
  });
}

describe.each(guaranteeStores(join(work, 'db'), 'crash between creating a run and its first snapshot'))('a run killed right after its row was created, on $name', ({ db }) => {
  it('resume starts it and it finishes; it shows as not started, never as a row without state', async () => {
    const store = await openStore(db);
    const id = `${prefix}-${db.startsWith('postgres') ? 'pg' : 'pglite'}`;
    try {
      await expect(createDurableOrchestration(config, { store: dyingAfterCreate(store), skill: timedSkill({ latencyMs: 1 }), id })).rejects.toBeInstanceOf(Crash);

      const row = await store.load(id);
      expect(row?.status).toBe('running');
      expect(row?.snapshot).not.toBeNull();
      // Status shows what there is: two scenarios not started yet.
      const stored = await loadStoredRun(store, id);
      expect(stored.progress.map((p) => [p.name, p.status])).toEqual([['a', 'pending'], ['b', 'pending']]);
      // Running it again under its id is still refused, with the advice that now works: resume.
      await expect(createDurableOrchestration(config, { store, id })).rejects.toThrow(`orchestration "${id}" already exists`);

      const resumed = await resumeOrchestration(id, { store, skill: timedSkill({ latencyMs: 1 }) });
      const outcome = await resumed.outcome;
      expect(outcome.kind).toBe('finished');
      if (outcome.kind === 'finished') {
        expect(Object.values(outcome.report.scenarios).map((s) => [s.status, s.batchCount])).toEqual([['complete', 6], ['complete', 4]]);
      }
      expect((await store.load(id))?.status).toBe('complete');
    } finally {
      const client = (store as unknown as { client: SqlClient }).client;
      await client.query('DELETE FROM batch_results WHERE orchestration_id = $1', [id]);
      await client.query('DELETE FROM orchestrations WHERE id = $1', [id]);
      await store.close();
    }
  }, 180_000);

  it('a row an older build left without a snapshot is started by resume from its stored config', async () => {
    const store = await openStore(db);
    const id = `${prefix}-legacy-${db.startsWith('postgres') ? 'pg' : 'pglite'}`;
    try {
      await expect(createDurableOrchestration(config, { store: dyingAfterCreate(store), skill: timedSkill({ latencyMs: 1 }), id })).rejects.toBeInstanceOf(Crash);
      const client = (store as unknown as { client: SqlClient }).client;
      await client.query(`UPDATE orchestrations SET snapshot = 'null'::jsonb WHERE id = $1`, [id]);
      const resumed = await resumeOrchestration(id, { store, skill: timedSkill({ latencyMs: 1 }) });
      const outcome = await resumed.outcome;
      expect(outcome.kind).toBe('finished');
      if (outcome.kind === 'finished') expect(Object.values(outcome.report.scenarios).map((s) => s.status)).toEqual(['complete', 'complete']);
    } finally {
      const client = (store as unknown as { client: SqlClient }).client;
      await client.query('DELETE FROM batch_results WHERE orchestration_id = $1', [id]);
      await client.query('DELETE FROM orchestrations WHERE id = $1', [id]);
      await store.close();
    }
  }, 180_000);
});
