import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { configJsonSchema } from '../../src/config/jsonSchema.ts';
import { parseConfig, validateConfig } from '../../src/config/parseConfig.ts';
import { configProblems } from '../support/configProblems.ts';

const [simple] = defaultConfig.scenarios;

describe('latencyTargetMsPerItem', () => {
  it('is optional, and the default config sets it where it names latency', () => {
    const config = parseConfig(defaultConfig);
    expect(config.scenarios.map((s) => [s.name, s.qualityMetrics.includes('latency'), s.latencyTargetMsPerItem])).toEqual([
      ['simple', false, undefined],
      ['medium', false, undefined],
      ['complex', true, 1],
    ]);
  });

  it('takes a positive number of ms, fractions too', () => {
    const config = parseConfig({ scenarios: [{ ...simple, qualityMetrics: ['latency'], latencyTargetMsPerItem: 0.25 }] });
    expect(config.scenarios[0]?.latencyTargetMsPerItem).toBe(0.25);
  });

  it.each([
    [0, 'must be a positive number (busy ms per item)'],
    [-1, 'must be a positive number (busy ms per item)'],
    ['2', 'Invalid input: expected number, received string'],
  ])('refuses %j with its path', (value, message) => {
    expect(configProblems({ scenarios: [{ ...simple, latencyTargetMsPerItem: value }] })).toEqual([{ path: 'scenarios[0].latencyTargetMsPerItem', message }]);
  });

  it('refuses an infinite target, which would make any time per item meet it', () => {
    expect(configProblems({ scenarios: [{ ...simple, latencyTargetMsPerItem: Infinity }] })[0]?.path).toBe('scenarios[0].latencyTargetMsPerItem');
  });

  it('accepts latency without a target (reported as not measured, so stored runs stay readable)', () => {
    expect(() => parseConfig({ scenarios: [{ ...simple, qualityMetrics: ['accuracy', 'latency'] }] })).not.toThrow();
  });

  it('can come from a template and vary in a matrix', () => {
    const template: Record<string, unknown> = { ...simple, qualityMetrics: ['latency'], latencyTargetMsPerItem: 2 };
    delete template.name;
    const config = validateConfig({ template, matrix: { latencyTargetMsPerItem: [1, 4] } });
    expect(config.scenarios.map((s) => s.latencyTargetMsPerItem)).toEqual([1, 4]);
  });

  it('is described in the JSON Schema editors read', () => {
    const scenarios = configJsonSchema().properties as { scenarios: { items: { properties: Record<string, { description?: string; exclusiveMinimum?: number }> } } };
    const field = scenarios.scenarios.items.properties.latencyTargetMsPerItem;
    expect(field).toMatchObject({ type: 'number', exclusiveMinimum: 0 });
    expect(field?.description).toMatch(/^Busy ms per item at or under which the latency metric scores 1/);
  });
});
