import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { loadStoredRun } from '../../src/api/storedRun.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import type { SnapshotStore, StoredOrchestration } from '../../src/persistence/SnapshotStore.ts';
import type { SqlClient } from '../../src/persistence/SqlSnapshotStore.ts';
import { runCli } from '../support/cliProcess.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { guaranteeStores } from '../support/postgresServer.ts';
import { timedSkill } from '../support/timedSkill.ts';

/**
 * Issue 8, item 1: a stored snapshot that is corrupt or not this machine's is refused before anything is
 * restored, in one line naming the run and what is wrong; the row is left exactly as it was and no lease
 * is left behind. Each case writes its corruption into a real store with SQL. Before the fix these ended
 * in an uncaught TypeError that killed the process with the lease held, a 10-frame stack trace, or a
 * resumed tree that saved itself over the row ("Unable to send event to actor 'scenario:medium'").
 */

const work = mkdtempSync(join(tmpdir(), 'scenarios-corrupt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const prefix = `corrupt-${process.pid}-${Date.now().toString(36)}`;

/** The store's own SQL connection: the corruption goes where the run lives. */
const sql = (store: SnapshotStore) => (store as unknown as { client: SqlClient }).client;

const config = { seed: 3, barriers: { at: [50], timeoutMs: 60_000 }, scenarios: [oneItemScenario('simple', 40), oneItemScenario('medium', 40), oneItemScenario('complex', 80)] };

/** Until simple and medium wait at the 50% barrier and complex is on its way there. */
async function midway(run: { progress(): { batchCount: number }[] }) {
  for (let i = 0; i < 3000 && !(run.progress()[0]?.batchCount === 20 && run.progress()[1]?.batchCount === 20 && (run.progress()[2]?.batchCount ?? 0) >= 10); i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(run.progress().map((p) => p.batchCount).slice(0, 2)).toEqual([20, 20]);
}

/** SQL that corrupts the row's snapshot `s` (a jsonb expression) in one way each, and the line resume must print. */
const cases: { name: string; snapshot: string; says: string }[] = [
  { name: 'a child snapshot emptied', snapshot: `jsonb_set(s, '{children,scenario:medium,snapshot}', '{}'::jsonb)`, says: 'scenario "medium": snapshot is empty' },
  { name: 'a child entry emptied', snapshot: `jsonb_set(s, '{children,scenario:medium}', '{}'::jsonb)`, says: 'scenario "medium": src is undefined, not "scenario"; scenario "medium": snapshot is missing' },
  { name: 'a child snapshot without context', snapshot: `s #- '{children,scenario:medium,snapshot,context}'`, says: 'scenario "medium": snapshot has no context' },
  { name: 'a child context missing fields', snapshot: `s #- '{children,scenario:medium,snapshot,context,progress,itemsFailed}'`, says: 'scenario "medium": context.progress.itemsFailed: expected number, received undefined' },
  { name: 'an unknown child state', snapshot: `jsonb_set(s, '{children,scenario:medium,snapshot,value}', '"flying"'::jsonb)`, says: 'scenario "medium": state "flying" is not a state of the scenario machine' },
  { name: 'an unknown root state', snapshot: `jsonb_set(s, '{value}', '{"running":"fast"}'::jsonb)`, says: 'state {"running":"fast"} is not a state of the orchestrator machine' },
  { name: 'a truncated snapshot', snapshot: `jsonb_build_object('value', s->'value', 'status', s->'status')`, says: 'snapshot has no context; children: expected record, received undefined' },
  { name: 'a snapshot cut off as text', snapshot: `to_jsonb(left(s::text, 50))`, says: 'snapshot is not an object (' },
  { name: "a child's snapshot as the root", snapshot: `s #> '{children,scenario:medium,snapshot}'`, says: "the stored snapshot is a scenario's snapshot, not the orchestrator's" },
  { name: "the root context's barrier book gone", snapshot: `s #- '{context,book}'`, says: 'context.book: expected object, received undefined' },
];

describe.each(guaranteeStores(join(work, 'db'), 'corrupt stored snapshots'))('a corrupt stored snapshot on $name', ({ db }) => {
  let store: SnapshotStore;
  const seed = `${prefix}-seed`;
  beforeAll(async () => {
    store = await openStore(db);
    // A real run, paused with a barrier open and scenarios mid-way, as the corruptions' starting point.
    const skill = timedSkill({ latencyMs: 2 });
    const run = await createDurableOrchestration(config, { store, skill, id: seed });
    run.start();
    await midway(run);
    await run.interrupt();
  }, 180_000);
  afterAll(async () => {
    await sql(store).query(`DELETE FROM batch_results WHERE orchestration_id LIKE $1`, [`${prefix}%`]);
    await sql(store).query(`DELETE FROM orchestrations WHERE id LIKE $1`, [`${prefix}%`]);
    await store.close();
  });

  /** A copy of the seed run under `id` (its own id throughout the snapshot), corrupted, saved as a crashed run would be. */
  async function corruptCopy(id: string, snapshot: string, status = 'running'): Promise<StoredOrchestration> {
    await sql(store).query(
      `INSERT INTO orchestrations (id, config, skill, status, snapshot, version, machine_version, xstate_version, owner, lease_expires_at, created_at, updated_at)
       SELECT $2, config, skill, $3, (WITH t(s) AS (SELECT replace(snapshot::text, $1, $2)::jsonb) SELECT ${snapshot} FROM t),
              version, machine_version, xstate_version, NULL, NULL, created_at, updated_at
       FROM orchestrations WHERE id = $1`,
      [seed, id, status],
    );
    const row = await store.load(id);
    if (!row) throw new Error(`no row ${id}`);
    return row;
  }

  const untouched = async (before: StoredOrchestration) => {
    const after = await store.load(before.id);
    expect(after?.status).toBe('running');
    expect(after?.snapshot).toEqual(before.snapshot);
    expect(after?.version).toBe(before.version);
    expect(after?.updatedAt).toBe(before.updatedAt);
    expect(after?.owner).toBeNull();
  };

  it('resumes the uncorrupted copy (the copies themselves are sound)', async () => {
    const id = `${prefix}-sound`;
    // Paused as the seed was (a copy saved as running would keep its scenarios paused: nobody resumes them).
    await corruptCopy(id, 's', 'paused');
    const run = await resumeOrchestration(id, { store, skill: timedSkill({ latencyMs: 1 }) });
    const outcome = await run.outcome;
    expect(outcome.kind).toBe('finished');
  }, 120_000);

  it.each(cases.map((c, i) => ({ ...c, i })))('$name: refused in one line naming the run, row untouched', async ({ snapshot, says, i }) => {
    const id = `${prefix}-case${i}`;
    const before = await corruptCopy(id, snapshot);
    const error: unknown = await resumeOrchestration(id, { store, skill: timedSkill({ latencyMs: 1 }) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'snapshot_invalid' });
    const message = (error as Error).message;
    expect(message.startsWith(`cannot resume orchestration "${id}": ${says}`), message).toBe(true);
    expect(message).not.toContain('\n');
    await untouched(before);
    // Reading it says the same, as a read.
    await expect(loadStoredRun(store, id)).rejects.toThrow(`cannot read orchestration "${id}": ${says}`);
  }, 60_000);

  it("a snapshot of another run is refused as that run's", async () => {
    const id = `${prefix}-foreign`;
    await corruptCopy(id, 's');
    await sql(store).query(`UPDATE orchestrations SET snapshot = (SELECT snapshot FROM orchestrations WHERE id = $2) WHERE id = $1`, [id, seed]);
    const before = await store.load(id);
    await expect(resumeOrchestration(id, { store })).rejects.toThrow(`cannot resume orchestration "${id}": the snapshot belongs to orchestration "${seed}"`);
    if (before) await untouched(before);
  }, 60_000);
});

describe('the CLI on a corrupt snapshot (embedded PGlite)', () => {
  const db = join(work, 'cli-db');
  const id = 'orch-x';
  beforeAll(async () => {
    const store = await openStore(db);
    // A built-in skill, so a command in another process can load it again.
    const run = await createDurableOrchestration({ ...config, skill: { name: 'simulated', params: { latencyMs: 2 } } }, { store, id });
    run.start();
    for (let i = 0; i < 500 && run.progress().some((p) => p.batchCount < 5); i++) await new Promise((r) => setTimeout(r, 10));
    await run.interrupt();
    // The scenario's context removed: XState threw from a subscriber and the process died with the lease held.
    await sql(store).query(`UPDATE orchestrations SET status = 'running', snapshot = snapshot #- '{children,scenario:medium,snapshot,context}' WHERE id = $1`, [id]);
    await store.close();
  }, 180_000);

  it.each([['resume'], ['status'], ['report']])('%s: one line, exit 1, no stack trace; the row stays as it was', async (command) => {
    const { code, stdout, stderr } = await runCli([command, id, '--db', db]);
    const verb = command === 'resume' ? 'resume' : 'read';
    expect(stderr).toBe(`scenarios: cannot ${verb} orchestration "${id}": scenario "medium": snapshot has no context\n`);
    expect(stdout).toBe('');
    expect(code).toBe(1);
    const store = await openStore(db);
    try {
      const row = await store.load(id);
      expect(row?.status).toBe('running');
      expect(row?.owner).toBeNull();
      expect((row?.snapshot as { children: Record<string, { snapshot: object }> }).children['scenario:medium']?.snapshot).not.toHaveProperty('context');
    } finally {
      await store.close();
    }
  }, 120_000);
});
