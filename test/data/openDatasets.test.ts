import { describe, expect, it } from 'vitest';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import type { OrchestrationConfigInput, ScenarioDefinitionInput } from '../../src/config/schema.ts';
import { openDatasets } from '../../src/data/openDatasets.ts';
import type { ScenarioError } from '../../src/errors.ts';
import { ConfigError } from '../../src/errors.ts';
import { dataFolder, jsonLines, labelledRows } from './datasetFiles.ts';

const folder = dataFolder();
const scenario = (name: string, overrides: Partial<ScenarioDefinitionInput>): ScenarioDefinitionInput => ({
  name,
  timeBudgetSeconds: 60,
  memoryLimitMb: 512,
  errorTolerance: 0,
  skillParams: { batchSize: 10 },
  expectedQuality: 'basic',
  qualityMetrics: ['accuracy'],
  ...overrides,
});
const configOf = (...scenarios: ScenarioDefinitionInput[]): OrchestrationConfigInput => ({ seed: 7, scenarios });
const plan = (name: string) => ({ name }) as ScenarioPlan;

describe('openDatasets', () => {
  it('fills each inputSize with its file record count, records the fingerprint, and resolves relative paths against cwd', async () => {
    folder.write('hundred.jsonl', jsonLines(labelledRows(100)));
    const opened = await openDatasets(configOf(scenario('a', { dataset: { file: 'hundred.jsonl' } }), scenario('gen', { inputSize: 5 })), { cwd: folder.dir });
    const [a, gen] = opened.config.scenarios;
    expect(a?.inputSize).toBe(100);
    expect(a?.dataset).toMatchObject({ file: `${folder.dir}/hundred.jsonl`, fingerprint: { records: 100 } });
    expect(gen?.inputSize).toBe(5);
    expect(await opened.items(plan('a'), 98, 10)).toEqual(labelledRows(100).slice(98));
    opened.close();
  });

  it('reads a file shared by scenarios once', async () => {
    const path = folder.write('shared.jsonl', jsonLines(labelledRows(30)));
    const told: string[] = [];
    const opened = await openDatasets(configOf(scenario('a', { dataset: { file: path } }), scenario('b', { dataset: { file: path }, inputSize: 10 })), {
      onProgress: (p) => p.done && told.push(p.file),
    });
    expect(told).toEqual([path]);
    expect(opened.config.scenarios.map((s) => s.inputSize)).toEqual([30, 10]);
  });

  it('refuses an inputSize larger than the file, naming the file and its count', async () => {
    const path = folder.write('small.csv', 'text,label\na,b\nc,d\n');
    const error = await openDatasets(configOf(scenario('a', { dataset: { file: path }, inputSize: 3 })), { source: 'my.json' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(`invalid configuration (my.json):\n  scenarios[0].inputSize: is 3, but ${path} holds only 2 records`);
  });

  it('a smaller inputSize takes the first records, or a seeded sample in file order with sample: "random"', async () => {
    const rows = labelledRows(5_000);
    const path = folder.write('five-thousand.jsonl', jsonLines(rows));
    const config = configOf(
      scenario('first', { dataset: { file: path }, inputSize: 1_500 }),
      scenario('r1', { dataset: { file: path, sample: 'random' }, inputSize: 1_500 }),
      scenario('r2', { dataset: { file: path, sample: 'random' }, inputSize: 1_500 }),
    );
    const opened = await openDatasets(config);
    expect(await opened.items(plan('first'), 0, 1_500)).toEqual(rows.slice(0, 1_500));
    const sample = (await opened.items(plan('r1'), 0, 1_500)) as typeof rows;
    const ids = sample.map((r) => r.id);
    expect(new Set(ids).size).toBe(1_500);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    // Spread over the file, not its start.
    expect(ids.at(-1)).toBeGreaterThan(4_000);
    expect(ids[0]).toBeLessThan(1_000);
    // Seeded by the scenario's name as well as the config's seed.
    expect(((await opened.items(plan('r2'), 0, 1_500)) as typeof rows).map((r) => r.id)).not.toEqual(ids);

    // The same sample in another process (a fresh open), and read batch by batch, in any order.
    const again = await openDatasets(config);
    const batches = [];
    for (const start of [1_400, 0, 1_000, 100, 1_100]) batches.push({ start, items: await again.items(plan('r1'), start, 100) });
    for (const { start, items } of batches) expect(items).toEqual(sample.slice(start, start + 100));
    const other = await openDatasets({ ...config, seed: 8 });
    expect(((await other.items(plan('r1'), 0, 1_500)) as typeof rows).map((r) => r.id)).not.toEqual(ids);
  });

  it('refuses a file whose recorded fingerprint no longer matches, saying what changed', async () => {
    const path = folder.write('changes.jsonl', jsonLines(labelledRows(20)));
    const first = await openDatasets(configOf(scenario('a', { dataset: { file: path } })));
    folder.write('changes.jsonl', jsonLines(labelledRows(21)));
    const error = (await openDatasets(first.config).catch((e: unknown) => e)) as ScenarioError;
    expect(error.code).toBe('dataset_changed');
    expect(error.message).toContain(`dataset file ${path} of scenario "a" changed since the run started`);
    expect(error.message).toMatch(/its size went from \d+ to \d+ bytes; its record count went from 20 to 21; its content differs/);
  });

  it('fails on a malformed record before anything can run', async () => {
    const path = folder.write('broken.jsonl', '{"a":1}\n{"a":\n');
    const error = (await openDatasets(configOf(scenario('a', { dataset: { file: path } }))).catch((e: unknown) => e)) as ScenarioError;
    expect(error.code).toBe('dataset_invalid');
    expect(error.message).toContain(`${path}, line 2: not valid JSON`);
  });
});
