import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repeatSeed } from '../../src/api/experiments.ts';
import { ExperimentReportSchema, type ExperimentReport } from '../../src/report/experimentSchema.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { cliCwd, runCli, startCli } from '../support/cliProcess.ts';

const scenario = (name: string, inputSize: number, batchSize: number) => ({
  name, inputSize, timeBudgetSeconds: 600, memoryLimitMb: 4096, errorTolerance: 0, skillParams: { batchSize }, expectedQuality: 'basic', qualityMetrics: ['accuracy'],
});

/** A config file in this test file's workspace: the simulated skill with `params`, no barriers unless given. */
function configFile(name: string, params: Record<string, number | boolean>, scenarios: object[], extra: object = {}): string {
  const path = join(cliCwd(), `${name}.json`);
  writeFileSync(path, JSON.stringify({ seed: 11, skill: { name: 'simulated', params }, barriers: { at: [], timeoutMs: 10_000 }, scenarios, ...extra }));
  return path;
}

const three = () => [scenario('a', 8, 2), scenario('b', 16, 2), scenario('c', 32, 4)];

function experiment(stdout: string): ExperimentReport {
  return ExperimentReportSchema.parse(JSON.parse(stdout));
}

describe('scenarios run --repeat', () => {
  it('runs N stored repeats with seeds derived from the seed, rotating which scenario starts first, and prints medians with 95% CIs', async () => {
    const config = configFile('quick', { latencyMs: 2 }, three());
    const run = await runCli(['run', config, '--repeat', '3', '--id', 'quick', '--db', 'memory', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = experiment(run.stdout);
    expect(report.experimentId).toBe('quick');
    expect(report.runs.map((r) => [r.runId, r.seed, r.status, r.scenarioOrder.join('')])).toEqual([
      ['quick.r1', repeatSeed(11, 1, false), 'complete', 'abc'],
      ['quick.r2', repeatSeed(11, 2, false), 'complete', 'bca'],
      ['quick.r3', repeatSeed(11, 3, false), 'complete', 'cab'],
    ]);
    expect(Object.keys(report.scenarios)).toEqual(['a', 'b', 'c']);
    for (const s of Object.values(report.scenarios)) {
      for (const measure of [s.timePerItemMs, s.throughputPerSecond, s.quality.overall, s.quality.accuracy]) {
        expect(measure?.n).toBe(3);
        expect(measure?.medianCi95?.method).toBe('bootstrap-percentile');
        expect(measure?.medianCi95?.low).toBeLessThanOrEqual(measure?.median ?? NaN);
        expect(measure?.medianCi95?.high).toBeGreaterThanOrEqual(measure?.median ?? NaN);
        expect(measure?.meanCi95?.method).toBe('student-t');
      }
      // Different seeds, different draws: the repeats' quality differs.
      expect(new Set(s.quality.overall?.values.map((v) => v.value)).size).toBe(3);
    }
    expect(report.scaling.points).toBe(9);
    expect(run.stderr).toContain('repeat 2/3: orchestration quick.r2');
    expect(run.stderr).toContain('scenarios started in order b > c > a');
  }, 120_000);

  it('with --same-data runs every repeat on the seed itself, so the data and the quality are the same each time', async () => {
    const config = configFile('same', { latencyMs: 1 }, three());
    const run = await runCli(['run', config, '--repeat', '3', '--same-data', '--db', 'memory', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = experiment(run.stdout);
    expect(report.experimentId).toMatch(/^exp-[0-9a-f]{8}$/);
    expect(report.sameData).toBe(true);
    expect(report.runs.map((r) => r.seed)).toEqual([11, 11, 11]);
    for (const s of Object.values(report.scenarios)) expect(new Set(s.quality.overall?.values.map((v) => v.value)).size).toBe(1);
    expect(report.notes.some((n) => n.includes('same seed (sameData)'))).toBe(true);
  }, 120_000);

  it('on embedded PGlite: report and list know the experiment, and each repeat is an ordinary run', async () => {
    const db = join(cliCwd(), 'pglite-db');
    const config = configFile('stored', { latencyMs: 2 }, three(), { repeat: 3 });
    // `repeat` from the config, no --repeat.
    const run = await runCli(['run', config, '--id', 'stored', '--db', db, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const live = experiment(run.stdout);
    // No --db: the experiment's store is remembered as its runs' are.
    const rebuilt = await runCli(['report', 'stored', '--json']);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(experiment(rebuilt.stdout)).toEqual(live);
    const text = await runCli(['report', 'stored', '--db', db]);
    expect(text.stdout).toMatch(/^Busy time per item \(ms\)\n {2}Scenario +Median \[95% CI\] +Geometric mean \[95% CI\] +n +Outliers$/m);
    const one = await runCli(['report', 'stored.r2', '--json']);
    const repeat = ReportSchema.parse(JSON.parse(one.stdout));
    expect(repeat.seed).toBe(repeatSeed(11, 2, false));
    expect(Object.keys(repeat.scenarios)).toEqual(['b', 'c', 'a']);
    const list = await runCli(['list', '--db', db]);
    expect(list.stdout).toContain('experiment stored: complete, 3 of 3 repeats stored (3 complete); scenarios report stored');
  }, 180_000);

  it('Ctrl+C during a repeat pauses it and starts no more (exit 130); resume E finishes it, runs the rest and prints the experiment report', async () => {
    const db = join(cliCwd(), 'interrupted-db');
    const config = configFile('slow', { latencyMs: 60 }, three());
    const cli = startCli(['run', config, '--repeat', '3', '--id', 'cut', '--db', db]);
    await cli.waitFor(/repeat 2\/3: orchestration cut\.r2/);
    await cli.waitFor(/\[(a|b|c)\] milestone 30%/, 4);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stderr()).toContain('paused: resume with scenarios resume cut');
    expect(cli.stdout()).toBe('');

    const list = await runCli(['list', '--db', db, '--json']);
    const entries = JSON.parse(list.stdout) as { kind: string; id: string; status: string }[];
    expect(entries.filter((e) => e.kind === 'run').map((r) => [r.id, r.status]).sort()).toEqual([['cut.r1', 'complete'], ['cut.r2', 'paused']]);
    expect(entries.filter((e) => e.kind === 'experiment')).toEqual([{ kind: 'experiment', id: 'cut', status: 'paused', repeats: 3, stored: 2, repeatStatuses: { complete: 1, paused: 1 }, runs: ['cut.r1', 'cut.r2'] }]);
    expect((await runCli(['list', '--db', db])).stdout).toContain('experiment cut: paused, 2 of 3 repeats stored (1 complete, 1 paused); scenarios resume cut runs the rest');
    const inspect = await runCli(['inspect', 'cut', '--db', db]);
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toContain('"cut" is an experiment of 2 stored repeats (cut.r1, cut.r2): inspect one of them, e.g. scenarios inspect cut.r1');
    const status = await runCli(['status', 'cut']);
    expect(status.stdout.split('\n').slice(0, 4)).toEqual([
      'experiment cut: paused, 1 of 3 repeats finished (scenarios resume cut runs the rest)',
      `  cut.r1  complete  seed ${repeatSeed(11, 1, false)}`,
      `  cut.r2  paused  seed ${repeatSeed(11, 2, false)}`,
      '  cut.r3  missing',
    ]);
    const partial = experiment((await runCli(['report', 'cut', '--json'])).stdout);
    expect(partial.runs.map((r) => r.status)).toEqual(['complete', 'paused', 'missing']);
    expect(partial.notes[0]).toBe('cut.r2 (paused) did not finish; cut.r3 did not run: scenarios resume cut finishes the experiment. The figures are over the repeats that completed each scenario.');

    const resumed = await runCli(['resume', 'cut', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('experiment cut (resumed): repeats 2, 3 of 3 to run');
    const report = experiment(resumed.stdout);
    expect(report.runs.map((r) => [r.runId, r.status, r.seed])).toEqual([1, 2, 3].map((k) => [`cut.r${k}`, 'complete', repeatSeed(11, k, false)]));
    for (const s of Object.values(report.scenarios)) expect(s.timePerItemMs?.n).toBe(3);
  }, 180_000);

  it("with two skills (A/B) carries each repeat's b − a into the experiment report, also when rebuilt from the store", async () => {
    const db = join(cliCwd(), 'ab-db');
    const run = await runCli(['run', 'test/fixtures/ab/ab-800.json', '--skill', 'test/fixtures/ab/accuracy90.ts', '--skill', 'test/fixtures/ab/accuracy85.ts', '--repeat', '3', '--id', 'abx', '--db', db, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = experiment(run.stdout);
    expect(report.ab?.versions).toEqual({ a: 'accuracy@0.90', b: 'accuracy@0.85' });
    const all = report.ab?.scenarios.all;
    expect(all?.repeats.map((r) => r.runId)).toEqual(['abx.r1', 'abx.r2', 'abx.r3']);
    // accuracy85 scores 5 points below accuracy90 on the same items, in every repeat.
    expect(all?.qualityDifference?.n).toBe(3);
    expect(all?.qualityDifference?.median).toBeCloseTo(-0.05, 1);
    const rebuilt = await runCli(['report', 'abx', '--db', db]);
    expect(rebuilt.stdout).toContain("A/B: accuracy@0.90 vs accuracy@0.85; each repeat's verdict on quality");
    expect(rebuilt.stdout).toContain('  all in abx.r3: ');
  }, 180_000);

  it('turns the cache off for every repeat and says so, so each repeat measures the skill', async () => {
    const cached = [scenario('a', 8, 2), { ...scenario('b', 16, 4), skillParams: { batchSize: 4, cacheEnabled: true } }];
    const config = configFile('cached', { latencyMs: 1, cacheEnabled: true }, cached);
    const run = await runCli(['run', config, '--repeat', '2', '--same-data', '--db', 'memory', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('cacheEnabled is off in every repeat (scenarios a, b): repeats measure the skill, and a batch taken from the cache would measure nothing after repeat 1');
    const report = experiment(run.stdout);
    for (const s of Object.values(report.scenarios)) {
      expect(s.timePerItemMs?.n).toBe(2);
      expect(s.throughputPerSecond?.n).toBe(2);
    }
  }, 120_000);

  it('refuses --repeat outside 1-100 (also --repeat=-3), --same-data without repeats and --inspect with --repeat (exit 2)', async () => {
    const bad = await runCli(['run', '--repeat', '0', '--db', 'memory']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--repeat must be an integer from 1 to 100 (got 0)');
    const negative = await runCli(['run', '--repeat=-3', '--db', 'memory']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--repeat must be an integer from 1 to 100 (got -3)');
    const same = await runCli(['run', '--same-data', '--db', 'memory']);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('--same-data applies to repeats: use it with --repeat N (2 to 100)');
    const inspect = await runCli(['run', '--repeat', '2', '--inspect', '--db', 'memory']);
    expect(inspect.code).toBe(2);
    expect(inspect.stderr).toContain('--inspect watches one run');
  }, 60_000);
});
