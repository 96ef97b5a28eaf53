import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSkillCommandOption } from '../../src/cli/commands/run.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import { runCli, startCli, tempWorkspace } from '../support/cliProcess.ts';
import { repoRoot } from './spawnCli.ts';
import { alive } from '../support/processes.ts';

/** The default config through `scenarios run --skill-command …`, as a user would run it, in a temp workspace. */

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const READ_LINES = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const send = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
process.stderr.write('pid ' + process.pid + '\\n');
`;
const skills: Record<string, string> = {
  // Dies (exit code 7) on the first attempt at batch 3 of scenario "medium"; answers everything else.
  'flaky.cjs': `${READ_LINES}
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.cancel) return;
  if (r.scenario === 'medium' && r.batchIndex === 3 && r.attempt === 1) { process.stderr.write('giving up on batch 3\\n'); process.exit(7); }
  send({ id: r.id, qualityScore: 0.9 });
});`,
  // Answers each request after 40 ms; a cancel stops it and is answered at once.
  'slow.cjs': `${READ_LINES}
const timers = new Map();
rl.on('line', (line) => {
  const r = JSON.parse(line);
  if (r.cancel) { clearTimeout(timers.get(r.id)); timers.delete(r.id); return send({ id: r.id, error: 'cancelled' }); }
  timers.set(r.id, setTimeout(() => { timers.delete(r.id); send({ id: r.id, qualityScore: 0.95 }); }, 40));
});`,
};

let workspace: ReturnType<typeof tempWorkspace>;
beforeAll(() => {
  workspace = tempWorkspace('scenarios-skill-command-');
  for (const [name, source] of Object.entries(skills)) writeFileSync(join(workspace.dir, name), source);
});
afterAll(() => workspace.dispose());

interface JsonReport {
  skill: { name: string; version: string };
  scenarios: Record<string, { status: string; itemsProcessed: number; itemsFailed: number; batchCount: number; errors: { message: string; batchIndex?: number }[] }>;
}

function expectDefaultConfigCompleted(report: JsonReport): void {
  expect(Object.fromEntries(Object.entries(report.scenarios).map(([name, s]) => [name, [s.status, s.itemsProcessed, s.itemsFailed]]))).toEqual({
    simple: ['complete', 100, 0],
    medium: ['complete', 300, 0],
    complex: ['complete', 800, 0],
  });
}

const childPids = (stderr: string) => [...stderr.matchAll(/^\[\w+\] pid (\d+)$/gm)].map((m) => Number(m[1]));

describe('scenarios run --skill-command', () => {
  it.skipIf(!hasPython)('runs the Python example skill over the default config to completion', async () => {
    const script = join(repoRoot, 'examples/skills/python/skill.py');
    const { code, stdout, stderr } = await runCli(['run', '--skill-command', `python3 ${script}`, '--db', 'memory', '--json'], {}, workspace.dir);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as JsonReport;
    expectDefaultConfigCompleted(report);
    expect(report.skill.name).toBe('skill.py');
    expect(report.skill.version).toMatch(/^[0-9a-f]{12}$/);
    // Each scenario's child says it is ready on stderr, passed through with the scenario's name.
    for (const scenario of ['simple', 'medium', 'complex']) expect(stderr).toContain(`[${scenario}] python skill ready`);
  }, 120_000);

  it('runs the shell (awk) example skill over the default config to completion', async () => {
    const script = join(repoRoot, 'examples/skills/shell/skill.sh');
    const { code, stdout, stderr } = await runCli(['run', '--skill-command', `sh '${script}'`, '--db', 'memory', '--json'], {}, workspace.dir);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as JsonReport;
    expectDefaultConfigCompleted(report);
    expect(report.skill.name).toBe('skill.sh');
    expect(stderr).toContain('[complex] shell skill ready');
  }, 120_000);

  it('fails and retries only the batch whose child died, records every batch once, and leaves no process behind', async () => {
    const db = join(workspace.dir, 'db-flaky');
    const { code, stdout, stderr } = await runCli(['run', '--skill-command', `"${process.execPath}" flaky.cjs`, '--db', db, '--id', 'orch-flaky', '--json'], {}, workspace.dir);
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as JsonReport;
    expectDefaultConfigCompleted(report);
    expect(report.scenarios.medium!.errors).toEqual([
      expect.objectContaining({ batchIndex: 3, message: expect.stringMatching(/^skill command flaky\.cjs \(pid \d+\) of scenario "medium" exited with code 7; its last stderr: "pid \d+" "giving up on batch 3"$/) as unknown }),
    ]);
    expect(report.scenarios.simple!.errors).toEqual([]);
    expect(report.scenarios.complex!.errors).toEqual([]);
    // Four children: one per scenario, and medium's second.
    const pids = childPids(stderr);
    expect(pids).toHaveLength(4);
    expect(pids.filter(alive)).toEqual([]);

    const store = await PgliteSnapshotStore.open(db);
    try {
      const journal = Object.fromEntries(
        await Promise.all(['simple', 'medium', 'complex'].map(async (s) => [s, (await store.loadBatches('orch-flaky', s, 0)).map((b) => [b.batchIndex, b.attempt])] as const)),
      );
      expect(journal).toEqual({
        simple: Array.from({ length: 10 }, (_, i) => [i, 1]),
        medium: Array.from({ length: 6 }, (_, i) => [i, i === 3 ? 2 : 1]),
        complex: Array.from({ length: 8 }, (_, i) => [i, 1]),
      });
    } finally {
      await store.close();
    }
  }, 180_000);

  it('resume starts the stored command again (from its own folder, wherever resume runs) and finishes the run', async () => {
    const db = join(workspace.dir, 'db-resume');
    const run = startCli(['run', '--skill-command', `"${process.execPath}" slow.cjs`, '--db', db, '--id', 'orch-slow'], {}, workspace.dir);
    await run.waitFor(/\[simple\] milestone 30%/, 1, 60_000);
    run.child.kill('SIGINT');
    expect(await run.exited, run.stderr()).toBe(130);
    const firstPids = childPids(run.stderr());
    expect(firstPids.length).toBeGreaterThan(0);
    expect(firstPids.filter(alive)).toEqual([]);

    const elsewhere = join(workspace.dir, 'elsewhere');
    mkdirSync(elsewhere);
    const resumed = await runCli(['resume', 'orch-slow', '--db', db, '--json'], {}, elsewhere);
    expect(resumed.code, resumed.stderr).toBe(0);
    expectDefaultConfigCompleted(JSON.parse(resumed.stdout) as JsonReport);
    const resumedPids = childPids(resumed.stderr);
    expect(resumedPids.length).toBeGreaterThan(0);
    expect(resumedPids.filter(alive)).toEqual([]);
  }, 180_000);

  it('splits the command as a shell would: quotes, escapes and variables, not at every space', () => {
    expect(parseSkillCommandOption(`python3 'my skill.py' --label "a b" c\\ d $SKILLS/x.py`, { SKILLS: '/opt/skills' })).toEqual(['python3', 'my skill.py', '--label', 'a b', 'c d', '/opt/skills/x.py']);
    expect(() => parseSkillCommandOption('  ')).toThrow('--skill-command needs a program and its arguments');
    expect(() => parseSkillCommandOption('python3 skill.py > log')).toThrow('so ">" cannot be used');
    expect(() => parseSkillCommandOption('python3 *.py')).toThrow('so "*.py" cannot be used');
  });

  it('names an unset variable that left an empty word, instead of a bare schema error', () => {
    expect(() => parseSkillCommandOption('perl "skill.pl" $NOPE', {})).toThrow('--skill-command: argument 2 is empty ($NOPE is not set)');
    expect(() => parseSkillCommandOption('$RUNNER skill.py', {})).toThrow('--skill-command: the program is empty ($RUNNER is not set)');
    expect(() => parseSkillCommandOption('perl skill.pl ""', {})).toThrow('--skill-command: argument 2 is empty; every word must be a non-empty string');
  });

  it('refuses a command line that needs a shell, and --skill with --skill-command', async () => {
    const piped = await runCli(['run', '--skill-command', 'python3 skill.py | tee log', '--db', 'memory'], {}, workspace.dir);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('--skill-command runs one program with its arguments, without a shell, so "|" cannot be used');
    const both = await runCli(['run', '--skill', 'x.ts', '--skill-command', 'python3 skill.py', '--db', 'memory'], {}, workspace.dir);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--skill and --skill-command name two different skills');
  }, 60_000);
});
