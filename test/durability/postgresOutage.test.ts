import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { statusCommand } from '../../src/cli/commands/stored.ts';
import { outageLine } from '../../src/cli/driveInTerminal.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { PostgresSnapshotStore, StoreUnreachableError } from '../../src/persistence/PostgresSnapshotStore.ts';
import type { StoreOutageEvent } from '../../src/persistence/SnapshotStore.ts';
import { oneItemScenario } from '../support/oneItemScenario.ts';
import { skipCluster, useThrowawayCluster } from '../support/postgresCluster.ts';
import { timedSkill } from '../support/timedSkill.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the cluster answers again (after start()). */
async function reachable(url: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      const probe = await PostgresSnapshotStore.open({ connectionString: url, retryForMs: 200 });
      await probe.close();
      return;
    } catch {
      await sleep(200);
    }
  }
}

// A server of its own (never DATABASE_URL's): stopping a shared server would break everyone else using it.
describe.skipIf(skipCluster('the Postgres server gone mid-run'))('the Postgres server gone mid-run', () => {
  const cluster = useThrowawayCluster();

  it('an outage within the retry window is downtime: told when it starts and ends, no budget, barrier timeout or elapsed time counts it', async () => {
    const OUTAGE_MS = 5_000;
    // b is slower: a waits at the 50% barrier while b works; the outage outlasts both the barrier timeout
    // (3 s) and b's time budget (4 s for 1.6 s of work), and neither may count it.
    const skill = timedSkill({ latencyMs: (call) => (call.scenario === 'a' ? 10 : 40) });
    const scenario = (name: string) => ({ ...oneItemScenario(name, 40), timeBudgetSeconds: 4 });
    const store = await PostgresSnapshotStore.open({ connectionString: cluster.url, retryForMs: 15_000 });
    const events: StoreOutageEvent[] = [];
    let outage: Promise<void> | undefined;
    try {
      const run = await createDurableOrchestration(
        { barriers: { at: [50], timeoutMs: 3_000 }, scenarios: [scenario('a'), scenario('b')] },
        { store, skill, id: `outage-${Date.now()}` },
      );
      run.watchStore((e) => events.push(e));
      run.subscribe((e) => {
        if (!outage && e.type === 'batch.settled' && e.scenario === 'b' && e.progress.batchCount === 5) {
          outage = (async () => {
            await cluster.stop();
            await sleep(OUTAGE_MS);
            await cluster.start();
          })();
        }
      });
      const t0 = Date.now();
      run.start();
      const outcome = await run.outcome;
      const wall = Date.now() - t0;
      await outage;
      expect(outage).toBeDefined();

      expect(events.map((e) => e.type)).toEqual(['store.unreachable', 'store.back']);
      const back = events[1];
      if (back?.type !== 'store.back') throw new Error('no store.back');
      expect(back.downMs).toBeGreaterThanOrEqual(OUTAGE_MS - 500);
      expect(outageLine(events[0]!)).toMatch(/^store unreachable since \d\d:\d\d:\d\d \(.+\), retrying \(gives up after 15 s\)…$/);
      expect(outageLine(back)).toMatch(/^store back after \d+\.\d s$/);

      expect(outcome.kind).toBe('finished');
      if (outcome.kind !== 'finished') return;
      const { report } = outcome;
      expect(report.scenarios.a).toMatchObject({ status: 'complete', itemsProcessed: 40 });
      expect(report.scenarios.b).toMatchObject({ status: 'complete', itemsProcessed: 40 });
      expect(report.barriers).toEqual([expect.objectContaining({ milestone: 50, releasedBy: 'all-arrived' })]);
      expect(report.downtimeMs).toBe(back.downMs);
      for (const name of ['a', 'b']) {
        const s = report.scenarios[name]!;
        // Elapsed time is the wall time less the outage; busy (the skill's calls) and waiting never include it.
        expect(s.elapsedMs).toBeLessThanOrEqual(wall - back.downMs + 50);
        expect(s.busyMs).toBeLessThan(s.elapsedMs + 50);
        expect(s.waitingMs).toBeLessThan(s.elapsedMs - s.busyMs + 50);
      }
      expect(report.scenarios.a!.waitingMs).toBeLessThan(3_000);
    } finally {
      await outage;
      await store.close();
    }
  });

  it('gives up when the retry window ends, not when the server comes back; resume then finishes the run', async () => {
    const skill = timedSkill({ latencyMs: 20 });
    const id = `giveup-${Date.now()}`;
    const store = await PostgresSnapshotStore.open({ connectionString: cluster.url, retryForMs: 1_500 });
    const events: StoreOutageEvent[] = [];
    let stopped: Promise<unknown> | undefined;
    let outcomeAt = 0;
    try {
      const run = await createDurableOrchestration({ barriers: { at: [] }, scenarios: [oneItemScenario('a', 60), oneItemScenario('b', 60)] }, { store, skill, id, leaseMs: 1_000 });
      run.watchStore((e) => events.push(e));
      run.subscribe((e) => {
        if (!stopped && e.type === 'batch.settled' && e.progress.batchCount === 10) stopped = cluster.stop();
      });
      run.start();
      const outcome = await run.outcome;
      outcomeAt = Date.now();
      await stopped;
      expect(outcome.kind).toBe('store-failed');
      if (outcome.kind !== 'store-failed') return;
      expect(outcome.error).toBeInstanceOf(StoreUnreachableError);
      expect((outcome.error as StoreUnreachableError).unreachableForMs).toBe(1_500);
      expect(events.map((e) => e.type)).toEqual(['store.unreachable']);
      // The window (1.5 s) counts from when the server went away, for every call alike; the shutdown's writes
      // try once each (the server is still down). Before, each call had a window of its own: 3 s here.
      expect(outcomeAt - events[0]!.since).toBeLessThan(1_500 + 1_000);
      await sleep(Math.max(0, events[0]!.since + 6_000 - Date.now()));
    } finally {
      await cluster.start();
      await store.close();
    }
    await reachable(cluster.url);

    const again = await PostgresSnapshotStore.open({ connectionString: cluster.url });
    try {
      // It could not save while the server was down: the row still says running, its driver gone.
      const row = await again.load(id);
      expect(row?.status).toBe('running');
      // status calls it paused all the same: nothing drives it, and resume continues it.
      let out = '';
      const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
      const io: CliIO = { stdout, stderr: new PassThrough(), interactive: false, cwd: tmpdir(), env: {}, exitCode: 0 };
      expect(await statusCommand(id, { db: cluster.url }, io)).toBe(0);
      expect(out).toMatch(new RegExp(`^${id}: paused, `));
      expect(out).not.toMatch(/\brunning\b/);
      const resumed = await resumeOrchestration(id, { store: again, skill, leaseMs: 1_000 });
      const outcome = await resumed.outcome;
      expect(outcome.kind).toBe('finished');
      if (outcome.kind === 'finished') {
        expect(outcome.report.scenarios.a).toMatchObject({ status: 'complete', itemsProcessed: 60, batchCount: 60 });
        expect(outcome.report.scenarios.b).toMatchObject({ status: 'complete', itemsProcessed: 60, batchCount: 60 });
      }
    } finally {
      await again.close();
    }
  });
});
