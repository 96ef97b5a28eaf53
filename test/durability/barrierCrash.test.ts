import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/api/progressEvents.ts';
import { resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { openStore } from '../../src/persistence/openStore.ts';
import { runCli, startCli } from '../support/cliProcess.ts';
import { guaranteeStores } from '../support/postgresServer.ts';

const work = mkdtempSync(join(tmpdir(), 'scenarios-barrier-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const stores = guaranteeStores(join(work, 'db'), 'barrier crash, double resume and lease tests');

describe.each(stores)('a crash at a barrier ($name)', ({ db }) => {
  // The timeout counts only time the process was up (issue 7): a resume after a gap longer than the
  // timeout waits out what was left of it (here nearly all of its 2.5 s), then releases by timeout.
  it('releases the barrier by timeout once what was left of its timeout has passed after the resume, naming the late scenario', async () => {
    const id = `barrier-${Date.now()}`;
    const env = { SCENARIOS_LEASE_MS: '600' };
    const first = startCli(['run', 'test/fixtures/barrier-wait.json', '--db', db, '--id', id], env);
    // Creating a PGlite folder can take long on a busy machine.
    await first.waitFor(/\[barrier 30%\] fast arrived/, 1, 120_000);
    const arrivedAt = Date.now();
    first.child.kill('SIGKILL');
    await first.exited;

    // Down past the 2.5 s barrier timeout (on the wall clock) and the dead process's lease.
    await new Promise((r) => setTimeout(r, Math.max(0, arrivedAt + 3000 - Date.now())));
    const store = await openStore(db);
    try {
      const run = await resumeOrchestration(id, { store, leaseMs: 600 });
      const resumedAt = Date.now();
      const released = await new Promise<Extract<ProgressEvent, { type: 'barrier.released' }>>((resolve) => {
        const off = run.subscribe((e) => {
          if (e.type === 'barrier.released' && e.barrier.milestone === 30) {
            off();
            resolve(e);
          }
        });
      });
      // Before the fix it was released at once; the process was up for well under a second of the timeout.
      expect(Date.now() - resumedAt).toBeGreaterThanOrEqual(1_500);
      expect(Date.now() - resumedAt).toBeLessThan(10_000);
      expect(released.barrier.releasedBy).toBe('timeout');
      expect(released.barrier.arrived).toEqual(['fast']);
      expect(released.barrier.late).toEqual(['slow']);
      run.cancel();
      const outcome = await run.outcome;
      expect(outcome.kind).toBe('finished');
      if (outcome.kind === 'finished') {
        expect(outcome.report.barriers[0]).toMatchObject({ milestone: 30, releasedBy: 'timeout', late: ['slow'] });
        expect(outcome.report.downtimeMs).toBeGreaterThan(1000);
      }
    } finally {
      await store.close();
    }
  }, 180_000);
});

describe.each(stores)('two processes resuming one orchestration ($name)', ({ db }) => {
  it('lets exactly one drive it and refuses the other with exit code 3', async () => {
    const id = `twice-${Date.now()}`;
    const env = { SCENARIOS_LEASE_MS: '600' };
    const first = startCli(['run', 'test/fixtures/small-three.json', '--db', db, '--id', id], env);
    await first.waitFor(/\] milestone 30%/, 1);
    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((r) => setTimeout(r, 800));

    const [a, b] = await Promise.all([runCli(['resume', id, '--db', db, '--json'], env), runCli(['resume', id, '--db', db, '--json'], env)]);
    const codes = [a.code, b.code].sort();
    expect(codes, `${a.stderr}\n${b.stderr}`).toEqual([0, 3]);
    const refused = a.code === 3 ? a : b;
    // On PGlite the folder's lock refuses the second process before it can look at the lease.
    expect(refused.stderr).toMatch(new RegExp(`orchestration "${id}" is being driven by another process|PGlite data folder .* is in use by process`));
  }, 60_000);

  // A SIGKILLed driver on this host is provably gone, so its live lease does not hold the run up; a
  // driver on another host is waited for (test/persistence/crashTakeover.test.ts, leaseKeeper.test.ts).
  it('takes a crashed run over at once, while the dead driver\'s lease is still live', async () => {
    const id = `lease-${Date.now()}`;
    const first = startCli(['run', 'test/fixtures/small-three.json', '--db', db, '--id', id], { SCENARIOS_LEASE_MS: '120000' });
    await first.waitFor(/\] milestone 30%/, 1);
    first.child.kill('SIGKILL');
    await first.exited;
    const resumed = await runCli(['resume', id, '--db', db, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
  }, 60_000);
});
