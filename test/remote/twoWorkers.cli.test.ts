import { afterEach, describe, expect, it } from 'vitest';
import { RemoteTestbed, seededFigures, useRemoteServer } from '../support/remoteWorkers.ts';

/**
 * Issue 11: the default config with `--seed 7` on two `scenarios worker` processes (in network namespaces of
 * their own when the test runs as root, plain processes otherwise) gives the figures a `--workers local` run
 * of the same seed gives: items, failures, quality, and barriers released because every scenario arrived.
 */

interface Report {
  orchestrationId: string;
  scenarios: Record<string, { status: string; itemsProcessed: number; itemsFailed: number; batchCount: number; qualityScores: Record<string, number> }>;
  barriers: { milestone: number; releasedBy: string; arrived: string[]; late: string[] }[];
  workers?: { perWorker: { name: string; batches: number }[]; batches: number; otherBatches: number };
}

const server = useRemoteServer('two remote workers');

describe.skipIf(server.skip)('the default config on two scenarios worker processes', () => {
  let bed: RemoteTestbed | undefined;
  afterEach(async () => {
    await bed?.dispose();
    bed = undefined;
  });

  it('reports the items, failures, quality and barriers of a local run of the same seed, every batch recorded once by one of the two', async () => {
    bed = await RemoteTestbed.create(server.current(), 'two remote workers');
    const testbed = bed;
    const launched = await Promise.all([1, 2].map(() => testbed.launchWorker({ concurrency: 2 })));
    // The local run while the workers start.
    const local = await testbed.runCli(['run', '--workers', 'local', '--json', '--seed', '7', '--db', 'memory']);
    expect(local.code, local.stderr).toBe(0);
    const workers = await Promise.all(launched.map((l) => l.ready));
    const names = workers.map((w) => w.name);
    expect(new Set(names).size).toBe(2);

    const remote = await testbed.runCli(['run', '--workers', 'remote', '--json', '--seed', '7', '--db', testbed.url]);
    expect(remote.code, remote.stderr).toBe(0);
    const remoteReport = JSON.parse(remote.stdout) as Report;
    const localReport = JSON.parse(local.stdout) as Report;

    // The same figures, barriers included; each barrier was released because every scenario arrived.
    const latencyAgrees = Object.entries(localReport.scenarios).every(([name, s]) => s.qualityScores.latency === remoteReport.scenarios[name]?.qualityScores.latency);
    expect(seededFigures(remoteReport, latencyAgrees)).toEqual(seededFigures(localReport, latencyAgrees));
    expect(remoteReport.barriers.length).toBeGreaterThan(0);
    for (const barrier of remoteReport.barriers) expect(barrier.releasedBy, `barrier at ${barrier.milestone}%`).toBe('all-arrived');

    // Every batch once in the journal, run by one of the two workers, and the report's workers section says so.
    const rows = await testbed.journal(remoteReport.orchestrationId);
    for (const [scenario, figures] of Object.entries(localReport.scenarios)) {
      expect(rows.filter((r) => r.scenario === scenario).map((r) => r.batch_index), scenario).toEqual(Array.from({ length: figures.batchCount }, (_, i) => i));
    }
    for (const row of rows) expect(names, `${row.scenario} batch ${row.batch_index}`).toContain(row.worker);
    const workflows = await testbed.workflows(remoteReport.orchestrationId);
    expect(workflows.map((w) => w.status)).toEqual(rows.map(() => 'SUCCESS'));
    expect(remoteReport.workers).toMatchObject({ batches: rows.length, otherBatches: 0 });
    expect(remoteReport.workers?.perWorker.reduce((sum, w) => sum + w.batches, 0)).toBe(rows.length);
    if (testbed.usesNetns) for (const w of workers) expect(w.network?.connections, w.where).toBeGreaterThan(0);
  }, 120_000);
});
