import { mkdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScenarioPlan } from '../../src/machines/scenarioPlan.ts';
import type { OrchestrationConfigInput, ScenarioDefinitionInput } from '../../src/config/schema.ts';
import { openDatasets } from '../../src/data/openDatasets.ts';
import type { ScenarioError } from '../../src/errors.ts';
import { ConfigError } from '../../src/errors.ts';
import { dataFolder, jsonLines, labelledRows, scenarioOver } from './datasetFiles.ts';

const folder = dataFolder();
const scenario = scenarioOver;
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
    expect((error as ConfigError).message).toBe(`invalid configuration (my.json):\n  scenarios[0].inputSize: is 3, but ${path} holds only 2 records (scenario "a")`);
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

  it('a missing file, a directory and an unknown extension are config problems at the field that names them, in words', async () => {
    mkdirSync(`${folder.dir}/folder.jsonl`, { recursive: true });
    const error = await openDatasets(
      configOf(
        scenario('missing', { dataset: { file: 'nowhere.jsonl' } }),
        scenario('folder', { dataset: { file: 'folder.jsonl' } }),
        scenario('text', { dataset: { file: 'rows.txt' } }),
      ),
      { cwd: folder.dir, source: 'run.json' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        path: 'scenarios[2].dataset.file',
        message: `${folder.dir}/rows.txt: cannot tell its format from ".txt"; use .jsonl or .ndjson (one JSON value per line), .json (an array) or .csv (a header row) (scenario "text")`,
      },
      { path: 'scenarios[0].dataset.file', message: `${folder.dir}/nowhere.jsonl: no such file (scenario "missing")` },
      { path: 'scenarios[1].dataset.file', message: `${folder.dir}/folder.jsonl: is a directory, not a file (scenario "folder")` },
    ]);
  });

  it("a stored run's file that is gone has changed since the run started (the run stays resumable once it is back)", async () => {
    const path = folder.write('goes.jsonl', jsonLines(labelledRows(5)));
    const first = await openDatasets(configOf(scenario('a', { dataset: { file: path } })));
    first.close();
    rmSync(path);
    const error = (await openDatasets(first.config).catch((e: unknown) => e)) as ScenarioError;
    expect(error.code).toBe('dataset_changed');
    expect(error.message).toBe(`dataset file ${path} of scenario "a" changed since the run started: no such file`);
  });
});

describe('a problem with a scenario a matrix made is named where the user wrote it, and which scenarios it hits', () => {
  const template = { timeBudgetSeconds: 60, memoryLimitMb: 512, errorTolerance: 0, skillParams: { batchSize: 10 }, expectedQuality: 'basic', qualityMetrics: ['accuracy'] } as const;
  folder.write('d100.jsonl', jsonLines(labelledRows(100)));
  folder.write('d300.jsonl', jsonLines(labelledRows(300)));
  const problems = async (config: unknown) => {
    const error = await openDatasets(config as OrchestrationConfigInput, { cwd: folder.dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  };

  it('an inputSize from the matrix, beside scenarios of the config\'s own: at its matrix value', async () => {
    const own = scenario('own', { inputSize: 5 });
    expect(await problems({ seed: 1, scenarios: [own], template, matrix: { inputSize: [50, 500], 'dataset.file': ['d100.jsonl'] } })).toEqual([
      { path: 'matrix.inputSize[1]', message: `is 500, but ${folder.dir}/d100.jsonl holds only 100 records (scenario "inputSize-500_file-d100")` },
    ]);
  });

  it("an inputSize from the template: at the template, once, naming each scenario it is too large for", async () => {
    const config = { seed: 1, template: { ...template, inputSize: 200 }, matrix: { 'skillParams.batchSize': [10, 20], 'dataset.file': ['d100.jsonl', 'd300.jsonl'] } };
    expect(await problems(config)).toEqual([
      { path: 'template.inputSize', message: `is 200, but ${folder.dir}/d100.jsonl holds only 100 records (scenarios "batchSize-10_file-d100", "batchSize-20_file-d100")` },
    ]);
  });

  it('a missing file: at the matrix value or the template field that names it', async () => {
    expect(await problems({ seed: 1, template, matrix: { 'dataset.file': ['d100.jsonl', 'gone.jsonl'] } })).toEqual([
      { path: 'matrix["dataset.file"][1]', message: `${folder.dir}/gone.jsonl: no such file (scenario "file-gone")` },
    ]);
    expect(await problems({ seed: 1, template: { ...template, dataset: { file: 'gone.jsonl' } }, matrix: { inputSize: [1, 2] } })).toEqual([
      { path: 'template.dataset.file', message: `${folder.dir}/gone.jsonl: no such file (scenarios "inputSize-1", "inputSize-2")` },
    ]);
  });
});
