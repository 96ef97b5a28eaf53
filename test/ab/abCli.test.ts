import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ReportSchema, type Report } from '../../src/report/schema.ts';
import { repoRoot, runCli, startCli } from '../support/cliProcess.ts';

const a90 = 'test/fixtures/ab/accuracy90.ts';
const a85 = 'test/fixtures/ab/accuracy85.ts';
const work = mkdtempSync(join(tmpdir(), 'scenarios-ab-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const abOf = (report: Report) => {
  const all = report.ab?.scenarios.all;
  if (!all) throw new Error('no A/B section');
  return all;
};

/** `<version> <idempotency key>` per call of the accuracy fixture, counted. */
function callsPerVersionAndBatch(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

describe('scenarios run --skill a --skill b', () => {
  it('runs both versions on the same 800 items and reports the 5-point drop in --json and in text', async () => {
    const json = await runCli(['run', 'test/fixtures/ab/ab-800.json', '--skill', a90, '--skill', a85, '--db', 'memory', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(json.stdout));
    expect(report.ab?.versions).toEqual({ a: 'accuracy@0.90', b: 'accuracy@0.85' });
    const all = abOf(report);
    expect(all.pairedBatches).toBe(80);
    expect(all.quality.difference?.significant).toBe(true);
    expect(all.quality.difference?.ci95?.low).toBeLessThan(-0.05);
    expect(all.quality.difference?.ci95?.high).toBeGreaterThan(-0.05);

    const text = await runCli(['run', 'test/fixtures/ab/ab-800.json', '--skill', a90, '--skill', a85, '--db', 'memory']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('A/B: a = accuracy@0.90, b = accuracy@0.85 (paired by batch: both ran on the same items)');
    expect(text.stdout).toContain(`all: ${all.verdict}`);
  }, 60_000);

  it('runs config skills (one module twice, differing in params) and finds no difference between identical versions', async () => {
    const config = join(work, 'same.json');
    const base = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/ab/ab-800.json'), 'utf8')) as Record<string, unknown>;
    const module = join(repoRoot, 'test/fixtures/ab/accuracySkill.ts');
    writeFileSync(config, JSON.stringify({ ...base, skills: [{ module, params: { accuracy: 0.9 } }, { module, params: { accuracy: 0.9 } }] }));
    const run = await runCli(['run', config, '--db', 'memory', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(run.stdout));
    expect(report.ab?.versions).toEqual({ a: 'accuracy@param {"accuracy":0.9}', b: 'accuracy@param {"accuracy":0.9}' });
    expect(abOf(report).quality.difference?.estimate).toBe(0);
    expect(abOf(report).verdict).toMatch(/^no significant difference in quality/);
  }, 60_000);

  it('runs two --skill-command programs as versions a and b, and exits once their children are closed', async () => {
    const python = `python3 ${join(repoRoot, 'examples/skills/python/skill.py')}`;
    const run = await runCli(['run', 'test/fixtures/fast-config.json', '--skill-command', python, '--skill-command', python, '--db', 'memory', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(run.stdout));
    expect(report.ab?.versions.a).toMatch(/^skill\.py@[0-9a-f]{12}$/);
    // fast-config: 10 + 6 batches; the same program twice scores the same on every batch.
    expect(report.ab?.scenarios.small?.pairedBatches).toBe(10);
    expect(report.ab?.scenarios.large?.pairedBatches).toBe(6);
    expect(report.ab?.scenarios.large?.quality.difference?.estimate).toBe(0);
  }, 60_000);

  it('refuses a third --skill and a mix of --skill and --skill-command with exit 2', async () => {
    const three = await runCli(['run', '--skill', a90, '--skill', a85, '--skill', a90, '--db', 'memory']);
    expect(three.code).toBe(2);
    expect(three.stderr).toContain('--skill given 3 times: once for one skill, twice for an A/B run');
    const mixed = await runCli(['run', '--skill', a90, '--skill', a85, '--skill-command', 'python3 x.py', '--db', 'memory']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('for an A/B run give two of one kind');
  }, 60_000);

  it('resumes a SIGKILLed A/B run on PGlite with both versions, and reports the same paired quality as an uninterrupted run', async () => {
    const config = 'test/fixtures/ab/ab-crash.json';
    const baselineRecord = join(work, 'baseline.log');
    const baseline = await runCli(['run', config, '--skill', a90, '--skill', a85, '--db', 'memory', '--json'], { RECORD_FILE: baselineRecord });
    expect(baseline.code, baseline.stderr).toBe(0);
    const expected = abOf(ReportSchema.parse(JSON.parse(baseline.stdout)));

    const db = join(work, 'db');
    const id = `ab-crash-${Date.now()}`;
    const record = join(work, `${id}.log`);
    const env = { RECORD_FILE: record, SCENARIOS_LEASE_MS: '1000' };
    const first = startCli(['run', config, '--skill', a90, '--skill', a85, '--db', db, '--id', id], env);
    await first.waitFor(/\] milestone 30%/, 1);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    await new Promise((r) => setTimeout(r, 1200));
    // No --skill: both versions come back from the run's stored config.
    const resumed = await runCli(['resume', id, '--db', db, '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const report = ReportSchema.parse(JSON.parse(resumed.stdout));
    expect(report.downtimeMs).toBeGreaterThan(0);
    const got = abOf(report);
    expect(report.ab?.versions).toEqual({ a: 'accuracy@0.90', b: 'accuracy@0.85' });
    expect(got.pairedBatches).toBe(40);
    expect(got.unpairedBatches).toBe(0);
    expect(got.quality).toEqual(expected.quality);
    expect(got.verdict).toBe(expected.verdict);
    expect(got.ranFirst).toEqual(expected.ranFirst);
    expect(got.timeMs.n).toBe(40);

    // Every batch ran for both versions; a crash re-runs at most the batch in flight (both versions of it).
    const calls = callsPerVersionAndBatch(record);
    for (const version of ['0.90', '0.85']) {
      const counts = Array.from({ length: 40 }, (_, i) => calls.get(`${version} ${id}/all/batch/${i}/ab/${version === '0.90' ? 'a' : 'b'}`) ?? 0);
      expect(counts.every((n) => n >= 1), `${version}: ${counts.join(',')}`).toBe(true);
      expect(counts.filter((n) => n > 1).length).toBeLessThanOrEqual(1);
    }

    // The report rebuilt from the store carries the same comparison.
    const rebuilt = await runCli(['report', id, '--db', db, '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(abOf(ReportSchema.parse(JSON.parse(rebuilt.stdout))).quality).toEqual(expected.quality);
  }, 150_000);
});
