import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { resolveRunInputs } from '../../src/cli/commands/run.ts';
import { loadConfigFile } from '../../src/config/loadConfigFile.ts';
import { ConfigError } from '../../src/errors.ts';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scenario-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(path: string): Promise<ConfigError> {
  const error: unknown = await loadConfigFile(path, dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfigFile', () => {
  it('reads and validates a JSON file relative to the working directory', async () => {
    writeFileSync(join(dir, 'good.json'), JSON.stringify({ ...defaultConfig, seed: 7 }));
    await expect(loadConfigFile('good.json', dir)).resolves.toMatchObject({ seed: 7, scenarios: [{ name: 'simple' }, { name: 'medium' }, { name: 'complex' }] });
  });

  it('resolves a relative skill.module against the config file\'s folder, not the working directory', async () => {
    mkdirSync(join(dir, 'configs'), { recursive: true });
    writeFileSync(join(dir, 'configs', 'with-module.json'), JSON.stringify({ ...defaultConfig, skill: { module: './skills/my-skill.ts', params: { x: 1 } } }));
    const config = await loadConfigFile('configs/with-module.json', dir);
    expect(config.skill).toEqual({ module: join(dir, 'configs', 'skills', 'my-skill.ts'), params: { x: 1 } });
  });

  it('loads the config\'s skill module from another working directory and records its absolute path for resume', async () => {
    mkdirSync(join(dir, 'proj', 'skills'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere'), { recursive: true });
    writeFileSync(join(dir, 'proj', 'skills', 'echo.mjs'), "export default { name: 'echo', version: '1.2.3', run: async (items) => ({ qualityScore: 1, processed: items.length }) };\n");
    writeFileSync(join(dir, 'proj', 'run.json'), JSON.stringify({ ...defaultConfig, skill: { module: 'skills/echo.mjs' } }));
    const inputs = await resolveRunInputs('../proj/run.json', {}, join(dir, 'elsewhere'));
    expect(inputs.skill).toMatchObject({ name: 'echo', version: '1.2.3' });
    expect(inputs.skillModule).toBe(join(dir, 'proj', 'skills', 'echo.mjs'));
    expect(inputs.config.skill).toEqual({ module: join(dir, 'proj', 'skills', 'echo.mjs') });
  });

  it('keeps an absolute skill.module and a built-in skill name as written', async () => {
    const absolute = join(dir, 'elsewhere', 'skill.js');
    writeFileSync(join(dir, 'absolute.json'), JSON.stringify({ ...defaultConfig, skill: { module: absolute } }));
    await expect(loadConfigFile('absolute.json', dir)).resolves.toMatchObject({ skill: { module: absolute } });
    writeFileSync(join(dir, 'builtin.json'), JSON.stringify({ ...defaultConfig, skill: { name: 'simulated' } }));
    await expect(loadConfigFile(join(dir, 'builtin.json'), '/')).resolves.toMatchObject({ skill: { name: 'simulated' } });
  });

  it('reports a missing file as a (file) problem', async () => {
    const error = await loadError('nope.json');
    expect(error.problems).toEqual([{ path: '(file)', message: expect.stringContaining('cannot read') as string }]);
    expect(error.message).toContain('invalid configuration (nope.json)');
  });

  it('reports a file that is not JSON as a (file) problem', async () => {
    writeFileSync(join(dir, 'broken.json'), '{ "seed": 1,');
    const error = await loadError('broken.json');
    expect(error.problems).toEqual([{ path: '(file)', message: expect.stringContaining('not valid JSON') as string }]);
  });

  it('reports schema problems with their field paths, under the file name', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...defaultConfig, scenarios: [{ ...defaultConfig.scenarios[0], skillParams: { batchSize: -5 } }] }));
    const error = await loadError('bad.json');
    expect(error.problems).toEqual([{ path: 'scenarios[0].skillParams.batchSize', message: 'must be a positive integer' }]);
    expect(error.message).toBe('invalid configuration (bad.json):\n  scenarios[0].skillParams.batchSize: must be a positive integer');
  });
});
