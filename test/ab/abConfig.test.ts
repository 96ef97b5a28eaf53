import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAbSkillOptions } from '../../src/ab/abCliOptions.ts';
import { loadAbSkill } from '../../src/ab/loadAbSkill.ts';
import { createOrchestration } from '../../src/api/createOrchestration.ts';
import { defaultConfig } from '../../src/config/defaultConfig.ts';
import { loadConfigFile } from '../../src/config/loadConfigFile.ts';
import { parseConfig } from '../../src/config/parseConfig.ts';
import { configProblems } from '../support/configProblems.ts';

const dir = mkdtempSync(join(tmpdir(), 'scenarios-ab-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const words = (raw: unknown) => (typeof raw === 'string' ? raw.split(' ') : undefined);

describe('config skills (A/B)', () => {
  it('takes exactly two skill refs, and refuses one, three, or a bad ref with a message at the field', () => {
    const two = parseConfig({ ...defaultConfig, skills: [{ name: 'simulated' }, { module: './b.ts', params: { t: 1 } }] });
    expect(two.skills).toEqual([{ name: 'simulated' }, { module: './b.ts', params: { t: 1 } }]);
    const expected = { path: 'skills', message: 'must name exactly two skills: version a, then version b (A/B)' };
    expect(configProblems({ ...defaultConfig, skills: [{ name: 'simulated' }] })).toEqual([expected]);
    expect(configProblems({ ...defaultConfig, skills: [{ name: 'simulated' }, { name: 'simulated' }, { name: 'simulated' }] })).toEqual([expected]);
    expect(configProblems({ ...defaultConfig, skills: [{ name: 'simulated' }, { file: 'x' }] })).toEqual([
      { path: 'skills[1]', message: expect.stringContaining('must be { "name": "<built-in skill>" }, { "module": "<path to a skill module>" } or { "command"') as unknown },
    ]);
  });

  it('refuses worker isolation beside skills, since both versions run in one batch call in this process', () => {
    expect(configProblems({ ...defaultConfig, isolation: 'worker', skills: [{ name: 'simulated' }, { name: 'simulated' }] })).toEqual([
      { path: 'skills', message: 'A/B runs both versions in this process: isolation "worker" is not supported with skills' },
    ]);
  });

  it('makes both versions\' module paths and command folders absolute against the config file\'s folder', async () => {
    const file = join(dir, 'ab.json');
    writeFileSync(file, JSON.stringify({ ...defaultConfig, skills: [{ module: './a.ts' }, { command: ['python3', 'b.py'] }] }));
    const config = await loadConfigFile(file);
    expect(config.skills).toEqual([{ module: join(dir, 'a.ts') }, { command: ['python3', 'b.py'], cwd: dir, cancelGraceMs: 2000 }]);
  });

  it('does not run config.skill silently when the config names two skills and none is passed', () => {
    expect(() => createOrchestration({ ...defaultConfig, skills: [{ name: 'simulated' }, { name: 'simulated' }] })).toThrow(/names two skills \(A\/B\): load them with loadAbSkill/);
  });

  it('loads built-ins and modules as versions, with each ref\'s params', async () => {
    const loaded = await loadAbSkill([{ name: 'simulated', params: { latencyMs: 0 } }, { module: 'test/fixtures/ab/accuracy85.ts' }]);
    expect(loaded.skill.labels).toEqual({ a: 'simulated@1.0.0 {"latencyMs":0}', b: 'accuracy@0.85' });
    await loaded.close();
    await expect(loadAbSkill([{ name: 'simulated' }])).rejects.toThrow('A/B needs exactly two skills, version a then version b (got 1)');
  });
});

describe('--skill twice', () => {
  it('is an A/B pair of modules or of commands, and a third or a mix of kinds is refused', () => {
    expect(parseAbSkillOptions('a.ts', undefined, words)).toBeUndefined();
    expect(parseAbSkillOptions(['a.ts', 'b.ts'], undefined, words)).toEqual({ kind: 'modules', modules: ['a.ts', 'b.ts'] });
    expect(parseAbSkillOptions(undefined, ['python3 a.py', 'python3 b.py'], words)).toEqual({ kind: 'commands', commands: [['python3', 'a.py'], ['python3', 'b.py']] });
    expect(() => parseAbSkillOptions(['a.ts', 'b.ts', 'c.ts'], undefined, words)).toThrow('--skill given 3 times: once for one skill, twice for an A/B run (version a, then version b)');
    expect(() => parseAbSkillOptions(['a.ts', 'b.ts'], 'python3 c.py', words)).toThrow(/for an A\/B run give two of one kind/);
  });
});
