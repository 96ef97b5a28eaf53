import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { createDurableOrchestration, resumeOrchestration } from '../../src/api/durableOrchestration.ts';
import { loadSkillModule } from '../../src/actors/loadSkill.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { UsageError } from '../../src/errors.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { ReportSchema } from '../../src/report/schema.ts';
import { scenarios, tempDir } from '../cli/spawnCli.ts';
import { repoRoot } from '../support/cliProcess.ts';
import { scenarioDefinition } from '../support/plans.ts';

/** Keeps `leakMb` of on-heap arrays per batch in the scenarios named by `leakIn` (see the fixture). */
const PROBE = fileURLToPath(new URL('../fixtures/workerProbeSkill.ts', import.meta.url));

const scenario = (name: string) =>
  scenarioDefinition({ name, inputSize: 12, skillParams: { batchSize: 1 }, memoryLimitMb: 64, timeBudgetSeconds: 60, errorTolerance: 0 });

function config(over: Partial<OrchestrationConfigInput> = {}): OrchestrationConfigInput {
  return {
    skill: { module: PROBE, params: { leakMb: 16, leakIn: ['hog'], plain: true } },
    barriers: { at: [50], timeoutMs: 20_000 },
    retry: { maxAttempts: 3, backoffMs: 1 },
    scenarios: [scenario('hog'), scenario('light'), scenario('steady')],
    ...over,
  };
}

describe('isolation "worker": each scenario has its memory limit to itself', () => {
  it('fails the scenario that leaks 16 MB per batch alone, with memory_limit_exceeded, and the others complete with their own figures', async () => {
    const skill = await loadSkillModule(PROBE);
    const run = createOrchestration(config({ isolation: 'worker' }), { skill });
    run.start();
    const report = await run.result;

    const { hog, light, steady } = report.scenarios;
    expect(hog).toMatchObject({ status: 'failed', failureReason: 'memory_limit_exceeded' });
    // Stopped before its input was through (12 batches of 16 MB cannot fit in 64 MB): by its worker's figure
    // passing the limit after a batch, or by the heap cap cutting a batch off, whichever comes first.
    expect(hog?.itemsProcessed).toBeLessThan(6);
    expect(hog?.memoryUsedMb).toBeGreaterThanOrEqual(48);
    expect(report.budgets.hog?.memory).toMatchObject({ held: false, limit: 64 });

    for (const [name, s] of [['light', light], ['steady', steady]] as const) {
      expect(s, name).toMatchObject({ status: 'complete', itemsProcessed: 12, itemsFailed: 0 });
      // Each figure is that scenario's worker's own memory: measured, and far below the hog's.
      expect(s?.memoryUsedMb, name).toBeGreaterThan(0);
      expect(s?.memoryUsedMb, name).toBeLessThan(48);
      expect(report.budgets[name]?.memory, name).toMatchObject({ held: true, limit: 64, actual: Math.round((s?.memoryUsedMb ?? 0) * 1000) / 1000 });
    }
    // The process as a whole is reported once, apart from every scenario.
    expect(report.process?.peakRssMb).toBeGreaterThan(0);
    expect(report.process?.peakHeapMb).toBeGreaterThan(0);
  }, 120_000);

  it('fails the scenario at once, without retries, when one batch needs more heap than its cap allows', async () => {
    const skill = await loadSkillModule(PROBE);
    // 48 MB of doubles (built from an array as large, which becomes garbage) cannot fit in a 64 MB heap.
    const run = createOrchestration(config({ isolation: 'worker', skill: { module: PROBE, params: { leakMb: 48, leakIn: ['hog'], plain: true } } }), { skill });
    run.start();
    const report = await run.result;
    expect(report.scenarios.hog).toMatchObject({ status: 'failed', failureReason: 'memory_limit_exceeded', itemsProcessed: 0, itemsFailed: 1, batchCount: 1, memoryUsedMb: 64 });
    expect(report.scenarios.hog?.errors).toEqual([
      expect.objectContaining({ batchIndex: 0, message: expect.stringMatching(/ran out of memory in its worker thread during batch 0: its heap reached the scenario's memoryLimitMb \(64 MB\)/) as unknown }),
    ]);
    expect(report.budgets.hog?.memory).toEqual({ held: false, limit: 64, actual: 64, unit: 'MB' });
    expect(report.scenarios.light).toMatchObject({ status: 'complete', itemsProcessed: 12 });
    expect(report.scenarios.steady).toMatchObject({ status: 'complete', itemsProcessed: 12 });
  }, 120_000);

  it('fails the scenario with memory_limit_exceeded, saying its limit is too small to load the skill, when its worker runs out while loading', async () => {
    const skill = await loadSkillModule(PROBE);
    const tiny = { ...scenario('tiny'), memoryLimitMb: 4 };
    const run = createOrchestration(config({ isolation: 'worker', skill: { module: PROBE, params: { plain: true } }, scenarios: [tiny, scenario('light')] }), { skill });
    run.start();
    const report = await run.result;
    // One batch, not retried (a fresh worker would run out too), failed for the load rather than for itself.
    expect(report.scenarios.tiny).toMatchObject({ status: 'failed', failureReason: 'memory_limit_exceeded', itemsProcessed: 0, batchCount: 1, memoryUsedMb: 4 });
    expect(report.scenarios.tiny?.errors).toEqual([
      expect.objectContaining({ batchIndex: 0, message: expect.stringMatching(/^the worker ran out of memory while loading the skill \(memoryLimitMb 4 is too small to load it; /) as unknown }),
    ]);
    expect(report.budgets.tiny?.memory).toEqual({ held: false, limit: 4, actual: 4, unit: 'MB' });
    expect(report.scenarios.light).toMatchObject({ status: 'complete', itemsProcessed: 12 });
  }, 60_000);

  it('runs parallel batches of an isolated scenario in its one worker, counted in order', async () => {
    const skill = await loadSkillModule(PROBE);
    const parallel = { ...scenario('light'), skillParams: { batchSize: 1, parallelWorkers: 4 } };
    const run = createOrchestration(config({ isolation: 'worker', skill: { module: PROBE, params: { plain: true, mode: 'sleep', ms: 20 } }, scenarios: [parallel] }), { skill });
    run.start();
    const report = await run.result;
    expect(report.scenarios.light).toMatchObject({ status: 'complete', itemsProcessed: 12, batchCount: 12, milestonesReached: [0, 30, 50, 70, 90, 100] });
  }, 60_000);

  it('stops a synchronous loop in an isolated scenario at its time budget, while the other scenario completes', async () => {
    const skill = await loadSkillModule(PROBE);
    // In the orchestrator's thread this loop would hold every scenario, and every timer, for a minute.
    const spinning = { ...scenario('hog'), timeBudgetSeconds: 0.5, skillParams: { batchSize: 1, mode: 'spin', ms: 60_000 } };
    const run = createOrchestration(config({ isolation: 'worker', skill: { module: PROBE, params: { plain: true } }, barriers: { at: [] }, scenarios: [spinning, scenario('light')] }), { skill });
    run.start();
    const report = await run.result;
    expect(report.scenarios.hog).toMatchObject({ status: 'failed', failureReason: 'time_budget_exceeded', itemsProcessed: 0 });
    expect(report.scenarios.light).toMatchObject({ status: 'complete', itemsProcessed: 12 });
  }, 30_000);

  it('isolates only the scenario that asks for it, and judges no limit against the shared process heap', async () => {
    const skill = await loadSkillModule(PROBE);
    const run = createOrchestration(
      config({
        skill: { module: PROBE, params: { plain: true } },
        scenarios: [{ ...scenario('hog'), isolation: 'worker' }, scenario('light')],
      }),
      { skill },
    );
    run.start();
    const report = await run.result;
    expect(report.scenarios.hog).toMatchObject({ status: 'complete' });
    expect(report.scenarios.hog?.memoryUsedMb).toBeGreaterThan(0);
    expect(report.budgets.hog?.memory.held).toBe(true);
    // In the orchestrator's thread, with no memoryMb from the skill: not measured, rather than the process heap.
    expect(report.scenarios.light).toMatchObject({ status: 'complete', memoryUsedMb: 0 });
    expect(report.budgets.light?.memory).toEqual({ held: null, limit: 64, actual: 'not measured', unit: 'MB' });
    expect(report.recommendations.some((r) => r.startsWith('The memory limit of "light" was not measured'))).toBe(true);
  }, 60_000);

  it('refuses a skill object made in code, which cannot move to a worker thread', () => {
    const inCode = { name: 'in-code', version: '1', run: () => ({ qualityScore: 1 }) };
    expect(() => createOrchestration(config({ skill: { name: 'simulated' }, isolation: 'worker' }), { skill: inCode })).toThrow(UsageError);
  });
});

describe('isolation "worker" with a TypeScript skill in an ordinary npm project (no "type": "module")', () => {
  const dirs: (() => void)[] = [];
  afterEach(() => dirs.splice(0).forEach((remove) => remove()));

  it('loads the skill as an ES module in its worker, as in the orchestrator\'s thread, so it can import a package that exports only to `import`', async () => {
    const { dir, remove } = tempDir('scenarios-isolation-commonjs-');
    dirs.push(remove);
    // As `npm init -y` writes it: no "type", so tsx alone would load skill.ts as CommonJS and require() its imports.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'my-project', version: '1.0.0', main: 'index.js' }));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    // canonicalize's package.json exports only an `import` condition, like scenario-orchestrator's own dependencies.
    writeFileSync(
      join(dir, 'skill.ts'),
      [
        "import canonicalize from 'canonicalize';",
        'export default {',
        "  name: 'canonical', version: '1.0.0',",
        '  async run(items: unknown[]) {',
        "    return { qualityScore: canonicalize({ b: 1, a: 2 }) === '{\"a\":2,\"b\":1}' ? 1 : 0, processed: items.length };",
        '  },',
        '};',
        '',
      ].join('\n'),
    );
    const module = join(dir, 'skill.ts');
    const skill = await loadSkillModule(module);
    const run = createOrchestration(config({ isolation: 'worker', skill: { module }, barriers: { at: [] }, scenarios: [scenario('light'), { ...scenario('shared'), isolation: 'none' }] }), { skill });
    run.start();
    const report = await run.result;
    for (const name of ['light', 'shared']) {
      expect(report.scenarios[name], name).toMatchObject({ status: 'complete', itemsProcessed: 12, itemsFailed: 0, errors: [] });
    }
    // The isolated scenario's batches ran in its worker, whose own memory is their figure; the other's is not measured.
    expect(report.scenarios.light?.memoryUsedMb).toBeGreaterThan(0);
    expect(report.scenarios.shared?.memoryUsedMb).toBe(0);
  }, 60_000);
});

describe('isolation "worker" from the CLI', () => {
  const dirs: (() => void)[] = [];
  afterEach(() => dirs.splice(0).forEach((remove) => remove()));

  function workspace(config: object): string {
    const { dir, remove } = tempDir('scenarios-isolation-');
    dirs.push(remove);
    // A TypeScript skill beside the config, named by a relative path: the worker loads it through tsx itself.
    writeFileSync(
      join(dir, 'skill.ts'),
      [
        'const kept: number[][] = [];',
        'export default {',
        "  name: 'leaky', version: '1.0.0',",
        '  async run(_items: unknown[], ctx: { scenario: string }) {',
        "    if (ctx.scenario === 'hog') kept.push(new Array(16 * 131_072).fill(1.5));",
        '    return { qualityScore: 0.9 };',
        '  },',
        '};',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  }

  it('fails the leaking scenario alone (exit 1) and reports each scenario its own figure and the process once', async () => {
    const dir = workspace({ skill: { module: './skill.ts' }, isolation: 'worker', barriers: { at: [] }, scenarios: [scenario('hog'), scenario('light')] });
    const { code, stdout, stderr } = await scenarios(['run', 'config.json', '--db', 'memory', '--json'], dir);
    expect(code, stderr).toBe(1);
    const report = ReportSchema.parse(JSON.parse(stdout));
    expect(report.scenarios.hog).toMatchObject({ status: 'failed', failureReason: 'memory_limit_exceeded' });
    expect(report.scenarios.light).toMatchObject({ status: 'complete', itemsProcessed: 12 });
    expect(report.scenarios.light?.memoryUsedMb).toBeGreaterThan(0);
    expect(report.scenarios.light?.memoryUsedMb).toBeLessThan(48);
    expect(report.process?.peakRssMb).toBeGreaterThan(0);
  }, 120_000);

  it('refuses isolation for a command skill (exit 2), which runs in a process of its own', async () => {
    const dir = workspace({ skill: { command: [process.execPath, 'skill.js'] }, isolation: 'worker', scenarios: [scenario('hog')] });
    const { code, stderr } = await scenarios(['run', 'config.json', '--db', 'memory'], dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/isolation "worker" \(scenarios hog\) applies to JavaScript skills; skill\.command already runs in a process of its own/);
  }, 60_000);
});

describe('isolation "worker" across an interrupt and a resume', () => {
  const dirs: (() => void)[] = [];
  afterEach(() => dirs.splice(0).forEach((remove) => remove()));

  it('finishes every batch once, re-running at most the batch each scenario had in flight, in fresh workers', async () => {
    const { dir, remove } = tempDir('scenarios-isolation-resume-');
    dirs.push(remove);
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    const store = new MemorySnapshotStore();
    const skill = await loadSkillModule(PROBE);
    const isolatedConfig = config({
      isolation: 'worker',
      skill: { module: PROBE, params: { plain: true, mode: 'sleep', ms: 15, log } },
      scenarios: [scenario('light'), scenario('steady')],
    });
    const first = await createDurableOrchestration(isolatedConfig, { store, skill, skillModule: PROBE, id: 'isolated-resume' });
    let settled = 0;
    first.subscribe((event) => {
      if (event.type === 'batch.settled' && ++settled === 5) void first.interrupt();
    });
    first.start();
    expect((await first.outcome).kind).toBe('interrupted');

    // Loaded again from the module the run recorded, in new workers.
    const resumed = await resumeOrchestration('isolated-resume', { store });
    const outcome = await resumed.outcome;
    if (outcome.kind !== 'finished') throw new Error(`expected the resumed run to finish, got ${outcome.kind}`);
    for (const name of ['light', 'steady']) {
      const s = outcome.report.scenarios[name];
      expect(s, name).toMatchObject({ status: 'complete', itemsProcessed: 12, batchCount: 12 });
      expect(s?.memoryUsedMb, name).toBeGreaterThan(0);
    }
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    for (const name of ['light', 'steady']) {
      const keys = calls.filter((key) => key.startsWith(`isolated-resume/${name}/`));
      expect(new Set(keys).size, name).toBe(12);
      expect(keys.length - 12, `${name}: batches run twice`).toBeLessThanOrEqual(1);
    }
  }, 120_000);
});
