import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { openStore } from '../../src/persistence/openStore.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { repoRoot, runCli, startCli } from '../support/cliProcess.ts';
import { executions, forgetRun, recordedCalls, totals } from '../support/crashRuns.ts';
import { guaranteeStores } from '../support/postgresServer.ts';

/**
 * Issue 10: a durable run writes its tree snapshot when something the journal cannot rebuild changes and
 * otherwise at most every 200 ms, so 1,000 quick batches take far fewer snapshots than batches. Whatever
 * the journal holds past the last snapshot is replayed on resume, so a SIGKILL at any point still loses
 * nothing and re-runs at most the batch in flight. The recording skill writes each call's idempotency key
 * to $RECORD_FILE; the run is killed three times, at points chosen by how many calls it has made (not at
 * milestones, where a snapshot is written at once), and resumed after each.
 */
const work = mkdtempSync(join(tmpdir(), 'scenarios-coalesced-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const batches = { long: 700, short: 300 };
const totalBatches = batches.long + batches.short;
const killAtCalls = [170, 520, 880];

const scenario = (name: string, inputSize: number) => ({
  name,
  inputSize,
  timeBudgetSeconds: 600,
  memoryLimitMb: 4096,
  errorTolerance: 0,
  skillParams: { batchSize: 1 },
  expectedQuality: 'basic',
  qualityMetrics: ['accuracy', 'coverage'],
});
const configFile = join(work, 'thousand-batches.json');
writeFileSync(
  configFile,
  JSON.stringify({
    seed: 3,
    skill: { module: join(repoRoot, 'test/fixtures/recordingSkill.ts'), params: { latencyMs: 1 } },
    barriers: { at: [30, 70], timeoutMs: 60_000 },
    scenarios: [scenario('long', batches.long), scenario('short', batches.short)],
  }),
);

/** Resolves once the skill has been called `count` times (polling the record file). */
async function callsReach(file: string, count: number, exited: Promise<unknown>): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 120_000;
  while (recordedCalls(file).length < count) {
    if (done) throw new Error(`the run ended before ${count} skill calls (${recordedCalls(file).length})`);
    if (Date.now() > deadline) throw new Error(`no ${count} skill calls within 2 min (${recordedCalls(file).length})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The stored row's version (one per snapshot saved), its status and, per live scenario, how many journaled batches its snapshot does not count yet. */
async function storedState(db: string, id: string) {
  const store = await openStore(db);
  try {
    const row = await store.load(id);
    if (!row) throw new Error(`no row ${id}`);
    const children = (row.snapshot as { children: Record<string, { snapshot: { context: { cursor: number } } }> }).children;
    const behind: Record<string, number> = {};
    for (const name of Object.keys(batches)) {
      const child = children[`scenario:${name}`];
      // A finished scenario is no longer a child of the tree.
      if (child) behind[name] = (await store.loadBatches(id, name, 0)).length - child.snapshot.context.cursor;
    }
    return { version: row.version, status: row.status, behind };
  } finally {
    await store.close();
  }
}

describe.each(guaranteeStores(join(work, 'db'), 'coalesced snapshots across SIGKILLs'))('a 1,000-batch run killed three times ($name)', ({ db }) => {
  it('writes far fewer snapshots than batches, and each resume finishes what the journal holds, re-running at most the batch in flight', async () => {
    const baseline = await runCli(['run', configFile, '--db', 'memory', '--json'], { RECORD_FILE: join(work, `baseline-${Date.now()}.log`) });
    expect(baseline.code, baseline.stderr).toBe(0);

    const id = `coalesced-${process.pid}-${Date.now()}`;
    if (db.startsWith('postgres')) onTestFinished(() => forgetRun(db, id));
    const record = join(work, `${id}.log`);
    const env = { RECORD_FILE: record, SCENARIOS_LEASE_MS: '1000' };

    const behindAtKills: Record<string, number>[] = [];
    let before: string[] = [];
    for (const [crash, at] of killAtCalls.entries()) {
      const cli = crash === 0 ? startCli(['run', configFile, '--db', db, '--id', id], env) : startCli(['resume', id, '--db', db], env);
      await callsReach(record, at, cli.exited);
      cli.child.kill('SIGKILL');
      expect(await cli.exited).toBe(null);
      behindAtKills.push((await storedState(db, id)).behind);
      // Each process re-ran at most the one batch per scenario that was in flight when the one before it died.
      const now = recordedCalls(record);
      const ranBefore = new Set(before);
      const rerun = now.slice(before.length).filter((key) => ranBefore.has(key));
      for (const name of Object.keys(batches)) expect(rerun.filter((key) => key.includes(`/${name}/batch/`)).length, `${name} after crash ${crash}: ${rerun.join(', ')}`).toBeLessThanOrEqual(1);
      before = now;
    }

    const resumed = await runCli(['resume', id, '--db', db, '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(totals(ReportSchema.parse(JSON.parse(resumed.stdout)))).toEqual(totals(ReportSchema.parse(JSON.parse(baseline.stdout))));

    const executed = executions(recordedCalls(record));
    for (const [name, count] of Object.entries(batches)) {
      const runs = Array.from({ length: count }, (_, i) => executed.get(`${id}/${name}/batch/${i}`) ?? 0);
      expect(runs.every((n) => n >= 1), `${name}: every batch ran`).toBe(true);
      expect(runs.filter((n) => n > 1).length, `${name}: at most one re-run per crash`).toBeLessThanOrEqual(killAtCalls.length);
    }
    // Some crash did find the snapshot behind the journal: those batches were replayed, not re-run.
    expect(behindAtKills.some((behind) => Object.values(behind).some((n) => n > 0)), JSON.stringify(behindAtKills)).toBe(true);

    const { version, status } = await storedState(db, id);
    expect(status).toBe('complete');
    // Every snapshot saved by the four processes bumped the row's version: far fewer than one per batch.
    expect(version, `snapshots written for ${totalBatches} batches`).toBeLessThan(totalBatches / 5);
  }, 300_000);
});
