import { afterEach, describe, expect, it } from 'vitest';
import { RemoteTestbed, probeConfig, probeSkillSource, startsByKey, useRemoteServer, type RemoteWorker } from '../support/remoteWorkers.ts';

/**
 * Issue 11: a worker killed (SIGKILL) while it holds batches loses nothing: another worker sees it is gone
 * (its liveness lock is free), puts its batches back on the queue and runs them, the run completes with every
 * batch recorded once, and each batch of the killed worker ran at most one extra time (counted by the skill).
 */

const server = useRemoteServer('remote worker killed');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(server.skip)('a scenarios worker killed while it holds batches', () => {
  let bed: RemoteTestbed | undefined;
  afterEach(async () => {
    await bed?.dispose();
    bed = undefined;
  });

  it('has its batches run again on another worker, once each, and the run completes with every batch recorded once', async () => {
    const t0 = Date.now();
    bed = await RemoteTestbed.create(server.current(), 'remote worker killed');
    const testbed = bed;
    const skill = testbed.write('probe-skill.mjs', probeSkillSource());
    // 2 scenarios x 12 batches of 300 ms, 3 of each in flight: 6 at once on 3 workers x 2.
    const config = testbed.write('config.json', probeConfig(skill, { alpha: 120, beta: 120 }, { latencyMs: 300, parallelWorkers: 3 }));
    const launched = await Promise.all([1, 2, 3].map(() => testbed.launchWorker({ skill, concurrency: 2 })));
    const workers = await Promise.all(launched.map((l) => l.ready));
    const tReady = Date.now();

    const id = `orch-kill-worker-${Date.now().toString(36)}`;
    const orchestrator = testbed.startCli(['run', config, '--workers', 'remote', '--json', '--id', id, '--db', testbed.url]);

    // The first worker seen with two batches (its --concurrency) started and not ended is killed.
    const busiest = (): RemoteWorker | undefined => {
      const open = new Map<number, Set<string>>();
      for (const e of testbed.executions()) {
        const keys = open.get(e.pid) ?? new Set<string>();
        if (e.event === 'start') keys.add(e.key);
        else keys.delete(e.key);
        open.set(e.pid, keys);
      }
      const pid = [...open].find(([, keys]) => keys.size >= 2)?.[0];
      return workers.find((w) => w.process.pid === pid);
    };
    await testbed.until('a worker with two batches in flight', () => busiest() !== undefined || orchestrator.child.exitCode !== null, 60_000);
    const killed = busiest();
    if (!killed) throw new Error(`no worker was seen with two batches in flight before the run ended; executions:\n${JSON.stringify(testbed.executions())}`);
    await killed.process.kill();
    const tKill = Date.now();
    // What it had started and not finished when it died (a killed process writes nothing more).
    const atKill = testbed.executions().filter((e) => e.pid === killed.process.pid);
    const inFlight = [...startsByKey(atKill).keys()].filter((key) => !atKill.some((e) => e.event === 'end' && e.key === key));
    expect(inFlight.length).toBeGreaterThan(0);
    // A live worker sees it is gone and says so (figure only: how long its batches waited).
    const gone = new RegExp(`worker ${escapeRegExp(killed.name)} is gone: \\d+ of its batch`);
    await Promise.any(workers.filter((w) => w !== killed).map((w) => w.process.waitFor(gone, 1, 60_000)));
    const tRecovered = Date.now();

    expect(await orchestrator.exited, orchestrator.stderr()).toBe(0);
    const tDone = Date.now();
    const report = JSON.parse(orchestrator.stdout()) as {
      scenarios: Record<string, { status: string; itemsProcessed: number; itemsFailed: number }>;
      workers?: { perWorker: { name: string; batches: number }[]; batches: number; otherBatches: number };
    };
    for (const name of ['alpha', 'beta']) expect(report.scenarios[name], name).toMatchObject({ status: 'complete', itemsProcessed: 120, itemsFailed: 0 });

    // Every batch recorded once, first attempt, by one of the workers; those in flight at the kill by a live one.
    const rows = await testbed.journal(id);
    const expected = ['alpha', 'beta'].flatMap((s) => Array.from({ length: 12 }, (_, i) => `${s}/${i}/1`));
    expect(rows.map((r) => `${r.scenario}/${r.batch_index}/${r.attempt}`)).toEqual(expected);
    const names = workers.map((w) => w.name);
    for (const row of rows) expect(names).toContain(row.worker);
    const survivors = names.filter((n) => n !== killed.name);
    const rowOf = (key: string) => rows.find((r) => `${id}/${r.scenario}/batch/${r.batch_index}#${r.attempt}` === key);
    for (const key of inFlight) expect(survivors, key).toContain(rowOf(key)?.worker);
    // The report credits each batch to the worker whose run of it counted.
    expect(report.workers).toMatchObject({ batches: 24, otherBatches: 0 });
    const credited = new Map<string, number>();
    for (const row of rows) credited.set(row.worker ?? '', (credited.get(row.worker ?? '') ?? 0) + 1);
    expect(new Map(report.workers?.perWorker.map((w) => [w.name, w.batches]))).toEqual(credited);

    // Executions, as the skill counted them: none in the orchestrator; one per batch, plus at most one
    // re-run of each batch the killed worker held, after it (so the first one was the killed worker's).
    const executions = testbed.executions();
    const workerPids = new Set(workers.map((w) => w.process.pid));
    for (const e of executions) expect(workerPids, `${e.key} ran in pid ${e.pid}`).toContain(e.pid);
    const starts = startsByKey(executions);
    expect([...starts.keys()].sort()).toEqual(rows.map((r) => `${id}/${r.scenario}/batch/${r.batch_index}#${r.attempt}`).sort());
    const reRun: string[] = [];
    for (const [key, runs] of starts) {
      expect(runs.length, key).toBeLessThanOrEqual(2);
      if (runs.length === 2) {
        reRun.push(key);
        expect(runs[0]?.pid, key).toBe(killed.process.pid);
        expect(runs[1]?.pid, key).not.toBe(killed.process.pid);
      }
    }
    // Those it had not finished ran again (the journal names a live worker, which ran it).
    for (const key of inFlight) expect(reRun, key).toContain(key);

    const [last] = await testbed.query<{ at: string }>('SELECT max(recorded_at) AS at FROM batch_results WHERE orchestration_id = $1', [id]);
    console.info(
      `remote worker killed: ${killed.name} (${killed.where}) killed with ${inFlight.length} batch(es) in flight; ${reRun.length} batch(es) ran twice; a live worker put them back on the queue ${tRecovered - tKill} ms after the kill; the last batch recorded ${Number(last?.at) - tKill} ms and the run's process ended ${tDone - tKill} ms after the kill; workers ready at ${tReady - t0} ms; server ${server.current().kind}; ${Date.now() - t0} ms in all`,
    );
  }, 180_000);
});
