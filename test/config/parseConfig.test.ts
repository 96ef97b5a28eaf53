import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { formatPath, parseConfig } from '../../src/config/parseConfig.ts';
import { ConfigError } from '../../src/errors.ts';
import { configProblems } from '../support/configProblems.ts';

const scenario = defaultConfig.scenarios[0];


describe('parseConfig', () => {
  it('accepts the built-in default config unchanged', () => {
    expect(parseConfig(defaultConfig)).toMatchObject({ seed: 42, milestones: [0, 30, 50, 70, 90, 100], barriers: { at: [30, 70], timeoutMs: 30_000 } });
  });

  it('fills every default a user may leave out', () => {
    const bare: Record<string, unknown> = { ...scenario };
    delete bare.dataset;
    const config = parseConfig({ scenarios: [bare] });
    expect(config).toMatchObject({
      seed: 42,
      skill: { name: 'simulated' },
      milestones: [0, 30, 50, 70, 90, 100],
      barriers: { at: [30, 70], timeoutMs: 30_000 },
      retry: { maxAttempts: 3, backoffMs: 100 },
    });
    expect(config.scenarios[0]?.dataset).toEqual({ distribution: 'uniform' });
  });

  it('takes difficulty and complexityMultiplier as optional labels, checked only when given', () => {
    const bare: Record<string, unknown> = { ...scenario };
    delete bare.difficulty;
    delete bare.complexityMultiplier;
    const config = parseConfig({ scenarios: [bare] });
    expect(config.scenarios[0]).not.toHaveProperty('difficulty');
    expect(config.scenarios[0]).not.toHaveProperty('complexityMultiplier');
    expect(parseConfig(defaultConfig).scenarios.map((s) => [s.difficulty, s.complexityMultiplier])).toEqual([
      ['easy', 1],
      ['intermediate', 3],
      ['advanced', 8],
    ]);
    expect(configProblems({ scenarios: [{ ...scenario, complexityMultiplier: 0 }] })).toEqual([{ path: 'scenarios[0].complexityMultiplier', message: 'must be a positive number' }]);
  });

  it('keeps unknown skill params (they are passed to the skill)', () => {
    const config = parseConfig({ scenarios: [{ ...scenario, skillParams: { batchSize: 5, temperature: 0.2 } }] });
    expect(config.scenarios[0]?.skillParams).toEqual({ batchSize: 5, temperature: 0.2 });
  });

  it('reports a missing scenarios list at its path', () => {
    expect(configProblems({})).toEqual([{ path: 'scenarios', message: 'is required (expected array)' }]);
  });

  it('reports a non-object config at (root)', () => {
    expect(configProblems(42)).toEqual([{ path: '(root)', message: expect.stringContaining('expected object') as string }]);
  });

  it('reports every problem at once, each at the field path a user writes', () => {
    const found = configProblems({
      ...defaultConfig,
      extra: true,
      milestones: [0, 50, 30],
      barriers: { at: [30], timeoutMs: -1 },
      scenarios: [
        { ...scenario, skillParams: { batchSize: 0 } },
        { ...scenario, name: 'other', errorTolerance: 2, difficulty: 'hard' },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        { path: '(root)', message: 'unknown key "extra"' },
        { path: 'milestones', message: 'must be strictly ascending' },
        { path: 'barriers.timeoutMs', message: 'must be a positive integer' },
        { path: 'scenarios[0].skillParams.batchSize', message: 'must be a positive integer' },
        { path: 'scenarios[1].errorTolerance', message: 'must be between 0 and 1' },
        { path: 'scenarios[1].difficulty', message: expect.stringContaining('"easy"') as string },
      ]),
    );
    expect(found).toHaveLength(6);
  });

  it('says which required fields of a scenario are missing and what they take', () => {
    const found = configProblems({ scenarios: [{ name: 'x' }] });
    expect(found.map((p) => p.path)).toEqual([
      'scenarios[0].timeBudgetSeconds',
      'scenarios[0].memoryLimitMb',
      'scenarios[0].errorTolerance',
      'scenarios[0].skillParams',
      'scenarios[0].expectedQuality',
      'scenarios[0].qualityMetrics',
      'scenarios[0].inputSize',
    ]);
    expect(found[0]?.message).toBe('is required (expected number)');
    expect(found.find((p) => p.path === 'scenarios[0].expectedQuality')?.message).toBe('is required (one of "basic", "good", "excellent")');
  });

  it('reports a barrier that is not one of the milestones at barriers.at[i]', () => {
    expect(configProblems({ ...defaultConfig, barriers: { at: [30, 40], timeoutMs: 1_000 } })).toEqual([
      { path: 'barriers.at[1]', message: 'must be one of the milestones (0, 30, 50, 70, 90, 100)' },
    ]);
  });

  it('reports a duplicate scenario name at the second one, naming the first', () => {
    expect(configProblems({ ...defaultConfig, scenarios: [scenario, { ...scenario }] })).toEqual([
      { path: 'scenarios[1].name', message: 'must be unique ("simple" is also scenarios[0].name)' },
    ]);
  });

  it.each([
    ['an empty scenario list', { scenarios: [] }, 'scenarios', 'must hold at least one scenario'],
    ['a scenario name with spaces', { scenarios: [{ ...scenario, name: 'my scenario' }] }, 'scenarios[0].name', 'must start with a letter or digit'],
    ['a non-integer seed', { seed: 1.5 }, 'seed', 'must be an integer'],
    ['zero attempts', { retry: { maxAttempts: 0 } }, 'retry.maxAttempts', 'must be at least 1'],
    ['a milestone over 100', { milestones: [0, 150] }, 'milestones[1]', 'must be between 0 and 100'],
    ['an unknown distribution', { scenarios: [{ ...scenario, dataset: { distribution: 'normal' } }] }, 'scenarios[0].dataset.distribution', '"uniform"'],
    ['a negative time budget', { scenarios: [{ ...scenario, timeBudgetSeconds: -1 }] }, 'scenarios[0].timeBudgetSeconds', 'must be a positive number'],
    ['no quality metrics', { scenarios: [{ ...scenario, qualityMetrics: [] }] }, 'scenarios[0].qualityMetrics', 'must name at least one metric'],
    ['an unknown scenario key', { scenarios: [{ ...scenario, budget: 3 }] }, 'scenarios[0]', 'unknown key "budget"'],
  ])('rejects %s', (_, overrides, path, message) => {
    const found = configProblems({ ...defaultConfig, ...overrides });
    expect(found).toContainEqual({ path, message: expect.stringContaining(message) as string });
  });

  it('throws a ConfigError with code config_invalid whose message lists each problem under its source', () => {
    let error: unknown;
    try {
      parseConfig({ scenarios: [{ ...scenario, inputSize: 0 }] }, 'my-scenarios.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('config_invalid');
    expect((error as ConfigError).message).toBe('invalid configuration (my-scenarios.json):\n  scenarios[0].inputSize: must be a positive integer');
  });
});

describe('formatPath', () => {
  it('renders zod paths the way users write them', () => {
    expect(formatPath(['scenarios', 1, 'skillParams', 'batchSize'])).toBe('scenarios[1].skillParams.batchSize');
    expect(formatPath(['barriers', 'at', 0])).toBe('barriers.at[0]');
    expect(formatPath([])).toBe('(root)');
  });
});

describe('barriers', () => {
  it('refuses a barrier at 0 %, where every scenario starts together anyway', () => {
    expect(() => parseConfig({ ...defaultConfig, barriers: { at: [0, 30] } })).toThrow(/barriers\.at\[0\]: must be greater than 0/);
  });
});

describe('skill', () => {
  it('checks the params the orchestrator reads in skill.params too (cacheEnabled, parallelWorkers), like a scenario\'s skillParams', () => {
    expect(configProblems({ ...defaultConfig, skill: { name: 'simulated', params: { cacheEnabled: 'yes', parallelWorkers: 100 } } })).toEqual([
      { path: 'skill.params.cacheEnabled', message: expect.stringContaining('expected boolean') as string },
      { path: 'skill.params.parallelWorkers', message: 'must be at most 64' },
    ]);
    expect(parseConfig({ ...defaultConfig, skill: { name: 'simulated', params: { cacheEnabled: true, parallelWorkers: 4, anything: 'x' } } }).skill.params).toEqual({ cacheEnabled: true, parallelWorkers: 4, anything: 'x' });
  });

  it('says what a skill reference must look like when it names both a built-in and a module', () => {
    expect(() => parseConfig({ ...defaultConfig, skill: { name: 'simulated', module: './x.ts' } })).toThrow(/skill: must be \{ "name": "<built-in skill>" \}, \{ "module": "<path to a skill module>" \} or \{ "command": \[/);
  });
});
