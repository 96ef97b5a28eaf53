import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { openStore } from '../../src/persistence/openStore.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { runCli, startCli } from '../support/cliProcess.ts';
import { executions, forgetRun, recordedCalls, totals } from '../support/crashRuns.ts';
import { guaranteeStores } from '../support/postgresServer.ts';

/**
 * Issue 9, item 4: crash resume with k workers re-runs at most k batches per scenario. "wide" runs 80
 * batches with parallelWorkers 4, "narrow" 12 with 2; the recording skill writes each call's idempotency
 * key to $RECORD_FILE, so the test counts how often each batch really ran across a SIGKILL and a resume.
 */
const config = 'test/fixtures/parallel-four.json';
const scenarios = { wide: { batches: 80, workers: 4 }, narrow: { batches: 12, workers: 2 } };
const work = mkdtempSync(join(tmpdir(), 'scenarios-parallel-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.each(guaranteeStores(join(work, 'db'), 'parallel crash and resume'))('a SIGKILL with 4 batches in flight ($name)', ({ db }) => {
  it('resumes to the totals of an uninterrupted run, every batch recorded once and at most parallelWorkers re-run per scenario', async () => {
    const baseline = await runCli(['run', config, '--db', 'memory', '--json'], { RECORD_FILE: join(work, `baseline-${Date.now()}.log`) });
    expect(baseline.code, baseline.stderr).toBe(0);

    const id = `parallel-${process.pid}-${Date.now()}`;
    // The server is shared: this run's rows go when the test ends (the PGlite folder goes with `work`).
    if (db.startsWith('postgres')) onTestFinished(() => forgetRun(db, id));
    const record = join(work, `${id}.log`);
    const env = { RECORD_FILE: record, SCENARIOS_LEASE_MS: '1000' };
    const first = startCli(['run', config, '--db', db, '--id', id], env);
    // Creating a PGlite folder can take long on a busy machine. At 30 % "wide" is mid-stretch, 4 batches in flight.
    await first.waitFor(/\[wide\] milestone 30%/, 1, 120_000);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    const beforeCrash = executions(recordedCalls(record));

    const resumed = await runCli(['resume', id, '--db', db, '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(resumed.stdout));
    expect(totals(report)).toEqual(totals(ReportSchema.parse(JSON.parse(baseline.stdout))));

    const executed = executions(recordedCalls(record));
    let rerunsInAll = 0;
    for (const [scenario, { batches, workers }] of Object.entries(scenarios)) {
      const counts = Array.from({ length: batches }, (_, i) => executed.get(`${id}/${scenario}/batch/${i}`) ?? 0);
      expect(counts.every((n) => n >= 1), `${scenario}: every batch ran (${counts.join(',')})`).toBe(true);
      const reruns = counts.filter((n) => n > 1).length;
      expect(reruns, `${scenario}: at most ${workers} batches re-ran (${counts.join(',')})`).toBeLessThanOrEqual(workers);
      expect(Math.max(...counts)).toBeLessThanOrEqual(2);
      rerunsInAll += reruns;
    }
    // The crash did catch batches in flight (else this test would prove nothing about re-runs).
    expect(beforeCrash.size).toBeLessThan(92);
    expect(rerunsInAll).toBeGreaterThanOrEqual(1);

    // The journal holds each batch once, in order, whatever ran twice.
    const store = await openStore(db);
    try {
      for (const [scenario, { batches }] of Object.entries(scenarios)) {
        const rows = await store.loadBatches(id, scenario, 0);
        expect(rows.map((r) => r.batchIndex)).toEqual([...Array(batches).keys()]);
      }
    } finally {
      await store.close();
    }
  }, 240_000);
});
