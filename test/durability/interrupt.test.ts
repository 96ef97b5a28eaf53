import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.ts';
import { runCli, startCli } from '../support/cliProcess.ts';

const work = mkdtempSync(join(tmpdir(), 'scenarios-interrupt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('Ctrl+C', () => {
  it('pauses every scenario, saves, exits 130 with the resume command, and the resumed run completes', async () => {
    const db = join(work, 'db');
    const id = `sigint-${Date.now()}`;
    const run = startCli(['run', 'test/fixtures/small-three.json', '--db', db, '--id', id]);
    await run.waitFor(/\] milestone 30%/, 2);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain(`paused: resume with scenarios resume ${id}`);

    // No --db: status finds the store the run was started with (.scenarios/runs.json).
    const status = await runCli(['status', id, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const stored = JSON.parse(status.stdout) as { status: string; owner: string | null };
    expect(stored.status).toBe('paused');
    expect(stored.owner).toBeNull();

    const resumed = await runCli(['resume', id, '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(resumed.stdout));
    for (const s of Object.values(report.scenarios)) {
      expect(s.status).toBe('complete');
      expect(s.milestonesReached).toEqual([0, 30, 50, 70, 90, 100]);
    }
    expect(report.barriers.map((b) => b.releasedBy)).toEqual(['all-arrived', 'all-arrived']);
  }, 60_000);
});
