import { afterEach, describe, expect, it } from 'vitest';
import { RemoteTestbed, seededFigures, useRemoteServer } from '../support/remoteWorkers.ts';

/**
 * Issue 11: the default config run on three `scenarios worker` processes (each in a network namespace of its
 * own when the test runs as root, reaching the server over a veth pair) records every batch once, spreads the
 * batches over more than one worker, and reports what a local run with the same seed reports.
 */

interface Report {
  orchestrationId: string;
  scenarios: Record<string, { status: string; itemsProcessed: number; itemsFailed: number; batchCount: number; qualityScores: Record<string, number> }>;
  barriers: { milestone: number; releasedBy: string; arrived: string[]; late: string[] }[];
  workers?: { perWorker: { name: string; batches: number; items: number; busyMs: number }[]; batches: number; otherBatches: number };
}

const server = useRemoteServer('three remote workers');

describe.skipIf(server.skip)('the default config on three scenarios worker processes', () => {
  let bed: RemoteTestbed | undefined;
  afterEach(async () => {
    await bed?.dispose();
    bed = undefined;
  });

  it('records every batch once, on more than one of the workers, with the report of a local run of the same seed', async () => {
    const t0 = Date.now();
    bed = await RemoteTestbed.create(server.current(), 'three remote workers');
    const testbed = bed;
    const launched = await Promise.all([1, 2, 3].map(() => testbed.launchWorker({ concurrency: 2 })));
    // The local run while the workers start.
    const local = await testbed.runCli(['run', '--workers', 'local', '--json', '--seed', '7', '--db', 'memory']);
    expect(local.code, local.stderr).toBe(0);
    const tLocal = Date.now();
    const workers = await Promise.all(launched.map((l) => l.ready));
    const tReady = Date.now();
    const names = workers.map((w) => w.name);
    expect(new Set(names).size).toBe(3);

    const remote = await testbed.runCli(['run', '--workers', 'remote', '--json', '--seed', '7', '--db', testbed.url]);
    expect(remote.code, remote.stderr).toBe(0);
    const tRemote = Date.now();
    const remoteReport = JSON.parse(remote.stdout) as Report;
    const localReport = JSON.parse(local.stdout) as Report;

    // Every batch of every scenario is in the journal once, named after one of the three workers.
    const rows = await testbed.journal(remoteReport.orchestrationId);
    for (const [scenario, figures] of Object.entries(localReport.scenarios)) {
      const indices = rows.filter((r) => r.scenario === scenario).map((r) => r.batch_index);
      expect(indices, scenario).toEqual(Array.from({ length: figures.batchCount }, (_, i) => i));
    }
    expect(rows.length).toBe(Object.values(localReport.scenarios).reduce((sum, s) => sum + s.batchCount, 0));
    for (const row of rows) expect(names, `${row.scenario} batch ${row.batch_index}`).toContain(row.worker);
    const byWorker = new Map<string, number>();
    for (const row of rows) byWorker.set(row.worker ?? '', (byWorker.get(row.worker ?? '') ?? 0) + 1);
    expect(byWorker.size).toBeGreaterThan(1);
    // DBOS ran each batch once, on the worker the journal names.
    const workflows = await testbed.workflows(remoteReport.orchestrationId);
    expect(workflows.map((w) => w.status)).toEqual(rows.map(() => 'SUCCESS'));
    const executor = new Map(workflows.map((w) => [w.workflow_uuid, w.executor_id]));
    for (const row of rows.filter((r) => r.attempt === 1)) expect(executor.get(`${remoteReport.orchestrationId}/${row.scenario}/batch/${row.batch_index}`)).toBe(row.worker);
    // Each worker's --verbose lines are the batches the journal gives it.
    for (const w of workers) {
      const lines = w.process.stderr().match(new RegExp(`^${remoteReport.orchestrationId} \\S+ batch \\d+: `, 'gm')) ?? [];
      expect(lines.length, w.name).toBe(byWorker.get(w.name) ?? 0);
    }

    // The report names the workers that ran them, with the journal's counts and their busy time.
    expect(localReport.workers).toBeUndefined();
    expect(remoteReport.workers).toMatchObject({ batches: rows.length, otherBatches: 0 });
    expect(new Map(remoteReport.workers?.perWorker.map((w) => [w.name, w.batches]))).toEqual(byWorker);
    for (const w of remoteReport.workers?.perWorker ?? []) expect(w.busyMs, w.name).toBeGreaterThan(0);

    const latencyAgrees = Object.entries(localReport.scenarios).every(([name, s]) => s.qualityScores.latency === remoteReport.scenarios[name]?.qualityScores.latency);
    expect(seededFigures(remoteReport, latencyAgrees)).toEqual(seededFigures(localReport, latencyAgrees));
    if (testbed.usesNetns) for (const w of workers) expect(w.network?.connections, w.where).toBeGreaterThan(0);

    console.info(
      `three remote workers: ${rows.length} batches, ${[...byWorker].map(([n, c]) => `${n}: ${c}`).join(', ')}; workers in ${workers.map((w) => w.where).join('; ')}; server ${server.current().kind}; local run done at ${tLocal - t0} ms, workers ready at ${tReady - t0} ms, remote run took ${tRemote - tReady} ms`,
    );
  }, 180_000);
});
