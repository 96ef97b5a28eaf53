import { afterEach, describe, expect, it } from 'vitest';
import { RemoteTestbed, probeConfig, probeSkillSource, startsByKey, useRemoteServer } from '../support/remoteWorkers.ts';

/**
 * Issue 11: the orchestrator of a remote run killed (SIGKILL) mid-run and resumed re-attaches to the batches
 * already enqueued or finished (same workflow ids): the run completes, and no batch that had finished before
 * the kill (SUCCESS in DBOS, or recorded in the journal) runs again, as the skill counts its executions.
 */

const server = useRemoteServer('remote orchestrator killed');

describe.skipIf(server.skip)('the orchestrator of a remote run killed mid-run, then resumed', () => {
  let bed: RemoteTestbed | undefined;
  afterEach(async () => {
    await bed?.dispose();
    bed = undefined;
  });

  it('completes on resume without running a finished batch again', async () => {
    const t0 = Date.now();
    bed = await RemoteTestbed.create(server.current(), 'remote orchestrator killed');
    const testbed = bed;
    const skill = testbed.write('probe-skill.mjs', probeSkillSource());
    // 3 scenarios x 6 batches of 300 ms, 2 of each in flight; 2 workers x 3.
    const parallelWorkers = 2;
    const config = testbed.write('config.json', probeConfig(skill, { alpha: 60, beta: 60, gamma: 60 }, { latencyMs: 300, parallelWorkers }));
    const launched = await Promise.all([1, 2].map(() => testbed.launchWorker({ skill, concurrency: 3 })));
    const workers = await Promise.all(launched.map((l) => l.ready));
    const tReady = Date.now();

    const id = `orch-kill-orch-${Date.now().toString(36)}`;
    const orchestrator = testbed.startCli(['run', config, '--workers', 'remote', '--json', '--id', id, '--db', testbed.url]);
    await testbed.until('4 batches recorded', async () => (await testbed.journal(id)).length >= 4 || orchestrator.child.exitCode !== null, 60_000);
    await orchestrator.kill();
    const tKill = Date.now();
    expect(orchestrator.child.signalCode, `the run ended before it could be killed:\n${orchestrator.stderr()}`).toBe('SIGKILL');

    // Finished by now (the workers go on with what was enqueued): recorded in the journal, or SUCCESS in DBOS.
    const keyOf = (scenario: string, index: number, attempt: number) => `${id}/${scenario}/batch/${index}#${attempt}`;
    const recorded = (await testbed.journal(id)).map((r) => keyOf(r.scenario, r.batch_index, r.attempt));
    const succeeded = (await testbed.workflows(id))
      .filter((w) => w.status === 'SUCCESS')
      .map((w) => {
        const m = /^(.*)\/attempt\/(\d+)$/.exec(w.workflow_uuid);
        return m ? `${m[1]}#${m[2]}` : `${w.workflow_uuid}#1`;
      });
    const finished = new Set([...recorded, ...succeeded]);
    expect(recorded.length).toBeGreaterThanOrEqual(4);
    expect(recorded.length).toBeLessThan(18);

    const resumed = await testbed.runCli(['resume', id, '--json', '--db', testbed.url]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const tDone = Date.now();
    const report = JSON.parse(resumed.stdout) as {
      scenarios: Record<string, { status: string; itemsProcessed: number; itemsFailed: number }>;
      workers?: { perWorker: { name: string; batches: number }[]; batches: number; otherBatches: number };
    };
    for (const name of ['alpha', 'beta', 'gamma']) expect(report.scenarios[name], name).toMatchObject({ status: 'complete', itemsProcessed: 60, itemsFailed: 0 });

    const rows = await testbed.journal(id);
    expect(rows.map((r) => `${r.scenario}/${r.batch_index}/${r.attempt}`)).toEqual(['alpha', 'beta', 'gamma'].flatMap((s) => Array.from({ length: 6 }, (_, i) => `${s}/${i}/1`)));
    const names = workers.map((w) => w.name);
    for (const row of rows) expect(names).toContain(row.worker);
    // The resumed run's report credits every batch, those of before the kill too, to the workers.
    expect(report.workers).toMatchObject({ batches: 18, otherBatches: 0 });
    const credited = new Map<string, number>();
    for (const row of rows) credited.set(row.worker ?? '', (credited.get(row.worker ?? '') ?? 0) + 1);
    expect(new Map(report.workers?.perWorker.map((w) => [w.name, w.batches]))).toEqual(credited);

    // Executions as the skill counted them: only on the workers; a batch finished before the kill ran once;
    // any other at most twice, and per scenario no more re-ran than it had in flight.
    const executions = testbed.executions();
    const workerPids = new Set(workers.map((w) => w.process.pid));
    for (const e of executions) expect(workerPids, `${e.key} ran in pid ${e.pid}`).toContain(e.pid);
    const starts = startsByKey(executions);
    expect([...starts.keys()].sort()).toEqual(rows.map((r) => keyOf(r.scenario, r.batch_index, r.attempt)).sort());
    for (const key of finished) expect(starts.get(key)?.length, key).toBe(1);
    const reRun = [...starts].filter(([, runs]) => runs.length > 1).map(([key]) => key);
    for (const [key, runs] of starts) expect(runs.length, key).toBeLessThanOrEqual(2);
    for (const scenario of ['alpha', 'beta', 'gamma']) expect(reRun.filter((k) => k.startsWith(`${id}/${scenario}/`)).length, scenario).toBeLessThanOrEqual(parallelWorkers);

    console.info(
      `remote orchestrator killed: ${recorded.length} batches recorded and ${finished.size} finished at the kill; ${reRun.length} batch(es) ran twice; resume completed ${tDone - tKill} ms after the kill; workers (${workers.map((w) => w.where).join('; ')}) ready at ${tReady - t0} ms; server ${server.current().kind}; ${Date.now() - t0} ms in all`,
    );
  }, 180_000);
});
