import { PassThrough } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { driveInTerminal } from '../../src/cli/driveInTerminal.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { ScenarioError } from '../../src/errors.ts';
import { MACHINE_VERSION } from '../../src/machines/version.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';
import { XSTATE_VERSION } from '../../src/persistence/versions.ts';

function memoryIO(): CliIO & { err: () => string } {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout: new PassThrough(), stderr, interactive: false, cwd: process.cwd(), env: {}, exitCode: 0, err: () => err };
}

/** Calls back on the skill's Nth call; each batch takes a few ms so the run is still going then. */
function skillCallingBackAt(n: number, callback: () => Promise<void>) {
  let calls = 0;
  return defineSkill({
    name: 'slowish', version: '1.0.0',
    async run(items) {
      if (++calls === n) await callback();
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { qualityScore: 0.9, processed: items.length };
    },
  });
}

const row = (id: string) => ({
  id, config: defaultConfig, skill: { name: 'simulated', version: '1.0.0' }, status: 'running' as const, snapshot: { status: 'active' },
  machineVersion: MACHINE_VERSION, xstateVersion: XSTATE_VERSION, owner: null, leaseExpiresAt: null,
});

describe('store failures get their true message', () => {
  it('a row deleted under a running process: the store says deleted, the CLI says deleted (not "changed by another process")', async () => {
    const db = await PGlite.create();
    const store = await PgliteSnapshotStore.attach(db);
    await store.create(row('orch-gone'));
    await db.query('DELETE FROM orchestrations');
    await expect(store.save('orch-gone', { snapshot: {}, status: 'running', expectedVersion: 0 })).rejects.toThrow(
      'orchestration "orch-gone" was deleted from the store while this process was driving it',
    );

    const skill = skillCallingBackAt(3, async () => {
      await db.query('DELETE FROM orchestrations');
    });
    const run = await createDurableOrchestration(defaultConfig, { store, skill, id: 'orch-deleted' });
    const io = memoryIO();
    run.start();
    const code = await driveInTerminal(run, 'json', io);
    expect(io.err()).toContain('stopped: orchestration "orch-deleted" was deleted from the store while this process was driving it');
    expect(io.err()).not.toContain('another process');
    expect(io.err()).not.toContain('unavailable');
    expect(code).toBe(1);
    await store.close();
    await db.close();
  }, 120_000);

  it('a version at the column\'s maximum is refused as such by the SQL store, not as an outage', async () => {
    const db = await PGlite.create();
    const pglite = await PgliteSnapshotStore.attach(db);
    await pglite.create(row('orch-old'));
    await db.query('UPDATE orchestrations SET version = 2147483647');
    const message = 'orchestration "orch-old" has reached the largest version the store can count (2147483647) and cannot be saved again; start a new run';
    await expect(pglite.save('orch-old', { snapshot: {}, status: 'running', expectedVersion: 2147483647 })).rejects.toThrow(message);
    await pglite.close();
    await db.close();
  }, 120_000);

  it('the CLI says "unavailable" only for an outage; another save error is shown as it is', async () => {
    let saves = 0;
    // The third save fails the way a full version counter or an unreadable row would.
    class FailingStore extends MemorySnapshotStore {
      override save(...args: Parameters<SnapshotStore['save']>): Promise<number> {
        return ++saves === 3 ? Promise.reject(new ScenarioError('snapshot_invalid', 'cannot be saved again: test')) : super.save(...args);
      }
    }
    const store = new FailingStore();
    const run = await createDurableOrchestration(defaultConfig, { store, skill: skillCallingBackAt(1000, () => Promise.resolve()), id: 'orch-bad-save' });
    const io = memoryIO();
    run.start();
    expect(await driveInTerminal(run, 'json', io)).toBe(1);
    expect(io.err()).toContain('stopped: cannot be saved again: test');
    expect(io.err()).not.toContain('unavailable');
  }, 120_000);
});
