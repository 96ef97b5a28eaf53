import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputItem } from '../../src/actors/inputData.ts';
import { defineSkill, type Skill } from '../../src/actors/skill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { createDurableOrchestration } from '../../src/api/durableOrchestration.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import type { OrchestrationConfigInput } from '../../src/config/schema.ts';
import { withoutCache } from '../../src/config/withoutCache.ts';
import { MemorySnapshotStore } from '../../src/persistence/MemorySnapshotStore.ts';
import { PgliteSnapshotStore } from '../../src/persistence/PgliteSnapshotStore.ts';
import type { SnapshotStore } from '../../src/persistence/SnapshotStore.ts';
import type { Report } from '../../src/report/schema.ts';
import { fixture, scenarios, tempDir } from '../cli/spawnCli.ts';
import { simConfig, simScenario } from '../support/simulatedRun.ts';

/** A skill that counts its calls per scenario and batch; `fails` makes a call throw. */
function countingSkill(fails: (scenario: string, batchIndex: number) => boolean = () => false): Skill & { calls: string[] } {
  const calls: string[] = [];
  const skill = defineSkill<InputItem>({
    name: 'counting',
    version: '1.0.0',
    async run(items, ctx) {
      calls.push(`${ctx.scenario}/${ctx.batchIndex}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (fails(ctx.scenario, ctx.batchIndex)) throw new Error(`batch ${ctx.batchIndex} broke`);
      return { qualityScore: 0.5 + (items[0]?.value ?? 0) / 4, processed: items.length };
    },
  });
  return Object.assign(skill, { calls });
}

const cached = (skillParams: Record<string, unknown> = {}, errorTolerance = 0): OrchestrationConfigInput =>
  simConfig([
    simScenario('a', 4, { skillParams: { batchSize: 2, cacheEnabled: true, ...skillParams }, inputSize: 8, errorTolerance }),
    simScenario('b', 3, { skillParams: { batchSize: 1, cacheEnabled: true, ...skillParams }, errorTolerance }),
  ]);

async function durableRun(store: SnapshotStore, config: OrchestrationConfigInput, skill: Skill, id: string): Promise<Report> {
  const run = await createDurableOrchestration(config, { store, skill, id });
  run.start();
  const outcome = await run.outcome;
  if (outcome.kind !== 'finished') throw new Error(`run ${id} ended ${outcome.kind}`);
  return outcome.report;
}

const cachedCounts = (report: Report) => Object.entries(report.scenarios).map(([name, s]) => [name, s.batchCount, s.cachedBatches, s.cachedItems]);

describe('a second run with cacheEnabled on one embedded PGlite store', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'cache-api-'));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('calls the skill zero times, reports every batch as cached, and keeps the first run\'s quality', async () => {
    const dir = path.join(root, 'db');
    const first = countingSkill();
    let store = await PgliteSnapshotStore.open(dir);
    let firstReport: Report;
    try {
      firstReport = await durableRun(store, cached(), first, 'first');
    } finally {
      await store.close();
    }
    expect(first.calls).toHaveLength(7);
    expect(cachedCounts(firstReport)).toEqual([['a', 4, 0, 0], ['b', 3, 0, 0]]);

    // Another process, later: the store is opened afresh.
    const second = countingSkill();
    store = await PgliteSnapshotStore.open(dir);
    try {
      const report = await durableRun(store, cached(), second, 'second');
      expect(second.calls).toEqual([]);
      expect(cachedCounts(report)).toEqual([['a', 4, 4, 8], ['b', 3, 3, 3]]);
      expect(Object.values(report.scenarios).map((s) => [s.status, s.itemsProcessed, s.busyMs])).toEqual([['complete', 8, 0], ['complete', 3, 0]]);
      expect(report.scenarios.a?.qualityScores).toEqual(firstReport.scenarios.a?.qualityScores);
      // No busy time per item, rather than 0 ms, and the fit says why both are left out.
      expect(report.comparison.timePerItemMs).toEqual({ a: null, b: null });
      expect(report.comparison.scaling.exponent).toBeNull();
      expect(report.comparison.scaling.notes).toContain('Left out because every batch came from the cache, so the skill never ran: a, b.');
      // The journal says which batches came from the cache, so a resume counts them the same way.
      const rows = await store.loadBatches('second', 'a', 0);
      expect(rows.map((r) => (r.result as { cached?: boolean }).cached)).toEqual([true, true, true, true]);
    } finally {
      await store.close();
    }
  }, 120_000); // two PGlite opens: each can take 30 s on a loaded 2-core machine
});

describe('the batch cache through createDurableOrchestration', () => {
  it('is off with cache: false, and a store whose cache fails runs the batches and says why through onCacheError', async () => {
    const store = new MemorySnapshotStore();
    await durableRun(store, cached(), countingSkill(), 'filled');
    const off = countingSkill();
    const run = await createDurableOrchestration(cached(), { store, skill: off, id: 'off', cache: false });
    run.start();
    await run.outcome;
    expect(off.calls).toHaveLength(7);

    const errors: string[] = [];
    const failing = Object.assign(new MemorySnapshotStore(), {
      loadCachedBatch: () => Promise.reject(new Error('cache table is gone')),
      saveCachedBatch: () => Promise.reject(new Error('cache table is gone')),
    });
    const unlucky = countingSkill();
    const broken = await createDurableOrchestration(cached(), { store: failing, skill: unlucky, id: 'failing', onCacheError: (e) => errors.push(e.message) });
    broken.start();
    const outcome = await broken.outcome;
    expect(outcome.kind).toBe('finished');
    expect(unlucky.calls).toHaveLength(7);
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors)).toEqual(new Set(['cache table is gone']));
  });
});

describe('the batch cache through createOrchestration', () => {
  const run = async (config: OrchestrationConfigInput, options: Parameters<typeof createOrchestration>[1]) => {
    const orchestration = createOrchestration(config, options);
    orchestration.start();
    return orchestration.result;
  };

  it('is not asked or told with cache: false, so every batch calls the skill again', async () => {
    const journal = new MemorySnapshotStore();
    await run(cached(), { skill: countingSkill(), journal, id: 'one' });
    const again = countingSkill();
    const report = await run(cached(), { skill: again, journal, id: 'two', cache: false });
    expect(again.calls).toHaveLength(7);
    expect(cachedCounts(report)).toEqual([['a', 4, 0, 0], ['b', 3, 0, 0]]);
    // Nor told: a third run with the cache finds only what the first stored (all of it), none from the second.
    const third = countingSkill();
    await run(cached(), { skill: third, journal, id: 'three' });
    expect(third.calls).toEqual([]);
  });

  it('never caches a failed batch: the next run calls the skill for it, and only for it', async () => {
    const journal = new MemorySnapshotStore();
    const broken = countingSkill((scenario, index) => scenario === 'b' && index === 1);
    const first = await run(cached({}, 0.5), { skill: broken, journal, id: 'broken' });
    expect(first.scenarios.b).toMatchObject({ status: 'complete', itemsFailed: 1 });
    const fixed = countingSkill();
    const report = await run(cached({}, 0.5), { skill: fixed, journal, id: 'fixed' });
    expect(fixed.calls).toEqual(['b/1']);
    expect(cachedCounts(report)).toEqual([['a', 4, 4, 8], ['b', 3, 2, 2]]);
  });

  it('misses when a param that can change results changes, or the skill version does, but not for parallelWorkers', async () => {
    const journal = new MemorySnapshotStore();
    await run(cached({ threshold: 0.5 }), { skill: countingSkill(), journal, id: 'base' });

    const otherParam = countingSkill();
    await run(cached({ threshold: 0.6 }), { skill: otherParam, journal, id: 'param' });
    expect(otherParam.calls).toHaveLength(7);

    const newer = Object.assign(countingSkill(), { version: '1.0.1' });
    await run(cached({ threshold: 0.5 }), { skill: newer, journal, id: 'version' });
    expect(newer.calls).toHaveLength(7);

    const moreWorkers = countingSkill();
    await run(cached({ threshold: 0.5, parallelWorkers: 2 }), { skill: moreWorkers, journal, id: 'workers' });
    expect(moreWorkers.calls).toEqual([]);
  });

  it('leaves scenarios without cacheEnabled alone: they neither read nor fill the cache', async () => {
    const journal = new MemorySnapshotStore();
    const plain = simConfig([simScenario('a', 4, { skillParams: { batchSize: 2 }, inputSize: 8 })]);
    await run(plain, { skill: countingSkill(), journal, id: 'plain-1' });
    const withCache = countingSkill();
    await run(simConfig([simScenario('a', 4, { skillParams: { batchSize: 2, cacheEnabled: true }, inputSize: 8 })]), { skill: withCache, journal, id: 'cached-1' });
    expect(withCache.calls).toHaveLength(4);
    const plainAgain = countingSkill();
    await run(plain, { skill: plainAgain, journal, id: 'plain-2' });
    expect(plainAgain.calls).toHaveLength(4);
  });
});

describe('scenarios run with cacheEnabled, twice on one PGlite folder, then with --no-cache', () => {
  let work: { dir: string; remove: () => void };
  beforeAll(() => {
    work = tempDir('cache-cli-');
    // The recording skill appends each call's idempotency key to RECORD_FILE: the calls counted by the skill.
    writeFileSync(
      path.join(work.dir, 'cached.json'),
      JSON.stringify({
        seed: 3,
        skill: { module: fixture('recordingSkill.ts'), params: { latencyMs: 1, cacheEnabled: true } },
        barriers: { at: [50], timeoutMs: 5_000 },
        scenarios: [
          { name: 'a', inputSize: 8, timeBudgetSeconds: 60, memoryLimitMb: 100_000, errorTolerance: 0, skillParams: { batchSize: 2 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] },
          { name: 'b', inputSize: 3, timeBudgetSeconds: 60, memoryLimitMb: 100_000, errorTolerance: 0, skillParams: { batchSize: 1 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] },
        ],
      }),
    );
  });
  afterAll(() => work.remove());

  const calls = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
  const cli = (args: string[], record: string) => scenarios(['run', 'cached.json', '--db', 'db', ...args], work.dir, { RECORD_FILE: path.join(work.dir, record) });

  it('the second run calls the skill zero times and its report says every batch came from the cache; --no-cache calls it again', async () => {
    const first = await cli(['--json', '--id', 'first'], 'first.log');
    expect(first.code, first.stderr).toBe(0);
    expect(calls(path.join(work.dir, 'first.log'))).toHaveLength(7);

    const second = await cli(['--id', 'second'], 'second.log');
    expect(second.code, second.stderr).toBe(0);
    expect(calls(path.join(work.dir, 'second.log'))).toEqual([]);
    expect(second.stdout).toContain('  a: 4 of 4 batches (8 items) from the cache\n  b: 3 of 3 batches (3 items) from the cache\n');
    expect(second.stdout).toContain('Scenario "a" took all 4 batches from the cache (cacheEnabled), so the skill never ran');

    const fresh = await cli(['--json', '--id', 'fresh', '--no-cache'], 'fresh.log');
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(calls(path.join(work.dir, 'fresh.log'))).toHaveLength(7);
    const report = JSON.parse(fresh.stdout) as Report;
    expect(cachedCounts(report)).toEqual([['a', 4, 0, 0], ['b', 3, 0, 0]]);
    expect(report.comparison.timePerItemMs.a).toBeGreaterThan(0);

    // The stored report of the second run says the same as its live one.
    const stored = await scenarios(['report', 'second', '--json', '--db', 'db'], work.dir);
    expect(stored.code, stored.stderr).toBe(0);
    expect(cachedCounts(JSON.parse(stored.stdout) as Report)).toEqual([['a', 4, 4, 8], ['b', 3, 3, 3]]);
  }, 120_000);
});

describe('withoutCache (--no-cache)', () => {
  it('turns cacheEnabled off wherever it was on, from the skill params or the scenario, and leaves the rest as it was', () => {
    const config = parseConfig(
      simConfig(
        [
          simScenario('inherits', 2),
          simScenario('own', 2, { skillParams: { batchSize: 1, cacheEnabled: true, temperature: 0.3 } }),
          simScenario('off', 2, { skillParams: { batchSize: 1, cacheEnabled: false } }),
        ],
        { skill: { name: 'simulated', params: { cacheEnabled: true, latencyMs: 1 } } },
      ),
    );
    const off = withoutCache(config);
    expect(off.scenarios.map((s) => ({ ...config.skill.params, ...s.skillParams }).cacheEnabled)).toEqual([false, false, false]);
    expect(off.scenarios[1]?.skillParams).toEqual({ batchSize: 1, cacheEnabled: false, temperature: 0.3 });
    expect(off.scenarios[2]).toBe(config.scenarios[2]);
    expect(off.skill).toEqual(config.skill);
    const none = parseConfig(simConfig([simScenario('plain', 2)]));
    expect(withoutCache(none).scenarios).toEqual(none.scenarios);
  });
});
