import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { runCli, tempWorkspace } from '../support/cliProcess.ts';

/**
 * A skill that reaches past its batch (process.exit, a promise nobody awaited, an error outside any batch)
 * run by the real CLI. Memory stores where the store is not the point; one embedded store to read the row.
 */
const SKILL = 'test/e2e/fixtures/misbehavingSkill.ts';
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

function run(mode: string, db = 'memory', cwd?: string) {
  const env: NodeJS.ProcessEnv = { MISBEHAVE: mode, NO_COLOR: '1' };
  return runCli(['run', 'test/fixtures/fast-config.json', '--json', '--db', db, '--skill', SKILL, '--id', `orch-${mode}`], env, cwd);
}

function parseReport(stdout: string, stderr: string) {
  expect(stdout, `no report on stdout; stderr:\n${stderr}`).not.toBe('');
  return ReportSchema.parse(JSON.parse(stdout));
}

describe('a skill that reaches past its batch, under the CLI', () => {
  it('a skill calling process.exit(0) does not end the process: that batch fails, is retried and the run completes (exit 0, report printed)', async () => {
    const { code, stdout, stderr } = await run('exit-once');
    const report = parseReport(stdout, stderr);
    expect(code, stderr).toBe(0);
    expect(report.scenarios.small?.status).toBe('complete');
    expect(report.scenarios.small?.errors.map((e) => e.message)).toEqual([expect.stringContaining('the skill tried to end the process (process.exit(0))')]);
    expect(stderr).not.toMatch(STACK_LINE);
  }, 60_000);

  it('an exit attempt from a timer the skill left, whose refusal it swallowed, still fails the batch it came from', async () => {
    const { code, stdout, stderr } = await run('exit-swallowed');
    const report = parseReport(stdout, stderr);
    expect(code, stderr).toBe(0);
    expect(report.scenarios.small?.errors.map((e) => e.message)).toEqual([expect.stringContaining('the skill tried to end the process')]);
    expect(report.scenarios.large?.errors).toEqual([]);
  }, 60_000);

  it('a skill that exits on every attempt fails its scenario, not the process: exit 1 with the report', async () => {
    const { code, stdout, stderr } = await run('exit-always');
    const report = parseReport(stdout, stderr);
    expect(code, stderr).toBe(1);
    expect(report.scenarios.small?.status).toBe('failed');
    expect(report.scenarios.small?.errors[0]?.message).toContain('a skill fails a batch by throwing, never by exiting');
    expect(report.scenarios.large?.status).toBe('complete');
  }, 60_000);

  it("an unhandled rejection from the skill's code fails only the batch it came from, which is retried (exit 0, no stack trace)", async () => {
    const { code, stdout, stderr } = await run('reject-once');
    const report = parseReport(stdout, stderr);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(STACK_LINE);
    expect(report.scenarios.small?.status).toBe('complete');
    expect(report.scenarios.small?.errors.map((e) => e.message)).toEqual([
      "the skill's code raised an unhandled rejection (a promise nobody awaited): fixture: the promise nobody awaited",
    ]);
    // The other scenario's batches in flight meanwhile are not blamed.
    expect(report.scenarios.large?.errors).toEqual([]);
  }, 60_000);

  it('a rejection outside any batch stops the run: saved as paused, lease released, one line on stderr, exit 1', async () => {
    const workspace = tempWorkspace('scenarios-escape-');
    try {
      const db = join(workspace.dir, 'db');
      const { code, stdout, stderr } = await run('escape', db, workspace.dir);
      expect(code, stderr).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).not.toMatch(STACK_LINE);
      const failed = stderr.split('\n').filter((line) => line.startsWith('failed: '));
      expect(failed).toEqual([
        'failed: unhandled rejection outside any skill batch: fixture: a stray rejection outside any batch; the run is paused at its last saved point; resume with scenarios resume orch-escape once that is fixed',
      ]);
      const store = await PgliteSnapshotStore.open(db);
      try {
        const row = await store.load('orch-escape');
        expect(row?.status).toBe('paused');
        expect(row?.owner).toBeNull();
      } finally {
        await store.close();
      }
    } finally {
      workspace.dispose();
    }
  }, 180_000);
});
