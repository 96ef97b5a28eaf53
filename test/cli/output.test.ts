import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema } from '../../src/report/schema.ts';
import { fixture, manyScenariosConfig, scenarios, scenariosPiped, tempDir } from './spawnCli.ts';

const temp = tempDir();
afterAll(() => temp.remove());

// Each case spawns the CLI, which can take many seconds on a loaded machine.
describe.concurrent('scenarios CLI output', { timeout: 180_000 }, () => {
  it('prints the whole of a large --json report into a pipe before exiting', async () => {
    const config = join(temp.dir, 'many.json');
    writeFileSync(config, JSON.stringify(manyScenariosConfig(300)));
    const { code, stdout, stderr } = await scenariosPiped(['run', config, '--json', '--db', 'memory'], '{ sleep 1; cat; }', temp.dir, 170_000);
    expect(code, stderr).toBe(0);
    expect(stdout.length).toBeGreaterThan(200_000);
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(Object.keys(report.scenarios)).toHaveLength(300);
  });

  it('--json keeps progress on stderr, as --help says, and only the report on stdout', async () => {
    const { code, stdout, stderr } = await scenarios(['run', fixture('fast-config.json'), '--json', '--db', 'memory'], temp.dir);
    expect(code, stderr).toBe(0);
    expect(() => ReportSchema.parse(JSON.parse(stdout))).not.toThrow();
    expect(stderr).toMatch(/\[barrier 30%\] released by all-arrived/);
  });

  it('ends quietly when the reader of its output goes away (| head -1): no EPIPE stack trace, exit 0', async () => {
    const db = join(temp.dir, 'epipe-db');
    const run = await scenarios(['run', fixture('fast-config.json'), '--db', db, '--id', 'orch-epipe'], temp.dir);
    expect(run.code, run.stderr).toBe(0);
    for (const command of [['status', 'orch-epipe'], ['report', 'orch-epipe', '--format', 'md']]) {
      const piped = await scenariosPiped([...command, '--db', db], 'head -1', temp.dir);
      expect(piped.stderr, command.join(' ')).not.toMatch(/EPIPE|Unhandled|at .*\.ts:\d+/);
      expect(piped.code, piped.stderr).toBe(0);
      expect(piped.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    }
  });

  it('keeps stdout for the report: the orchestration id goes to stderr in every format', async () => {
    const md = await scenarios(['run', fixture('fast-config.json'), '--format', 'md', '--db', 'memory', '--id', 'orch-md1'], temp.dir);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).not.toContain('orchestration orch-md1');
    expect(md.stdout.startsWith('#')).toBe(true);
    expect(md.stderr).toContain('orchestration orch-md1\n');
  });

  it('refuses --json with --format md (exit 2, one line) and accepts --json --format json', async () => {
    const clash = await scenarios(['run', fixture('fast-config.json'), '--json', '--format', 'md', '--db', 'memory'], temp.dir);
    expect(clash.code).toBe(2);
    expect(clash.stdout).toBe('');
    expect(clash.stderr).toBe('scenarios: --json and --format md contradict each other: use one of them (--json means --format json)\n');
    const same = await scenarios(['run', fixture('fast-config.json'), '--json', '--format', 'json', '--db', 'memory'], temp.dir);
    expect(same.code, same.stderr).toBe(0);
    expect(() => ReportSchema.parse(JSON.parse(same.stdout))).not.toThrow();
  });

  it('`report ID --json` prints the stored report as JSON', async () => {
    const db = join(temp.dir, 'db-report');
    const ran = await scenarios(['run', fixture('fast-config.json'), '--db', db, '--id', 'orch-rep1', '--json'], temp.dir);
    expect(ran.code, ran.stderr).toBe(0);
    const rep = await scenarios(['report', 'orch-rep1', '--json'], temp.dir);
    expect(rep.code, rep.stderr).toBe(0);
    expect(ReportSchema.parse(JSON.parse(rep.stdout)).orchestrationId).toBe('orch-rep1');
  });

  it('suggests the command meant by a typo, and exits 2', async () => {
    const { code, stdout, stderr } = await scenarios(['reprot', 'orch-x'], temp.dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('scenarios: unknown command "reprot"; did you mean "scenarios report"? (see scenarios --help)\n');
  });

  it('suggests the option meant by a typo, and exits 2 before running anything', async () => {
    const { code, stdout, stderr } = await scenarios(['run', '--jsn', '--db', 'memory'], temp.dir);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('scenarios: unknown option --jsn for "scenarios run"; did you mean --json? (see scenarios run --help)\n');
  });

  it('refuses an option without a command instead of printing the help', async () => {
    const { code, stderr } = await scenarios(['--jsn'], temp.dir);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown option --jsn');
  });
});
