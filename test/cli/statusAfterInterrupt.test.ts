import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { statusCommand } from '../../src/cli/commands/stored.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { MACHINE_VERSION } from '../../src/machines/version.ts';
import { XSTATE_VERSION } from '../../src/persistence/versions.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { tempDir } from './spawnCli.ts';

const temp = tempDir('scenarios-status-');
afterAll(() => temp.remove());

function memoryIO(cwd: string): CliIO & { out: () => string } {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  return { stdout, stderr: new PassThrough(), interactive: false, cwd, env: {}, exitCode: 0, out: () => out };
}

describe('status of a run interrupted mid-batch', () => {
  it('shows every scenario paused, as the run is, not running', async () => {
    const db = join(temp.dir, 'db');
    const store = await PgliteSnapshotStore.open(db);
    let calls = 0;
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    // Every batch hangs until it is aborted, so each scenario is mid-work when Ctrl+C arrives.
    const skill = defineSkill({
      name: 'hangs', version: '1.0.0',
      run: (_items, { signal }) => {
        if (++calls === 3) started();
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
      },
    });
    const run = await createDurableOrchestration(defaultConfig, { store, skill, id: 'orch-midwork' });
    run.start();
    await inFlight;
    await run.interrupt();
    expect((await run.outcome).kind).toBe('interrupted');
    await store.close();

    const json = memoryIO(temp.dir);
    expect(await statusCommand('orch-midwork', { db, json: true }, json)).toBe(0);
    const stored = JSON.parse(json.out()) as { status: string; progress: { name: string; status: string }[] };
    expect(stored.status).toBe('paused');
    expect(stored.progress.map((p) => [p.name, p.status])).toEqual([['simple', 'paused'], ['medium', 'paused'], ['complex', 'paused']]);

    const text = memoryIO(temp.dir);
    expect(await statusCommand('orch-midwork', { db }, text)).toBe(0);
    expect(text.out()).not.toMatch(/\brunning\b/);
    expect(text.out().match(/\bpaused\b/g)?.length).toBeGreaterThanOrEqual(4);
  }, 180_000);

  it('says a run that never started has no saved state, not that it "cannot resume"', async () => {
    const db = join(temp.dir, 'db-never');
    const store = await PgliteSnapshotStore.open(db);
    await store.create({
      id: 'orch-never', config: defaultConfig, skill: { name: 'simulated', version: '1.0.0' }, status: 'running', snapshot: null,
      machineVersion: MACHINE_VERSION, xstateVersion: XSTATE_VERSION, owner: null, leaseExpiresAt: null,
    });
    await store.close();
    const error: unknown = await statusCommand('orch-never', { db }, memoryIO(temp.dir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'snapshot_invalid' });
    expect((error as Error).message).toBe(
      'orchestration "orch-never" has no saved state to show: its process stopped before the run started (status running); start it with scenarios resume orch-never',
    );
  }, 180_000);
});
