import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/loadConfigFile.ts';
import { MAX_MATRIX_COMBINATIONS } from '../../src/config/matrix.ts';
import { parseConfig, validateConfig } from '../../src/config/parseConfig.ts';
import { ConfigError } from '../../src/errors.ts';
import { configProblems } from '../support/configProblems.ts';

/** Every scenario field but the name and the ones a test varies. */
const template = {
  inputSize: 100,
  timeBudgetSeconds: 30,
  memoryLimitMb: 256,
  errorTolerance: 0.1,
  expectedQuality: 'good',
  qualityMetrics: ['accuracy'],
  skillParams: { batchSize: 10, temperature: 0.2 },
} as const;

const names = (input: unknown) => validateConfig(input).scenarios.map((scenario) => scenario.name);

function validationProblems(input: unknown) {
  try {
    validateConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('a scenario matrix', () => {
  it('expands to one scenario per combination, first key slowest, each named from its values', () => {
    const config = validateConfig({
      template,
      matrix: { 'skillParams.batchSize': [10, 50, 100], 'dataset.file': ['data/a.jsonl', 'b.csv'] },
    });
    expect(config.scenarios.map((s) => [s.name, s.skillParams.batchSize, s.dataset])).toEqual([
      ['batchSize-10_file-a', 10, { file: 'data/a.jsonl', sample: 'first' }],
      ['batchSize-10_file-b', 10, { file: 'b.csv', sample: 'first' }],
      ['batchSize-50_file-a', 50, { file: 'data/a.jsonl', sample: 'first' }],
      ['batchSize-50_file-b', 50, { file: 'b.csv', sample: 'first' }],
      ['batchSize-100_file-a', 100, { file: 'data/a.jsonl', sample: 'first' }],
      ['batchSize-100_file-b', 100, { file: 'b.csv', sample: 'first' }],
    ]);
    // The template's other fields reach every scenario; a varied param replaces only itself.
    for (const scenario of config.scenarios) expect(scenario).toMatchObject({ inputSize: 100, timeBudgetSeconds: 30, skillParams: { temperature: 0.2 } });
  });

  it('keeps the matrix (for the report) and drops the template, so validating the result again changes nothing', () => {
    const once = validateConfig({ template, matrix: { inputSize: [100, 300] } });
    expect(once).not.toHaveProperty('template');
    expect(once.matrix).toEqual({ inputSize: [100, 300] });
    // createOrchestration and a resume parse the config they are given again.
    const twice = parseConfig(JSON.parse(JSON.stringify(once)));
    expect(twice).toEqual(once);
  });

  it('runs beside the config\'s own scenarios, which come first and keep their names', () => {
    const own = { ...template, name: 'inputSize-100' };
    expect(names({ template, matrix: { inputSize: [100, 300] }, scenarios: [own] })).toEqual(['inputSize-100', 'inputSize-100-2', 'inputSize-300']);
  });

  it('names scenarios only with the characters a name allows, under 64 characters, and unique', () => {
    expect(names({ template, matrix: { 'skillParams.model': ['gpt 4o/mini', 'gpt-4o/mini', { t: 1 }] } })).toEqual([
      'model-gpt-4o-mini',
      'model-gpt-4o-mini-2',
      'model-t-1',
    ]);
    expect(names({ template, matrix: { 'skillParams.offset': [-1, 1, 1e21] } })).toEqual(['offset--1', 'offset-1', 'offset-1e-21']);
    const long = names({ template, matrix: { 'skillParams.prompt': ['x'.repeat(100), `${'x'.repeat(100)}y`] } });
    expect(long.map((name) => name.length)).toEqual([64, 64]);
    expect(new Set(long).size).toBe(2);
  });

  it('tells keys with the same last segment apart by their whole path', () => {
    expect(names({ template, matrix: { 'dataset.distribution': ['skewed'], 'skillParams.distribution': ['wide'] } })).toEqual([
      'dataset.distribution-skewed_skillParams.distribution-wide',
    ]);
  });

  it('needs no scenarios of its own, but a template beside a matrix and a matrix beside a template', () => {
    expect(validationProblems({ matrix: { inputSize: [1] } })).toEqual([
      { path: 'template', message: 'is required beside matrix: the scenario fields every combination shares (all but "name")' },
    ]);
    expect(validationProblems({ template })).toEqual([{ path: 'matrix', message: 'is required beside template: the scenario fields to vary, each with its values' }]);
    expect(configProblems({ scenarios: [] })).toEqual([{ path: 'scenarios', message: 'must hold at least one scenario' }]);
  });

  it('reports a value that does not fit its field where it was written, not in the scenarios it would make', () => {
    expect(validationProblems({ template, matrix: { 'skillParams.batchSize': [10, 0, 2.5], 'dataset.file': ['a.jsonl', 3] } })).toEqual([
      { path: 'matrix["skillParams.batchSize"][1]', message: 'must be a positive integer' },
      { path: 'matrix["skillParams.batchSize"][2]', message: 'must be a positive integer' },
      { path: 'matrix["dataset.file"][1]', message: expect.stringContaining('expected string') as string },
    ]);
  });

  it('reports unknown, overlapping and empty parameters at their keys', () => {
    // A param of the user's own (skillParams.<anything>) is passed to the skill as it is.
    expect(validationProblems({ template, matrix: { 'skillParams.myOwn': [1], 'dataset.nope': [1], batchSize: [1], name: ['a'], 'inputSize.x': [1] } })).toEqual([
      { path: 'matrix["dataset.nope"]', message: 'unknown parameter "dataset.nope": a dataset has "file", "sample" or "distribution"' },
      { path: 'matrix.batchSize', message: expect.stringMatching(/^unknown parameter "batchSize": expected a scenario field \(.*inputSize, .*skillParams.*\), "dataset.<field>" or "skillParams.<param>"$/) as string },
      { path: 'matrix.name', message: 'cannot vary the name: each combination is named from its values' },
      { path: 'matrix["inputSize.x"]', message: 'unknown parameter "inputSize.x": "inputSize" has no fields to vary one by one (vary "inputSize" as a whole)' },
    ]);
    expect(validationProblems({ template, matrix: { dataset: [{ distribution: 'skewed' }], 'dataset.file': ['a.jsonl'] } })).toEqual([
      { path: 'matrix["dataset.file"]', message: 'overlaps matrix["dataset"]: vary a field or its parent, not both' },
    ]);
    expect(validationProblems({ template, matrix: { inputSize: [], errorTolerance: [0, 2] } })).toEqual([
      { path: 'matrix.inputSize', message: 'must list at least one value' },
      { path: 'matrix.errorTolerance[1]', message: 'must be between 0 and 1' },
    ]);
  });

  it('says how many scenarios a matrix makes when it makes too many', () => {
    const values = Array.from({ length: 40 }, (_, i) => i + 1);
    expect(MAX_MATRIX_COMBINATIONS).toBe(1_000);
    expect(validationProblems({ template, matrix: { inputSize: values, 'skillParams.batchSize': values } })).toEqual([
      { path: 'matrix', message: 'makes 1,600 scenarios (40 × 40): at most 1,000 fit in one config; vary fewer values, or split it into several configs' },
    ]);
    expect(names({ template, matrix: { inputSize: values, 'skillParams.batchSize': values.slice(0, 25) } })).toHaveLength(1_000);
  });

  it('reports a template problem once, at the template, also a field every combination lacks', () => {
    const withoutBudget: Record<string, unknown> = { ...template };
    delete withoutBudget.timeBudgetSeconds;
    expect(validationProblems({ template: { ...withoutBudget, memoryLimitMb: -1 }, matrix: { inputSize: [1, 2, 3] } })).toEqual([
      { path: 'template.memoryLimitMb', message: 'must be a positive number' },
    ]);
    expect(validationProblems({ template: withoutBudget, matrix: { inputSize: [1, 2, 3] } })).toEqual([{ path: 'template.timeBudgetSeconds', message: 'is required (expected number)' }]);
    expect(validationProblems({ template: { ...template, name: 'x' }, matrix: { inputSize: [1] } })).toEqual([{ path: 'template', message: 'unknown key "name"' }]);
  });

  it('names what the template lacks beside a matrix value that does not fit, not only once the value is fixed', () => {
    expect(validationProblems({ template: { timeBudgetSeconds: 30, qualityMetrics: ['accuracy'] }, matrix: { 'skillParams.batchSize': [10, -1], memoryLimitMb: [64] } })).toEqual([
      { path: 'matrix["skillParams.batchSize"][1]', message: 'must be a positive integer' },
      // skillParams and memoryLimitMb come from the matrix.
      { path: 'template.errorTolerance', message: 'is required (expected number)' },
      { path: 'template.expectedQuality', message: 'is required (one of "basic", "good", "excellent")' },
    ]);
  });

  it('reports a problem that only a combination has at the template field it comes from', () => {
    // The template's generated dataset cannot take a file: the combination fails at dataset.
    expect(validationProblems({ template: { ...template, dataset: { distribution: 'skewed' } }, matrix: { 'dataset.file': ['a.jsonl'] } })).toEqual([
      { path: 'template.dataset', message: expect.stringContaining('must be { "file"') as string },
    ]);
  });

  it('accepts "$schema" (for editors) and ignores it', () => {
    expect(validateConfig({ $schema: './scenarios.schema.json', template, matrix: { inputSize: [5] } }).scenarios).toHaveLength(1);
  });
});

describe('a matrix in a config file', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scenario-matrix-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves relative dataset files against the config file\'s folder, and reads comments', async () => {
    const file = join(dir, 'matrix.jsonc');
    writeFileSync(
      file,
      [
        '// two files, two batch sizes',
        '{',
        '  "template": ' + JSON.stringify(template) + ',',
        '  /* varied */ "matrix": { "dataset.file": ["data/a.jsonl", "/abs/b.jsonl"], "skillParams.batchSize": [5, 10], },',
        '}',
      ].join('\n'),
    );
    const config = await loadConfigFile('matrix.jsonc', dir);
    expect(config.scenarios.map((s) => [s.name, 'file' in s.dataset ? s.dataset.file : null])).toEqual([
      ['file-a_batchSize-5', join(dir, 'data', 'a.jsonl')],
      ['file-a_batchSize-10', join(dir, 'data', 'a.jsonl')],
      ['file-b_batchSize-5', '/abs/b.jsonl'],
      ['file-b_batchSize-10', '/abs/b.jsonl'],
    ]);
  });

  it('names the line and column of a syntax error', async () => {
    writeFileSync(join(dir, 'broken.jsonc'), '{\n  // fine\n  "seed": 1\n  "scenarios": []\n}');
    await expect(loadConfigFile('broken.jsonc', dir)).rejects.toThrow('(file): line 4, column 3: not valid JSON: expected "," between entries');
  });

  it('keeps a "__proto__" param from a file as the skill\'s param', async () => {
    writeFileSync(join(dir, 'proto.jsonc'), `{ "template": ${JSON.stringify(template)}, "matrix": { "inputSize": [1] }, "skill": { "name": "simulated", "params": { "__proto__": "kept" } } }`);
    const config = await loadConfigFile('proto.jsonc', dir);
    expect(Object.hasOwn(config.skill.params ?? {}, '__proto__')).toBe(true);
  });
});
