import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { defineSkill } from '../../src/actors/skill.ts';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { scenarios, tempDir } from '../cli/spawnCli.ts';
import { configProblems } from '../support/configProblems.ts';

// Issue 8, item 10: `batchSize: 1e9` with `inputSize: 1e9` used to abort V8 (exit 134, a native stack)
// while the skill's first batch of a billion items was generated. Sizes are now bounded by the schema.

const base = defaultConfig.scenarios[0];
const huge = { ...base, name: 'huge', inputSize: 1e9, memoryLimitMb: 512, skillParams: { batchSize: 1e9 } };


describe('size limits in the schema', () => {
  it('refuses an input and a batch too big for one process, saying why', () => {
    expect(configProblems({ scenarios: [huge] })).toEqual([
      {
        path: 'scenarios[0].inputSize',
        message: 'must be at most 10,000,000: more than one process should run (split it into several scenarios or runs)',
      },
      {
        path: 'scenarios[0].skillParams.batchSize',
        message:
          "must be at most 100,000: a batch's items are generated and held in memory at once, so a larger batch could exhaust the process's memory",
      },
    ]);
  });

  it('accepts both limits exactly, and names one problem for a size past 2^53', () => {
    expect(() => parseConfig({ scenarios: [{ ...base, inputSize: 10_000_000, skillParams: { batchSize: 100_000 } }] })).not.toThrow();
    expect(configProblems({ scenarios: [{ ...base, inputSize: 10_000_001, skillParams: { batchSize: 100_001 } }] }).map((p) => p.path)).toEqual([
      'scenarios[0].inputSize',
      'scenarios[0].skillParams.batchSize',
    ]);
    expect(configProblems({ scenarios: [{ ...base, skillParams: { batchSize: 1e21 } }] })).toEqual([
      { path: 'scenarios[0].skillParams.batchSize', message: 'must be a positive integer' },
    ]);
  });

  it('generates a batch only when it runs: the largest input allowed costs nothing up front', async () => {
    const sizes: number[] = [];
    const firstIds: number[] = [];
    const skill = defineSkill({
      name: 'count',
      version: '1',
      run(items) {
        sizes.push(items.length);
        firstIds.push(items[0]?.id ?? -1);
        if (sizes.length === 3) run.cancel();
        return { qualityScore: 1 };
      },
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const run = createOrchestration(
      {
        barriers: { at: [] },
        scenarios: [{ ...base, name: 'max', inputSize: 10_000_000, timeBudgetSeconds: 60, memoryLimitMb: 100_000, skillParams: { batchSize: 100_000 } }],
      },
      { skill },
    );
    run.start();
    const report = await run.result;
    expect(report.scenarios.max?.status).toBe('failed');
    expect(sizes).toEqual([100_000, 100_000, 100_000]);
    expect(firstIds).toEqual([0, 100_000, 200_000]);
    // Ten million items would be hundreds of MB; a few batches of 100,000 are a few MB each.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1_048_576);
  });
});

describe('scenarios run with sizes past the limits', () => {
  const workspace = tempDir('scenarios-sizes-');
  afterAll(() => workspace.remove());

  it('exits 2 with the problems named, before any batch runs (no native stack)', async () => {
    writeFileSync(join(workspace.dir, 'cfg.json'), JSON.stringify({ scenarios: [huge] }));
    const { code, stdout, stderr } = await scenarios(['run', 'cfg.json', '--db', 'memory'], workspace.dir, {}, 60_000);
    expect(stdout).toBe('');
    expect(stderr).toContain('invalid configuration (cfg.json)');
    expect(stderr).toContain('scenarios[0].inputSize: must be at most 10,000,000');
    expect(stderr).toContain('scenarios[0].skillParams.batchSize: must be at most 100,000');
    expect(stderr).not.toMatch(/FATAL ERROR|Native stack|heap out of memory/);
    expect(code).toBe(2);
  }, 60_000);
});
