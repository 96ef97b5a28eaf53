import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { starterConfig } from '../../src/cli/starterFiles.ts';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { parseJsonc } from '../../src/config/jsonc.ts';
import { repoRoot, scenarios, tempDir } from './spawnCli.ts';

const temp = tempDir('scenarios-schema-');
afterAll(() => temp.remove());

interface JsonSchema {
  $schema?: string;
  description?: string;
  default?: unknown;
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
}

describe('scenarios schema', () => {
  it('prints the JSON Schema the package ships as scenarios.schema.json (regenerate it: npm run docs:schema)', async () => {
    const printed = await scenarios(['schema'], temp.dir);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(readFileSync(join(repoRoot, 'scenarios.schema.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('scenarios.schema.json');
  });

  it('describes configs as users write them: unions, defaults, descriptions, a matrix instead of scenarios', () => {
    const schema = JSON.parse(readFileSync(join(repoRoot, 'scenarios.schema.json'), 'utf8')) as JsonSchema;
    const properties = schema.properties ?? {};
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    // Defaults may be left out, and editors show them.
    expect(properties.seed).toMatchObject({ type: 'integer', default: 42 });
    // A skill is a built-in, a module or a command.
    expect(properties.skill?.anyOf?.map((option) => option.required)).toEqual([['name'], ['module'], ['command']]);
    // A scenario's dataset is a file or generated.
    const scenario = properties.scenarios?.items;
    expect(scenario?.required).toContain('name');
    // Editors show what a field means.
    expect(properties.seed?.description).toContain('same seed gives the same data');
    expect(scenario?.properties?.skillParams?.properties?.batchSize?.description).toBe('Items per call of the skill');
    expect(properties.template?.properties?.timeBudgetSeconds?.description).toBe(scenario?.properties?.timeBudgetSeconds?.description);
    expect(scenario?.properties?.dataset?.anyOf?.map((option) => Object.keys(option.properties ?? {}))).toEqual([['file', 'sample', 'fingerprint'], ['distribution']]);
    // "$schema" is allowed, and scenarios may come from a template and a matrix.
    expect(properties.$schema).toMatchObject({ type: 'string', description: expect.stringContaining('ignored') as string });
    expect(schema.required ?? []).not.toContain('scenarios');
    expect(schema.anyOf).toEqual([{ required: ['scenarios'] }, { required: ['template', 'matrix'] }]);
    expect(properties.template?.required ?? []).toEqual([]);
    expect(properties.template?.properties).not.toHaveProperty('name');
    expect(properties.matrix?.description).toContain('one scenario per combination');
  });
});

describe('the shipped JSON Schema, as an editor applies it', () => {
  const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(join(repoRoot, 'scenarios.schema.json'), 'utf8')) as object);
  const errorsOf = (config: unknown) => (validate(config) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`));

  it('accepts the built-in default config, the config scenarios init writes, and one made by a matrix', () => {
    expect(errorsOf(defaultConfig)).toEqual([]);
    expect(errorsOf(parseJsonc(starterConfig('skill.ts'), 'starter'))).toEqual([]);
    const matrixOnly: Record<string, unknown> = { ...defaultConfig, template: { inputSize: 100 }, matrix: { 'skillParams.batchSize': [10, 50] } };
    delete matrixOnly.scenarios;
    expect(errorsOf(matrixOnly)).toEqual([]);
  });

  it('marks a misspelt key, a value out of range and a config with no scenarios', () => {
    expect(errorsOf({ ...defaultConfig, scenarois: [] })).toContain('(root) must NOT have additional properties');
    const [first] = defaultConfig.scenarios;
    expect(errorsOf({ scenarios: [{ ...first, skillParams: { batchSize: 0 } }] })).toContain('/scenarios/0/skillParams/batchSize must be > 0');
    expect(errorsOf({ seed: 1 })).toContain("(root) must have required property 'scenarios'");
  });
});
