import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.ts';
import { cliCwd } from '../support/cliProcess.ts';

const bin = fileURLToPath(new URL('../../bin/scenarios.js', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/scenarios.js ...args` as a user would; never rejects, so the exit code can be asserted.
 * In a temp workspace (test/ linked in), never the repository, so nothing the CLI writes lands there.
 */
function scenarios(args: string[], cwd = cliCwd(), signal?: AbortSignal): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1' };
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL', ...(signal ? { signal } : {}) }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;
const REPORT_KEYS = ['orchestrationId', 'skill', 'seed', 'startedAt', 'finishedAt', 'downtimeMs', 'scenarios', 'barriers', 'comparison', 'budgets', 'recommendations'];

describe.concurrent('scenarios CLI (end to end)', () => {
  it('`scenarios run --json` prints only the report: all three complete, milestones 0..100, both barriers released by arrival', async ({ onTestFinished }) => {
    // The exact command, in an empty folder: its default store (.scenarios/db) lands there.
    const cwd = mkdtempSync(join(tmpdir(), 'scenarios-cli-'));
    // Also after a timeout, unlike a finally block: the process first, so it writes nothing after the removal.
    const stop = new AbortController();
    onTestFinished(() => {
      stop.abort();
      rmSync(cwd, { recursive: true, force: true });
    });
    const { code, stdout, stderr } = await scenarios(['run', '--json'], cwd, stop.signal);
    expect(code, stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual(expect.arrayContaining(REPORT_KEYS));
    expect(report.seed).toBe(42);
    expect(report.skill).toEqual({ name: 'simulated', version: '1.0.0' });
    expect(Object.entries(report.scenarios).map(([name, s]) => [name, s.status, s.milestonesReached, s.progressPct])).toEqual([
      ['simple', 'complete', [0, 30, 50, 70, 90, 100], 100],
      ['medium', 'complete', [0, 30, 50, 70, 90, 100], 100],
      ['complex', 'complete', [0, 30, 50, 70, 90, 100], 100],
    ]);
    expect(report.barriers.map((b) => [b.milestone, b.releasedBy, [...b.arrived].sort(), b.late])).toEqual([
      [30, 'all-arrived', ['complex', 'medium', 'simple'], []],
      [70, 'all-arrived', ['complex', 'medium', 'simple'], []],
    ]);
    expect(stderr).toContain(`orchestration ${report.orchestrationId}`);
  });

  it('exits 1 when a skill throws for one scenario, failing only that one', async () => {
    const { code, stdout, stderr } = await scenarios(['run', '--json', '--db', 'memory', '--skill', 'test/fixtures/throwing-skill.ts']);
    expect(code, stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(report.skill.name).toBe('throwing-fixture');
    expect(Object.entries(report.scenarios).map(([name, s]) => [name, s.status, s.failureReason])).toEqual([
      ['simple', 'complete', undefined],
      ['medium', 'failed', 'error_tolerance_exceeded'],
      ['complex', 'complete', undefined],
    ]);
    expect(report.scenarios.medium?.errors[0]?.message).toContain('fixture: medium batch 0 always fails');
    expect(report.barriers.every((b) => !b.late.includes('medium'))).toBe(true);
  });

  it('exits 2 for a bad config, naming each field path on stderr, with no stack trace', async () => {
    const { code, stdout, stderr } = await scenarios(['run', 'test/fixtures/bad-config.json', '--db', 'memory']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('invalid configuration (test/fixtures/bad-config.json)');
    expect(stderr).toContain('scenarios[0].skillParams.batchSize: must be a positive integer');
    expect(stderr).toContain('scenarios[1].errorTolerance: must be between 0 and 1');
    expect(stderr).toContain('(root): unknown key "extra"');
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('exits 2 for a bad --seed, with no stack trace', async () => {
    const { code, stderr } = await scenarios(['run', '--seed', 'abc', '--db', 'memory']);
    expect(code).toBe(2);
    expect(stderr).toContain('--seed must be an integer');
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('--seed overrides the config seed', async () => {
    const { code, stdout, stderr } = await scenarios(['run', 'test/fixtures/fast-config.json', '--json', '--db', 'memory', '--seed', '7']);
    expect(code, stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(report.seed).toBe(7);
    expect(Object.values(report.scenarios).map((s) => s.status)).toEqual(['complete', 'complete']);
  });

  it('prints a text report and progress lines without --json', async () => {
    const { code, stdout, stderr } = await scenarios(['run', 'test/fixtures/fast-config.json', '--db', 'memory']);
    expect(code, stderr).toBe(0);
    expect(() => JSON.parse(stdout) as unknown).toThrow();
    expect(stdout).toContain('small');
    expect(stdout).toContain('large');
    expect(stderr).toMatch(/\[barrier 30%\] released by all-arrived/);
  });

  it('--help lists the commands and the run options, and exits 0', async () => {
    const { code, stdout } = await scenarios(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('run [config]');
    expect(stdout).toContain('scenarios run --help');
  });

  it('run --help does not call --no-cache a default (cac would print "(default: true)" after it)', async () => {
    const { code, stdout } = await scenarios(['run', '--help']);
    expect(code).toBe(0);
    const line = stdout.split('\n').find((l) => l.includes('--no-cache')) ?? '';
    expect(line).toContain('Run the skill for every batch');
    expect(line).not.toContain('(default:');
  });
});
