import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComparisonSchema } from '../../src/compare/schema.ts';
import { fixture, scenarios, tempDir } from '../cli/spawnCli.ts';

const temp = tempDir('scenarios-gate-');
afterAll(() => temp.remove());
const db = join(temp.dir, 'db');

/**
 * One scenario of one-item batches over test/fixtures/latencySkill.ts, whose batch sleeps `latencyMs`. Batches
 * of a second make the test robust on a loaded machine: a stall of a few hundred ms moves one batch by a few
 * tens of percent and the mean of eight by a few percent, far from the 20 % slowdown and the 10 % threshold.
 */
function config(name: string, params: { latencyMs: number; quality?: number }, scenario: { batches?: number; expectedQuality?: string } = {}): string {
  const file = join(temp.dir, `${name}.json`);
  const batches = scenario.batches ?? 8;
  writeFileSync(
    file,
    JSON.stringify({
      seed: 1,
      skill: { module: fixture('latencySkill.ts'), params },
      barriers: { at: [] },
      scenarios: [
        { name: 'one', inputSize: batches, timeBudgetSeconds: 600, memoryLimitMb: 4096, errorTolerance: 0, skillParams: { batchSize: 1 }, expectedQuality: scenario.expectedQuality ?? 'good', qualityMetrics: ['accuracy'] },
      ],
    }),
  );
  return file;
}

const BASE_MS = 1_000;

// Each case spawns the CLI; on a loaded machine each process alone can take many seconds.
describe('scenarios run --against --fail-on', { timeout: 360_000 }, () => {
  beforeAll(async () => {
    const base = await scenarios(['run', config('base', { latencyMs: BASE_MS }), '--id', 'base-run', '--db', db, '--json'], temp.dir);
    expect(base.code, base.stderr).toBe(0);
    const saved = await scenarios(['baseline', 'save', 'base-run', '--db', db], temp.dir);
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toBe('saved baseline main: run base-run\n');
  }, 360_000);

  it('exits 4 when the same skill is 20% slower, with a FAILED line giving the figures and CI', async () => {
    const slow = await scenarios(['run', config('slow', { latencyMs: BASE_MS * 1.2 }), '--db', db, '--against', 'main', '--fail-on', 'timePerItem>+10%,quality<-0.02'], temp.dir);
    expect(slow.code, slow.stdout + slow.stderr).toBe(4);
    // After the report, one line per rule.
    expect(slow.stdout).toMatch(/\nfail-on: against baseline main, run base-run, one sample per batch\nfail-on timePerItem>\+10%: FAILED: one: \+\d+(\.\d)?% \(\d+(\.\d+)? → \d+(\.\d+)? ms\/item, 95% CI \+\d+(\.\d)?% … \+\d+(\.\d)?%, p [<\d.]+, significant\)\nfail-on quality<-0\.02: passed \(one: 0 .*\)\n$/);
  });

  it('exits 0 when the skill is unchanged, saying each rule passed', async () => {
    const same = await scenarios(['run', config('same', { latencyMs: BASE_MS }), '--db', db, '--against', 'main', '--fail-on', 'timePerItem>+10%,throughput<-10%'], temp.dir);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(same.stdout).toMatch(/\nfail-on timePerItem>\+10%: passed \(one: [+-]?\d+(\.\d)?% .*\)\nfail-on throughput<-10%: passed \(one: .*\)\n$/);
  });

  it('prints the rule lines on stderr with --json, so stdout stays the report alone', async () => {
    const json = await scenarios(['run', config('json', { latencyMs: 20 }, { batches: 3 }), '--db', db, '--json', '--against', 'base-run', '--fail-on', 'quality<-0.02'], temp.dir);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { orchestrationId: string }).orchestrationId).toMatch(/^orch-/);
    expect(json.stderr).toMatch(/fail-on: against run base-run, one sample per batch\nfail-on quality<-0\.02: passed/);
  });

  it('prints the comparison after the report with --against alone, and keeps the exit code', async () => {
    const shown = await scenarios(['run', config('shown', { latencyMs: 20 }, { batches: 3 }), '--db', db, '--against', 'main'], temp.dir);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/\na = baseline main: run base-run, skill latency@1\.0\.0, one sample per batch\nb = run orch-[0-9a-f]{8}, skill latency@1\.0\.0, one sample per batch\n/);
    expect(shown.stdout).toMatch(/^ {2}timePerItem +ms\/item +\d+(\.\d+)? \(n 8\) +\d+(\.\d+)? \(n 3\) +-\d+(\.\d+)? +-9\d(\.\d)?% .* yes$/m);
    expect(shown.stdout).not.toContain('fail-on');
  });

  it('refuses bad rules, a rule without --against, and a reference that is not there, before anything runs (exit 2)', async () => {
    const cfg = config('usage', { latencyMs: 0 }, { batches: 1 });
    const cases: [string[], string][] = [
      [['--fail-on', 'quality<-0.02'], '--fail-on "quality<-0.02" compares against a reference: add --against <baseline|run id|experiment id> (only "budgets" needs none)'],
      [['--against', 'main', '--fail-on', 'quality-0.02'], '"quality-0.02" is not a rule'],
      [['--against', 'main', '--fail-on', 'f1<-0.1'], '"f1<-0.1" names "f1", which no scenario of this run measures (known: quality, timePerItem, throughput, accuracy)'],
      [['--against', 'nope', '--fail-on', 'quality<-0.02'], 'no run, experiment or baseline "nope"'],
    ];
    for (const [flags, message] of cases) {
      const { code, stdout, stderr } = await scenarios(['run', cfg, '--db', db, ...flags], temp.dir);
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(message);
      expect(stderr).not.toContain('orchestration orch-');
      expect(stdout).toBe('');
    }
  });
});

describe('scenarios run --repeat --against --fail-on', { timeout: 240_000 }, () => {
  it('judges an experiment against an experiment baseline, one value per repeat', async () => {
    const store = join(temp.dir, 'db-experiments');
    const base = await scenarios(['run', config('exp-base', { latencyMs: 1, quality: 0.9 }, { batches: 2 }), '--repeat', '3', '--id', 'exp-base', '--db', store, '--json'], temp.dir);
    expect(base.code, base.stderr).toBe(0);
    expect((await scenarios(['baseline', 'save', 'exp-base', '--db', store], temp.dir)).stdout).toBe('saved baseline main: experiment exp-base\n');
    const worse = await scenarios(['run', config('exp-worse', { latencyMs: 1, quality: 0.8 }, { batches: 2 }), '--repeat', '3', '--db', store, '--against', 'main', '--fail-on', 'quality<-0.02'], temp.dir);
    expect(worse.code, worse.stdout + worse.stderr).toBe(4);
    expect(worse.stdout).toMatch(/\nfail-on: against baseline main, experiment exp-base \(3 repeat\(s\)\), one sample per repeat\nfail-on quality<-0\.02: FAILED: one: -0\.1 \(0\.9 → 0\.8 score, 95% CI -0\.1 … -0\.1, p <0\.001, significant\)\n$/);
  });
});

describe('scenarios run --fail-on budgets', { timeout: 240_000 }, () => {
  // The skill scores 0.5 against an expected "excellent": the scenario completes, its quality budget does not hold.
  const broken = () => config('broken', { latencyMs: 0, quality: 0.5 }, { batches: 2, expectedQuality: 'excellent' });

  it('exits 4 when a budget did not hold, and 0 for the same run without the gate', async () => {
    const gated = await scenarios(['run', broken(), '--db', 'memory', '--fail-on', 'budgets'], temp.dir);
    expect(gated.code, gated.stderr).toBe(4);
    expect(gated.stdout).toMatch(/\nfail-on budgets: FAILED: one expectedQuality 0\.5 against excellent overall score \(not measured, so not a failure: memory in one\)\n$/);
    const plain = await scenarios(['run', broken(), '--db', 'memory'], temp.dir);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain('fail-on');
  });

  it('passes when every budget held, saying a budget nothing measured is not a failure', async () => {
    const fine = await scenarios(['run', config('fine', { latencyMs: 0, quality: 0.95 }, { batches: 2 }), '--db', 'memory', '--fail-on', 'budgets'], temp.dir);
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stdout).toMatch(/\nfail-on budgets: passed, every budget held \(not measured, so not a failure: memory in one\)\n$/);
  });
});

describe('scenarios baseline and compare', { timeout: 480_000 }, () => {
  const store = join(temp.dir, 'db-baselines');

  it('saves, replaces, lists and deletes baselines, and compares by baseline name', async () => {
    for (const id of ['r1', 'r2']) {
      const run = await scenarios(['run', config(id, { latencyMs: 5, quality: id === 'r1' ? 0.9 : 0.6 }, { batches: 6 }), '--id', id, '--db', store, '--json'], temp.dir);
      expect(run.code, run.stderr).toBe(0);
    }
    expect((await scenarios(['baseline', 'save', 'r1', '--db', store], temp.dir)).stdout).toBe('saved baseline main: run r1\n');
    const replaced = await scenarios(['baseline', 'save', 'r2', '--db', store], temp.dir);
    expect(replaced.stdout).toMatch(/^saved baseline main: run r2 \(replaced run r1, saved \d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/);
    expect((await scenarios(['baseline', 'save', 'r1', '--name', 'old', '--db', store], temp.dir)).code).toBe(0);
    const listed = await scenarios(['baseline', 'list', '--json', '--db', store], temp.dir);
    expect((JSON.parse(listed.stdout) as { name: string; kind: string; ref: string }[]).map(({ name, kind, ref }) => ({ name, kind, ref }))).toEqual([
      { name: 'main', kind: 'run', ref: 'r2' },
      { name: 'old', kind: 'run', ref: 'r1' },
    ]);

    const compared = await scenarios(['compare', 'old', 'main', '--db', store, '--json'], temp.dir);
    expect(compared.code, compared.stderr).toBe(0);
    const comparison = ComparisonSchema.parse(JSON.parse(compared.stdout));
    expect(comparison.a).toMatchObject({ baseline: 'old', id: 'r1' });
    const accuracy = comparison.scenarios[0]?.figures.find((f) => f.figure === 'accuracy');
    expect(accuracy?.difference).toMatchObject({ significant: true });
    expect(accuracy?.difference?.estimate).toBeCloseTo(-0.3, 5);
    const text = await scenarios(['compare', 'old', 'main', '--db', store], temp.dir);
    expect(text.stdout).toMatch(/^a = baseline old: run r1, skill latency@1\.0\.0, one sample per batch\nb = baseline main: run r2/);
    expect(text.stdout).toMatch(/^ {2}accuracy +score +0\.9 \(n 6\) +0\.6 \(n 6\) +-0\.3 +-33\.3% +-0\.3 … -0\.3 +<0\.001 +yes$/m);

    expect((await scenarios(['baseline', 'delete', 'old', '--db', store], temp.dir)).stdout).toBe('deleted baseline old\n');
    const again = await scenarios(['baseline', 'delete', 'old', '--db', store], temp.dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no baseline "old"');
    const missing = await scenarios(['baseline', 'save', 'r9', '--db', store], temp.dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no run, experiment or baseline "r9"');
    const typo = await scenarios(['baseline', 'sav', 'r1', '--db', store], temp.dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('scenarios: baseline sav: unknown action (did you mean "baseline save"?); use save, list or delete\n');
  });
});
